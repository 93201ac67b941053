"""Fixtures for the RAG tests: a small corpus tree and a fake generator that echoes its prompt."""

from collections.abc import Iterator
from pathlib import Path

import pytest

FUNCTIONS = {
    "jsonish.py": [("parse_json", "Parse a JSON document into Python objects.", "return decode(text)"),
                   ("dump_json", "Serialise objects to a JSON string.", "return encode(obj)")],
    "files.py": [("read_lines", "Read a text file line by line.", "return open(path).readlines()"),
                 ("write_text", "Write a string to a file.", "open(path, 'w').write(text)")],
    "maths.py": [("mean", "Average of a list of numbers.", "return sum(xs) / len(xs)")],
}


def write_module(folder: Path, name: str, functions: list[tuple[str, str, str]]) -> None:
    body = "\n\n".join(f'def {fn}(x):\n    """{doc}"""\n    {code}\n' for fn, doc, code in functions)
    (folder / name).write_text(body)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, functions in FUNCTIONS.items():
        write_module(folder, name, functions)
    return folder


class EchoGenerator:
    """Streams back the prompt it was given, word by word (shows exactly what the model saw)."""

    name = "echo"
    context_window = 4096

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(self, prompt: str, *, max_new_tokens: int, stop=()) -> Iterator[str]:
        self.prompts.append(prompt)
        for word in prompt.split(" ")[:max_new_tokens]:
            yield word + " "


@pytest.fixture
def echo() -> EchoGenerator:
    return EchoGenerator()

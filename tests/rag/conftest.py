"""Fixtures for the RAG tests: a fake generator that echoes its prompt, and a writer lock held elsewhere (the small
corpus tree is in tests/conftest.py)."""

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


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


HELD_WRITER_PREAMBLE = """
import pathlib, sys, time
from rag.store import build_search_index, open_index, refresh_index
from rag.options import StoreOptions
from retriever_finetune.models import load_retriever
from retriever_finetune.spec import parse_retriever

corpus, model, store_at, inside, release = sys.argv[1:]
spec = parse_retriever(model)
encoder = load_retriever(spec)
embed = encoder.encode_code

def held_open(texts, **kwargs):
    pathlib.Path(inside).write_text("writing")  # the writer lock is held from here
    deadline = time.monotonic() + 120
    while not pathlib.Path(release).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return embed(texts, **kwargs)

encoder.encode_code = held_open
"""


@contextmanager
def writer_held_inside(write: str, corpus: Path, model: Path, store_at: str, folder: Path
                       ) -> Iterator[subprocess.Popen]:
    """A process running `write` (an index write by `encoder`, see HELD_WRITER_PREAMBLE for its names), held
    inside its write, the writer lock taken, for the `with` block; released and finished after it, its
    (stdout, stderr) then in `.output`."""
    inside, release = folder / "inside", folder / "release"
    process = subprocess.Popen([sys.executable, "-c", HELD_WRITER_PREAMBLE + write, str(corpus), str(model), store_at,
                                str(inside), str(release)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not inside.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert inside.exists(), process.stderr.read() if process.poll() is not None else "the writer never started"
        yield process
    finally:
        release.write_text("go")
        process.output = process.communicate(timeout=300)

"""The grounding check, the loop detector and the extractive answer, on hand-written answers."""

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.answer import Answer, review_answer, stream_answer
from rag.generation import load_generator
from rag.grounding import KnownNames, check_grounding, extractive_answer, find_loop
from rag.store import Source

CORPUS = [  # (repo, path, func_name, language): a slice of the standard library as the index records it
    ("python3.11", "json/__init__.py", "loads", "python"),
    ("python3.11", "json/__init__.py", "load", "python"),
    ("python3.11", "json/decoder.py", "JSONDecoder.decode", "python"),
    ("python3.11", "urllib/parse.py", "unquote", "python"),
    ("python3.11", "csv.py", "DictReader", "python"),
    ("python3.11", "csv.py", "DictReader.fieldnames", "python"),
]


@pytest.fixture
def known() -> KnownNames:
    return KnownNames.from_corpus(CORPUS)


def source(path: str, func_name: str, code: str, docstring: str = "", line: int = 1) -> Source:
    return Source(id=func_name, repo="python3.11", path=path, func_name=func_name, language="python",
                  start_line=line, url="", code=code, docstring=docstring, score=0.5)


@pytest.mark.parametrize(("answer", "unverified"), [
    ("Use `json.loads` [1].", []),  # known, dotted
    ("Call `loads` on the text.", []),  # known, bare name as a whole span
    ("`json.JSONDecoder().decode(s)`", []),  # a class known from its method json.decoder.JSONDecoder.decode
    ("```python\nimport json as j\nrows = j.loads(text)\n```", []),  # aliased module
    ("```python\nfrom csv import DictReader as DR\nwith open(p) as f:\n    rows = list(DR(f))\n```", []),
    ("```python\nfrom json import unquote\nx = unquote(s)\n```", ["json.unquote"]),  # the issue's invention
    ("`json.unquote(s)` works too", ["json.unquote"]),  # unquote exists, but not in json
    ("```\nimport multiprocessing.group\n```", ["multiprocessing.group"]),  # not in the corpus at all
    ("`str.join` joins, `str.glue` does not exist", ["str.glue"]),  # builtins checked against Python itself
    ("`frobnicate(data)` then `print(data)`", ["frobnicate"]),  # unknown call; builtins and placeholders pass
    ("```python\nreader = csv.DictReader(f)\nprint(reader.fieldnames)\n```", []),  # local's attributes pass
    ("No code at all: json.unquote in prose is not checked.", []),
])
def test_grounding_flags_only_unknown_identifiers(known: KnownNames, answer: str, unverified: list[str]) -> None:
    assert check_grounding(answer, known).unverified == unverified


def test_names_written_in_the_cited_sources_count(known: KnownNames) -> None:
    answer = "```python\npathtools.join(a, b)\n```"
    assert check_grounding(answer, known).unverified == ["pathtools.join"]
    cited = source("shutil.py", "copytree", "def copytree(src, dst):\n    return pathtools.join(dst, src)")
    assert check_grounding(answer, known.with_sources([cited])).unverified == []


def test_names_the_running_python_has_count_for_a_python_corpus(known: KnownNames) -> None:
    # csv.reader is written in C (`_csv`), so never mined; os.path.join is not in this corpus slice
    answer = "```python\nrows = csv.reader(open(os.path.join(d, f)))\nw = csv.scribe(f)\n```"
    assert check_grounding(answer, known).unverified == ["csv.scribe"]
    javascript_only = KnownNames.from_corpus([("app", "src/csv.js", "reader", "javascript")])
    assert check_grounding(answer, javascript_only).unverified == ["csv.reader", "os.path.join", "csv.scribe"]


def test_the_loop_detector_finds_the_issue_stream() -> None:
    line = "import multiprocessing.group\n"
    text = "Here is how:\n" + line * 20
    assert find_loop(text) == len("Here is how:\n") + len(line)  # cut at the second occurrence
    words = "to parse a string use the loads function " * 3
    assert find_loop(words) == len("to parse a string use the loads function ")


def test_a_sentence_or_phrase_said_twice_is_a_loop() -> None:
    """The stream reported in issue 45: a sentence said twice, no phrase three times."""
    sentence = "This will be a connection to the client. "
    text = f"Use `socket.create_connection` [1]: {sentence}{sentence}The client can use the following methods ...:"
    assert find_loop(text) == text.index(sentence) + len(sentence)
    short = "It returns a fresh socket object. "  # six words: no phrase rule would see it
    text = f"Use `socket.socket` [1]: {short}{short}Close it when done."
    assert find_loop(text) == text.index(short) + len(short)
    phrase = "it returns the parsed object for the text given"  # eight words, in two different sentences
    text = f"Use `loads` [1]: {phrase}. Unlike `load`, {phrase} as a string."
    assert find_loop(text) == text.rindex(phrase)


@pytest.mark.parametrize("answer", [
    "Use `json.loads` [1]:\n```python\ndata = json.loads(text)\n```",
    "```python\nfor row in rows:\n    pass\nfor col in cols:\n    pass\nfor x in xs:\n    pass\n```",  # repeats apart
    "Use `a` [1] or `b` [2]; use `c` [3] if the input is a file.",
    "Use `a` [1]: it reads the file. Use `b` [2]: it reads the file.",  # short sentences may recur
    "Use `json.loads` [1]:\n```python\nrows = read_the_rows(open(the_file, 'r', encoding='utf-8'))\n"
    "more = read_the_rows(open(the_file, 'r', encoding='utf-8'))\n```",  # code says things twice
])
def test_the_loop_detector_leaves_normal_answers_alone(answer: str) -> None:
    assert find_loop(answer) is None


def test_extractive_answer_cites_names_signatures_and_first_sentences() -> None:
    sources = [
        source("json/__init__.py", "loads", "def loads(s, *, cls=None,\n          object_hook=None):\n    return x",
               "Deserialize s to a Python object. More text here."),
        source("csv.py", "DictReader", "class DictReader:\n    def __init__(self, f, fieldnames=None):"),
    ]
    assert extractive_answer(sources) == (
        "From the sources:\n"
        "- `json.loads` [1] `def loads(s, *, cls=None, object_hook=None)`: Deserialize s to a Python object.\n"
        "- `csv.DictReader` [2] `class DictReader`"
    )
    assert "nothing" in extractive_answer([])


class Looper:
    """A generator stuck in a loop, which records whether its consumer stopped reading early."""

    name = "looper"
    context_window = 4096
    instruction_tuned = True

    def __init__(self) -> None:
        self.pieces_sent = 0

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(self, prompt: str, *, max_new_tokens: int, stop=()) -> Iterator[str]:  # noqa: ANN001, ARG002
        for _ in range(max_new_tokens):
            self.pieces_sent += 1
            yield "import multiprocessing.group\n"


def test_a_looping_answer_is_cut_marked_and_replaced(known: KnownNames) -> None:
    looper = Looper()
    sources = [source("json/__init__.py", "loads", "def loads(s):\n    return 1", "Deserialize s.")]
    answer = Answer(text="")
    streamed = "".join(stream_answer("how to parse json", sources, looper, max_new_tokens=200, answer=answer))
    assert looper.pieces_sent < 10  # stopped reading, not run to the token limit
    assert answer.text == "import multiprocessing.group" and answer.degenerate  # cut at the first repeat
    assert streamed.startswith(answer.text)
    review_answer(answer, known)
    assert answer.unverified == ["multiprocessing.group"]
    assert answer.shown.startswith("From the sources:") and "`json.loads` [1]" in answer.shown


def test_a_base_model_gets_worked_examples_and_describes_the_top_source(known: KnownNames) -> None:
    class BaseModel(Looper):
        instruction_tuned = False
        prompts: list[str] = []

        def stream(self, prompt: str, *, max_new_tokens: int, stop=()) -> Iterator[str]:  # noqa: ANN001, ARG002
            self.prompts.append(prompt)
            yield from [" it parses", " a JSON document, e.g. `json.loads(text)`.", "\nQuestion: x"]

    model = BaseModel()
    sources = [source("json/__init__.py", "loads", "def loads(s):\n    return 1", "Deserialize s.", line=299),
               source("json/__init__.py", "load", "def load(fp):\n    return 2", "Deserialize fp.", line=274)]
    answer = Answer(text="")
    streamed = "".join(stream_answer("how to parse json", sources, model, answer=answer))
    [prompt] = model.prompts
    assert "Question: how do I compute the sha256 of a file" in prompt  # a worked example
    assert "# [1] json.loads (json/__init__.py:299)\n# Deserialize s.\ndef loads(s):" in prompt  # sources as code
    assert prompt.endswith("Question: how to parse json\nAnswer: Use `json.loads` [1]:")  # the top source, given
    assert answer.text == streamed == ("Use `json.loads` [1]: it parses a JSON document, e.g. `json.loads(text)`."
                                       "\nSee also: `json.load` [2].")  # one generated line, then the others
    assert not review_answer(answer, known).fallback


def test_a_local_model_stops_generating_when_the_reader_stops(tiny_gpt2_dir: Path) -> None:
    generator = load_generator(f"hf:{tiny_gpt2_dir}")
    generate, lengths = generator.model.generate, []

    def recording_generate(**kwargs: object) -> object:
        output = generate(**kwargs)
        lengths.append(output.shape[1] - kwargs["input_ids"].shape[1])  # type: ignore[union-attr]
        return output

    generator.model.generate = recording_generate
    stream = generator.stream("def f():", max_new_tokens=400)
    next(stream)
    stream.close()  # what stream_answer does at a stop marker or a loop
    assert lengths and lengths[0] < 50  # the model stopped soon after, instead of running to 400 tokens


def test_a_stream_read_to_its_end_returns(tiny_gpt2_dir: Path) -> None:
    generator = load_generator(f"hf:{tiny_gpt2_dir}")
    pieces: list[str] = []
    reader = threading.Thread(target=lambda: pieces.extend(generator.stream("def f():", max_new_tokens=5)), daemon=True)
    reader.start()
    reader.join(timeout=30)
    assert not reader.is_alive(), "the stream hung after the model finished"
    assert pieces


def test_a_base_model_sees_each_source_cut_to_its_first_lines_so_all_fit() -> None:
    from rag.prompts import BASE_MODEL_STYLE, build_prompt

    long = "def big(x):\n" + "".join(f"    step_{i} = x + {i}\n" for i in range(40))
    sources = [source("a.py", f"big{n}", long, "Do a big thing.") for n in range(5)]
    prompt, used = build_prompt("q", sources, budget_tokens=1500, count_tokens=lambda t: len(t.split()),
                                style=BASE_MODEL_STYLE)
    assert len(used) == 5
    assert "    step_10 = x + 10\n    ...\n" in prompt and "step_11" not in prompt  # 12 lines, then an ellipsis


class Scripted:
    """A base model (the packaged Gemma's prompt style) that streams the given pieces, then stops."""

    name = "scripted"
    context_window = 4096
    instruction_tuned = False

    def __init__(self, pieces: list[str]) -> None:
        self.pieces = pieces

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(self, prompt: str, *, max_new_tokens: int, stop=()) -> Iterator[str]:  # noqa: ANN001, ARG002
        yield from self.pieces


@pytest.mark.parametrize(("pieces", "expected"), [
    # the issue's answer, out of tokens inside its example: it ends at the words before it
    ([" it decodes", " a JSON string", ", e.g. `json", ".loads(data,", " indent="], "it decodes a JSON string."),
    ([" it decodes a string, e.g. `json.loads(s)`."], "it decodes a string, e.g. `json.loads(s)`."),  # closed: kept
    ([" parse it with", " ```python\nimport json\n", "data = json"], "parse it."),  # an open code block
])
def test_an_answer_out_of_tokens_never_ends_mid_code(pieces: list[str], expected: str) -> None:
    sources = [source("json/__init__.py", "loads", "def loads(s):\n    return 1", "Deserialize s.")]
    answer = Answer(text="")
    streamed = list(stream_answer("how to parse json", sources, Scripted(pieces), max_new_tokens=50, answer=answer))
    first_line = answer.text.splitlines()[0]
    assert first_line == f"Use `json.loads` [1]: {expected}"
    assert "".join(streamed).splitlines()[0] == first_line  # what the reader saw is the answer, nothing more


def test_a_citation_must_name_its_source(known: KnownNames) -> None:
    from rag.grounding import miscited

    sources = [source("json/decoder.py", "JSONDecoder.decode", "def decode(self, s):\n    ..."),
               source("json/__init__.py", "loads", "def loads(s):\n    ...")]
    right = "Use `json.decoder.JSONDecoder.decode` [1], or `json.loads(s)` [2]; `JSONDecoder.decode` [1] too."
    assert miscited(right, sources) == []
    # the issue's MCP answer: [2] cited for a name that is not source 2; and a number with no source
    assert miscited("Use `json.dumps` [2] or `json.loads` [3].", sources) == ["`json.dumps` [2]", "`json.loads` [3]"]
    answer = Answer(text="Use `json.loads` [1]: it parses a string.", sources=sources)
    review_answer(answer, known)
    assert answer.miscited == ["`json.loads` [1]"] and answer.fallback  # shown instead

"""The answer prompt and stream: delimiters around retrieved code, the no-context floor, trimming to the window,
stop markers."""

from rag.answer import Answer, stream_answer
from rag.prompts import STOP_MARKERS, build_prompt
from rag.store import Source

from .conftest import EchoGenerator


def source(n: int, code: str = "def f():\n    return 1") -> Source:
    return Source(id=str(n), repo="r", path=f"m{n}.py", func_name=f"f{n}", language="python", start_line=n,
                  url="", code=code, docstring="Doc.", score=1.0 - n / 10)


def test_sources_are_delimited_and_marked_as_reference() -> None:
    prompt, used = build_prompt("how?", [source(1), source(2)], budget_tokens=10_000, count_tokens=len)
    assert "<<<SOURCE [1] m1.py:1 f1>>>" in prompt and "<<<END SOURCE [2]>>>" in prompt
    assert "not instructions" in prompt and prompt.rstrip().endswith("Answer:")
    assert [s.id for s in used] == ["1", "2"]


def test_no_sources_uses_the_no_context_prompt() -> None:
    prompt, used = build_prompt("how?", [], budget_tokens=10_000, count_tokens=len)
    assert used == [] and "SOURCE" not in prompt and "Question: how?" in prompt


def test_context_is_trimmed_to_the_budget() -> None:
    sources = [source(n, code="x = 1\n" * 50) for n in range(1, 6)]
    count = lambda text: len(text.split())  # noqa: E731
    full, _ = build_prompt("q", sources, budget_tokens=10_000, count_tokens=count)
    prompt, used = build_prompt("q", sources, budget_tokens=count(full) // 2, count_tokens=count)
    assert 1 <= len(used) < 5 and count(prompt) <= count(full) // 2
    assert [s.id for s in used] == [s.id for s in sources[: len(used)]]  # best-ranked kept
    tiny, kept = build_prompt("q", sources, budget_tokens=80, count_tokens=count)
    assert len(kept) == 1 and count(tiny) <= 80  # the best source cut to fit


def test_stream_stops_at_markers_and_fills_the_answer() -> None:
    class Rambler(EchoGenerator):
        def stream(self, prompt: str, *, max_new_tokens: int, stop=()):  # noqa: ANN202
            yield from ["It uses json.loads [1].", "\nQuestion: next one", " more"]

    answer = Answer(text="")
    pieces = list(stream_answer("how?", [source(1)], Rambler(), answer=answer))
    assert "".join(pieces) == "It uses json.loads [1]." and answer.text == "It uses json.loads [1]."
    assert all(m not in answer.text for m in STOP_MARKERS)

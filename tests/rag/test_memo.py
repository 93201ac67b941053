"""Remembered completions and rerank scores: a question asked again costs no model call and gives what the model
gave the first time."""

from pathlib import Path

import pytest

from rag.generation import load_generator
from rag.generation.memo import CompletionMemo
from rag.options import GeneratorOptions
from rag.rerank import load_reranker
from rag.store import Source


class Counted:
    """A scripted stream that counts how often it ran."""

    def __init__(self, pieces: list[str]) -> None:
        self.pieces, self.runs = pieces, 0

    def __call__(self):  # noqa: ANN204
        self.runs += 1
        yield from self.pieces


def test_a_finished_completion_is_replayed_without_a_run() -> None:
    memo, model = CompletionMemo(), Counted(["Use ", "`json", ".loads`", " [1]."])
    assert list(memo.stream("p", model)) == ["Use ", "`json", ".loads`", " [1]."]
    assert list(memo.stream("p", model)) == ["Use ", "`json", ".loads`", " [1]."] and model.runs == 1
    assert list(memo.stream("other prompt", model)) and model.runs == 2


def test_a_stream_stopped_early_continues_past_what_was_replayed() -> None:
    memo, model = CompletionMemo(), Counted(["a", "bc", "d", "ef"])
    stream = memo.stream("p", model)
    assert [next(stream), next(stream)] == ["a", "bc"]
    stream.close()  # the reader stopped at a stop marker
    assert "".join(memo.stream("p", model)) == "abcdef" and model.runs == 2  # each character once
    assert list(memo.stream("p", model)) == ["a", "bc", "d", "ef"] and model.runs == 2


def test_the_oldest_completion_goes_first() -> None:
    memo, model = CompletionMemo(entries=2), Counted(["x"])
    for prompt in ("a", "b", "a", "c"):  # "a" used again: "b" is the oldest when "c" comes
        list(memo.stream(prompt, model))
    runs = model.runs
    list(memo.stream("a", model))
    list(memo.stream("b", model))
    assert model.runs == runs + 1


def test_a_local_model_asked_the_same_prompt_again_is_not_run(tiny_gpt2_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generator = load_generator(f"hf:{tiny_gpt2_dir}", GeneratorOptions(precision="float32"))
    first = "".join(generator.stream("def parse_json(text):", max_new_tokens=8))
    monkeypatch.setattr(generator.model, "generate", lambda **_: pytest.fail("the model ran again"))
    assert "".join(generator.stream("def parse_json(text):", max_new_tokens=8)) == first


def test_rerank_scores_are_remembered_and_equal_a_fresh_reranker(tiny_gpt2_dir: Path) -> None:
    sources = [Source(id=f"m{i}", start_line=1, url="", repo="r", path=f"m{i}.py", func_name=f"f{i}", language="python",
                      code=f"def f{i}(x):\n    return x + {i}\n", docstring=f"Add {i}.", score=0.5) for i in range(5)]
    reranker = load_reranker(f"hf:{tiny_gpt2_dir}", GeneratorOptions(precision="float32"))
    first = reranker.score("add two numbers", sources)
    calls = []
    model = reranker.model
    reranker.model = lambda **kwargs: calls.append(kwargs) or model(**kwargs)
    again = reranker.score("add two numbers", sources[::-1])
    assert again == first[::-1] and calls == []
    fresh = load_reranker(f"hf:{tiny_gpt2_dir}", GeneratorOptions(precision="float32")).score("add two numbers", sources)
    assert fresh == pytest.approx(first, abs=1e-5)
    reranker.score("add three numbers", sources[:2])
    assert len(calls) == 1  # a new question is scored

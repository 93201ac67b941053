"""eval.rouge --protocol paper: the paper's prompt layout, seeded sampling, the function-end stop, stemmed ROUGE."""

import json
from pathlib import Path

import pytest
from rouge_score import rouge_scorer

from eval import rouge
from eval.answer_metrics import rouge_f1
from eval.paper_protocol import function_end, paper_answer, paper_prompt
from rag.generation import Sampling, load_generator


def test_the_prompt_lays_out_the_context_as_the_paper_does() -> None:
    prompt = paper_prompt("Parse a JSON string.", ["def a():\n    pass\n", "def b():\n    pass\n"])
    assert ("Context:\n\nExtracted documents:\nDocument 0:::\ndef a():\n    pass\nDocument 1:::\ndef b():\n    pass\n"
            "\n---\nNow here is the question you need to answer.\n\nQuestion: Parse a JSON string.\nAnswer:") in prompt
    assert prompt.startswith("Using the information contained in the context,\ngive a comprehensive answer")


class ScriptedBaseModel:
    """A base-model generator that streams a fixed text line by line and records its prompt."""

    instruction_tuned = False
    context_window = 2048

    def __init__(self, text: str) -> None:
        self.text, self.prompts, self.pieces_sent = text, [], 0

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(self, prompt: str, *, max_new_tokens: int, sampling=None):
        self.prompts.append(prompt)
        for line in self.text.splitlines(keepends=True):
            self.pieces_sent += 1
            yield line


def test_a_base_model_gets_an_opened_code_block_and_its_function_is_kept() -> None:
    generator = ScriptedBaseModel("def parse(s):\n    return loads(s)\n```\nThe function parses.\n")
    answer = paper_answer("Parse a JSON string.", None, generator, seed=0)
    assert generator.prompts[0].endswith("Question: Parse a JSON string.\nAnswer:\n```python\n")
    assert answer.text == "def parse(s):\n    return loads(s)"
    assert paper_prompt("Q.", []).endswith("Answer:\n")  # an instruction-tuned generator: the paper's text as is


@pytest.mark.parametrize("text", ["x = loads(s)\nprint(x)\n```\n\nExplanation: it loads.\n",
                                  "x = loads(s)\nprint(x)\nDocument 5:::\ndef other(): pass\n"])
def test_a_base_model_answer_ends_with_its_code_block(text: str) -> None:
    assert paper_answer("Parse JSON.", None, ScriptedBaseModel(text), seed=0).text == "x = loads(s)\nprint(x)"


def test_a_degenerate_stream_stops_at_its_loop() -> None:
    generator = ScriptedBaseModel("Create a dict.\n" * 200)
    answer = paper_answer("Create a dict.", None, generator, seed=0)
    assert answer.text == "Create a dict."
    assert generator.pieces_sent == 3  # stopped on the third repeat, not after 200 lines


@pytest.mark.parametrize(("text", "kept"), [
    ("Sure:\n```python\ndef f(x):\n    return x\n```\nThis function...", "Sure:\n```python\ndef f(x):\n    return x\n"),
    ("def f(x):\n    if x:\n        return 1\n\n    return 2\nprint(f(1))\n", "def f(x):\n    if x:\n        return 1\n\n    return 2\n"),
    ("def f(\n    a,\n):\n    return a\nNext", "def f(\n    a,\n):\n    return a\n"),
    ("def f(x):\n    return x", None),  # the last line may still grow
    ("No function here.\n", None),
])
def test_function_end(text: str, kept: str | None) -> None:
    end = function_end(text)
    assert (text[:end] if end is not None else None) == kept


def test_stemmed_rouge_with_lsum_equals_rouge_score() -> None:
    reference, prediction = "def parse(s):\n    return loads(s)\n", "parsing strings:\nreturn loads of s"
    types = ("rouge1", "rouge2", "rougeL", "rougeLsum")
    theirs = rouge_scorer.RougeScorer(list(types), use_stemmer=True).score(reference, prediction)
    assert rouge_f1(reference, prediction, types=types, stem=True) == {t: pytest.approx(theirs[t].fmeasure) for t in types}
    assert rouge_f1(reference, prediction, types=types, stem=True)["rouge1"] > rouge_f1(reference, prediction)["rouge1"]


def test_sampling_is_seeded(tiny_gpt2_dir: Path) -> None:
    generator = load_generator(f"hf:{tiny_gpt2_dir}")

    def sample(seed: int) -> str:
        return "".join(generator.stream("def f(x):", max_new_tokens=24, sampling=Sampling(temperature=1.0, seed=seed)))

    assert sample(1) == sample(1)
    assert len({sample(seed) for seed in range(4)}) > 1  # it samples: seeds differ


def test_paper_protocol_report_reruns_identically(tiny_bert_dir: Path, tiny_gpt2_dir: Path, tmp_path: Path) -> None:
    from data.records import Record, write_jsonl

    rows = [Record(repo="r", path=f"m{i}.py", func_name=f"f{i}", language="python",
                   code=f"def f{i}(x):\n    return x + {i}", docstring=f"Add {i} to x.") for i in range(3)]
    write_jsonl(rows, tmp_path / "test.jsonl")
    reports = []
    for run in ("a", "b"):  # separate caches: the second run generates again
        argv = ["--data", str(tmp_path / "test.jsonl"), "--base", str(tiny_bert_dir), "--generator",
                f"hf:{tiny_gpt2_dir}", "--protocol", "paper", "--retriever", "none", "base", "--out",
                str(tmp_path / run), "--cache_dir", str(tmp_path / f"cache-{run}"), "--persist",
                str(tmp_path / f"db-{run}"), "--quiet"]
        assert rouge.main(argv) == 0
        reports.append(json.loads((tmp_path / run / "report.json").read_text()))
    first, second = reports
    assert first["protocol"] == "paper" and first["k"] == 5
    assert set(first["summary"]["none"]) == {"rouge1", "rouge2", "rougeL", "rougeLsum", "hit_rate"}
    assert first["per_question"] == second["per_question"]

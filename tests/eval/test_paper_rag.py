"""eval.experiments.paper_rag on tiny pieces: retrieval MRR equal to `eval.mrr`'s CodeSearchNet protocol on the
same pool, ROUGE equal to rouge-score's on the answers given, resume from the cache, and bad input."""

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from rouge_score import rouge_scorer

from data.records import Record, write_jsonl
from eval import rouge
from eval.answers import _item_id
from eval.experiments import paper_rag
from retriever_finetune.models import load_retriever
from retriever_finetune.spec import parse_retriever

WORDS = ["json", "file", "sort", "hash", "zip", "url", "path", "date", "text", "list", "dict"]
FUNCTIONS = 1_000  # the CodeSearchNet protocol's 1,000: every other function is a distractor
QUESTIONS = 12


class TopDocument:
    """An endpoint-like generator that answers with the first document of its prompt (nothing without one)."""

    name, context_window, instruction_tuned = "top-document", 1_000_000, True

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(self, prompt: str, *, max_new_tokens: int, stop=(), sampling=None) -> Iterator[str]:  # noqa: ANN001, ARG002
        self.prompts.append(prompt)
        match = re.search(r"Document 0:::\n(.*?)(?=Document 1:::|\Z)", prompt, re.S)
        yield match.group(1) if match else "pass"


def function(i: int) -> tuple[str, str, str]:
    """(name, docstring, body) of synthetic function i."""
    a, b = WORDS[i % len(WORDS)], WORDS[(i // len(WORDS)) % len(WORDS)]
    return f"{a}_{b}_{i}", f"Convert the {a} into {b} number {i}.", f"    return {b}({a}, {i})\n"


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, TopDocument]:
    """A peft folder with its stdlib test split written, and an installed package to hold out."""
    peft = tmp_path / "peft"
    records = [Record(repo="r", path=f"m{i // 100}.py", func_name=name, language="python",
                      code=f"def {name}(x):\n{body}", docstring=doc) for i, (name, doc, body) in map(
                          lambda i: (i, function(i)), range(FUNCTIONS))]
    write_jsonl(records, peft / "data" / "corpus.test.jsonl")
    package = tmp_path / "site" / "heldoutpkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for module in range(FUNCTIONS // 101 + 1):
        text = ""
        for i in range(module * 101, min((module + 1) * 101, FUNCTIONS)):
            name, doc, body = function(i + 7)
            text += f"def {name}(x):\n    \"\"\"{doc}\"\"\"\n{body}\n\n"
        (package / f"mod{module}.py").write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    generator = TopDocument()
    monkeypatch.setattr(rouge, "load_generator", lambda spec, options: generator)
    return peft, generator


def argv(tmp_path: Path, peft: Path, base: Path, *extra: str) -> list[str]:
    return ["--out", str(tmp_path / "exp"), "--peft", str(peft), "--base", str(base), "--packages", "heldoutpkg",
            "--quiet", *extra]


def test_experiment_measures_both_metrics_on_the_same_questions_and_resumes(
        setup: tuple[Path, TopDocument], tiny_bert_dir: Path, tmp_path: Path) -> None:
    peft, generator = setup
    command = argv(tmp_path, peft, tiny_bert_dir, "--retrievers", "none", "base", "--questions", str(QUESTIONS))
    assert paper_rag.main(command) == 0
    out = tmp_path / "exp"
    rows = list(csv.DictReader((out / "results.csv").open()))
    assert [(r["corpus"], r["retriever"].split(" ")[0]) for r in rows] == [
        ("stdlib test", "none"), ("stdlib test", str(tiny_bert_dir)), ("held-out packages", "none"),
        ("held-out packages", str(tiny_bert_dir))]
    assert {r["questions"] for r in rows} == {str(QUESTIONS)}
    assert (out / "rouge_vs_mrr.png").stat().st_size > 0
    assert len(generator.prompts) == 4 * QUESTIONS

    # MRR: with 1,000 functions the distractors are all the others, so each rank is the question's rank in
    # the whole pool: brute force here on the encoder's vectors
    encoder = load_retriever(parse_retriever("base", base=str(tiny_bert_dir)))
    results = json.loads((out / "results.json").read_text())
    held_out = Path(results["corpora"]["held-out packages"].split(" (")[0])
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    for corpus, path in (("stdlib test", peft / "data" / "corpus.test.jsonl"), ("held-out packages", held_out)):
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        codes = encoder.encode_code([r["code"] for r in lines])  # (1000, dim)
        ids = [_item_id(r["docstring"], r["code"]) for r in lines]
        (label, asked), = results["retrieval_ranks"][corpus].items()
        reciprocal = []
        for entry in asked:
            own = ids.index(entry["id"])
            scores = codes @ encoder.encode_queries([lines[own]["docstring"]])[0]
            rank = 1 + int(np.sum(np.delete(scores, own) >= scores[own]))
            assert entry["rank"] == rank
            reciprocal.append(1 / rank)
        row = next(r for r in rows if r["corpus"] == corpus and r["retriever"] == label)
        assert float(row["mrr"]) == pytest.approx(np.mean(reciprocal), abs=1e-6)
        # ROUGE without retrieval: rouge-score on what the generator answered ("pass")
        references = [lines[ids.index(entry["id"])]["code"] for entry in asked]
        none_row = next(r for r in rows if r["corpus"] == corpus and r["retriever"] == "none")
        assert float(none_row["rougeL"]) == pytest.approx(
            np.mean([scorer.score(ref, "pass")["rougeL"].fmeasure for ref in references]), abs=1e-6)

    # an interrupted or repeated run generates nothing it has already
    generator.prompts.clear()
    assert paper_rag.main(command) == 0
    assert generator.prompts == []
    assert list(csv.DictReader((out / "results.csv").open())) == rows
    assert json.loads((out / "results.json").read_text())["wall"]["answers"] == 0


def test_a_corpus_with_fewer_questions_than_asked_uses_all_and_says_so(
        setup: tuple[Path, TopDocument], tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    peft, _ = setup
    config = paper_rag.PaperRagConfig(out=str(tmp_path / "exp"), peft=str(peft), questions=5000)
    items, own, records = paper_rag.sample_questions(peft / "data" / "corpus.test.jsonl", config)
    assert len(items) == len(own) == FUNCTIONS == len(records)
    assert f"has {FUNCTIONS} questions, fewer than the 5000 asked: using all {FUNCTIONS}" in caplog.text
    assert [records[i].docstring for i in own] == [item.question for item in items]


@pytest.mark.parametrize(("extra", "make", "message"), [
    (["--retrievers", "none", "base", "lora", "--no_train"], None,
     "lora (missing); train them with `python -m eval.experiments.peft_comparison --out PEFT --methods lora`"),
    (["--retrievers", "base", "ia3", "--no_train"], "ia3", "ia3 (half-written)"),
    (["--retrievers", "none", "lora"], None, "--retrievers must include base"),
    (["--retrievers", "base", "bm25"], None, "--retrievers: unknown ['bm25']"),
    (["--retrievers", "base", "--packages", "no_such_package_here"], None, "no_such_package_here is not an installed"),
    (["--questions", "0"], None, "--questions and --batch_size must be positive"),
])
def test_bad_input(extra: list[str], make: str | None, message: str, setup: tuple[Path, TopDocument],
                   tiny_bert_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    peft, _ = setup
    if make:
        (peft / "runs" / make).mkdir(parents=True)
        (peft / "runs" / make / "config.json").write_text("{}")  # started, never finished
    assert paper_rag.main(argv(tmp_path, peft, tiny_bert_dir, *extra)) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and message.replace("PEFT", str(peft)) in err

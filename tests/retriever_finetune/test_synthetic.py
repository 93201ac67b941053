"""Synthetic questions: written once and reused, rewritten when an input changes, filtered by round trip;
`retriever_finetune.adapt` from a tree to a query-side adapter; bad input."""

import json
from pathlib import Path

import numpy as np
import pytest

from data.records import Record
from retriever_finetune import adapt as adapt_cli
from retriever_finetune.models import load_encoder
from retriever_finetune.synthetic import keep_consistent, synthesize_questions
from tests.conftest import write_module


def records() -> list[Record]:
    return [Record(repo="r", path=f"m{i}.py", func_name=f"f{i}", language="python", code=f"def f{i}(): pass",
                   docstring=doc) for i, doc in enumerate(["Parse a JSON document.", "Sort a list of names.",
                                                           "Constructor.", ""])]


def test_questions_are_written_once_and_reused_until_an_input_changes(tmp_path: Path) -> None:
    first = synthesize_questions(records(), tmp_path, per_function=2)
    rows = json.loads(first.path.read_text())
    assert not first.reused and first.functions == 3 and first.questions == len(rows) >= 2
    assert {r["func_name"] for r in rows} == {"f0", "f1"}  # "Constructor." suggests no question
    assert all(r["label"] == 1 and r["docstring"] and r["code"].startswith("def") for r in rows)
    first.path.write_text(json.dumps(rows[:1]))  # the cache, not a fresh rewrite, is what a second run reads
    again = synthesize_questions(records(), tmp_path, per_function=2)
    assert again.reused and again.path == first.path and json.loads(again.path.read_text()) == rows[:1]
    edited = records()
    edited[1] = Record(**{**edited[1].to_dict(), "code": "def f1(names): return sorted(names)"})
    assert synthesize_questions(edited, tmp_path, per_function=2).path != first.path
    assert synthesize_questions(records(), tmp_path, per_function=1).path != first.path
    assert synthesize_questions(records(), tmp_path, per_function=2, seed=7).path != first.path


def test_round_trip_filter_keeps_questions_whose_function_ranks_high() -> None:
    class Keywords:  # one-hot encoder over three words: ranks are hand-computable
        name, adapter = "keywords", None

        def encode(self, texts: list[str]) -> np.ndarray:
            vectors = np.array([[float(w in t) for w in ("json", "sort", "zip")] for t in texts]) + 1e-3
            return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

        encode_queries = encode_code = lambda self, texts, **_: self.encode(texts)  # noqa: E731

    documents = ["json parse", "sort names", "zip files"]
    keep = keep_consistent(["json please", "sort json", "nothing here"], [0, 2, 1], documents, Keywords(), top_k=1)
    # "sort json" belongs to doc 2 (zip) but ranks it last; "nothing here" ties all three: kept at top 1 only
    # because ties do not count against it
    assert keep == [True, False, True]


def test_a_corpus_without_docstrings_is_refused(tmp_path: Path) -> None:
    bare = [Record("r", "m.py", "f", "python", "def f(): pass", "")]
    with pytest.raises(ValueError, match="none of the 1 functions has a docstring"):
        synthesize_questions(bare, tmp_path)


def test_adapt_cli_trains_a_query_side_adapter_from_a_tree(corpus: Path, tiny_bert_dir: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "adapted"
    argv = [str(corpus), "--base", str(tiny_bert_dir), "--out", str(out), "--cache_dir", str(tmp_path / "cache"),
            "--batch_size", "4", "--quiet"]
    assert adapt_cli.main(argv) == 0
    assert "saved to" in capsys.readouterr().out
    assert json.loads((out / "adapter" / "towers.json").read_text()) == {"towers": "query"}
    adapted, frozen = load_encoder(str(out), device="cpu"), load_encoder(str(tiny_bert_dir), device="cpu")
    assert adapted.towers == "query"
    questions, code = ["how to parse json", "average of numbers"], ["def mean(xs):\n    return sum(xs) / len(xs)"]
    moved = np.abs(adapted.encode_queries(questions) - frozen.encode_queries(questions)).max()
    assert moved > 1e-5  # the questions are embedded by the tuned side (float32 noise is ~1e-7)
    np.testing.assert_allclose(adapted.encode_code(code), frozen.encode_code(code), atol=1e-6)  # the code is not
    assert len(list((tmp_path / "cache").glob("questions-*.json"))) == 2  # the questions and their stats


def test_adapt_cli_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert adapt_cli.main([]) == 2
    assert "give at least one PATH" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    write_module(empty, "bare.py", [])
    (empty / "undocumented.py").write_text("def f(x):\n    return x\n")
    assert adapt_cli.main([str(empty), "--cache_dir", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert "error: no documented functions" in err and "Traceback" not in err

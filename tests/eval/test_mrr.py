"""Retrieval evaluation: a keyword one-hot fake encoder makes ranks hand-computable; CLI through main()."""

import json
from pathlib import Path

import numpy as np
import pytest

from data.cli import InputError
from data.codebase import CodeBaseBenchmark
from data.records import Record, write_jsonl
from eval import mrr as mrr_cli
from eval.retrieval import (
    cached_encode,
    distractor_indices,
    evaluate_codebase,
    evaluate_pool,
    evaluate_retriever,
    group_by_language,
)

KEYWORDS = ["json", "file", "sort", "hash"]


def one_hot(texts: list[str]) -> np.ndarray:
    """Each text → unit vector over the keywords it contains (all-zero texts get a tiny constant)."""
    vectors = np.array([[float(k in t) for k in KEYWORDS] for t in texts]) + 1e-3
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def record(i: int, doc: str, code: str, language: str = "python") -> Record:
    return Record(repo="r", path=f"f{i}.py", func_name=f"f{i}", language=language, code=code, docstring=doc)


def test_full_protocol_ranks_are_hand_computable() -> None:
    records = [record(0, "parse json", "json loads"), record(1, "read a file", "open file"),
               record(2, "sort items", "hash sort"), record(3, "hash bytes", "sort hash")]
    groups = group_by_language(records, None, "full")
    result = evaluate_retriever(lambda _: (one_hot, one_hot), groups, protocol="full", seed=0, cache_key="fake", cache_dir=None)
    # queries 0 and 1 rank first; "sort" ties codes 2 and 3 (both sort+hash) → pessimistic rank 2; same for "hash"
    assert result["python"]["mrr"] == pytest.approx((1 + 1 + 0.5 + 0.5) / 4)
    assert result["python"]["recall@1"] == pytest.approx(0.5)
    assert result["average"]["mrr"] == result["python"]["mrr"]


def test_codebase_protocol_ranks_against_the_whole_code_base_by_hand() -> None:
    # five codes; two queries share one answer (as in CoSQA), one answer is a code no query asks for
    benchmark = CodeBaseBenchmark(
        queries=["json please", "sort and hash", "a file", "json again"],
        answers=["c0", "c3", "c1", "c0"],
        code_ids=["c0", "c1", "c2", "c3", "c4"],
        codes=["json", "file", "sort", "sort hash", "hash"],
    )
    result = evaluate_codebase(one_hot, one_hot, benchmark, cache_key="fake", cache_dir=None)
    # each query's answer is the only code with exactly its keywords (cosine 1): every rank is 1
    assert result["mrr"] == pytest.approx(1.0) and result["queries"] == 4
    miss = CodeBaseBenchmark(queries=["hash"], answers=["c3"], code_ids=["c0", "c3", "c4"],
                             codes=["json", "sort hash", "hash"])
    # "hash" scores c4 ("hash") at 1.0 and c3 ("sort hash") at 1/sqrt(2): the answer ranks 2
    got = evaluate_codebase(one_hot, one_hot, miss, cache_key="fake", cache_dir=None)
    assert got["mrr"] == pytest.approx(0.5) and got["recall@1"] == 0.0 and got["recall@5"] == 1.0
    assert got["ndcg@10"] == pytest.approx(1 / np.log2(3))


def test_distractors_never_include_the_query_code_and_are_distinct() -> None:
    rng = np.random.default_rng(0)
    for query in (0, 500, 1199):
        picks = distractor_indices(1200, query, rng)
        assert len(picks) == 999 and len(set(picks.tolist())) == 999
        assert query not in picks and picks.min() >= 0 and picks.max() < 1200
    with pytest.raises(InputError, match="only 10 other"):
        distractor_indices(11, 0, rng)


def test_csn_protocol_with_a_constructed_pool() -> None:
    n = 1000
    queries = np.eye(n)
    codes = np.eye(n)
    codes[5] = codes[6]  # code 5 identical to code 6: query 5 scores 0 on its own code
    result = evaluate_pool(queries, codes, "csn", seed=0)
    assert result["queries"] == n
    # with 1000 codes every other code is a distractor: query 5 ties all 999 at 0 → rank 1000;
    # query 6 ties its own code with code 5 → rank 2; the other 998 rank first
    assert result["mrr"] == pytest.approx((998 + 1 / 2 + 1 / 1000) / n)


def test_csn_needs_1000_records_and_suggests_full() -> None:
    records = [record(i, f"doc {i}", f"code {i}") for i in range(20)]
    with pytest.raises(InputError, match=r"at least 1000 records per language \(python: 20\); use --protocol full"):
        group_by_language(records, None, "csn")
    with pytest.raises(InputError, match="no records for go"):
        group_by_language(records, ["go"], "full")


def test_cache_encodes_each_distinct_text_once(tmp_path: Path) -> None:
    calls: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return one_hot(texts)

    texts = ["json", "file", "json"]
    first = cached_encode(encode, texts, key="k", cache_dir=tmp_path)
    assert calls == [["file", "json"]] and first.shape == (3, 4)
    np.testing.assert_array_equal(first[0], first[2])
    second = cached_encode(encode, texts, key="k", cache_dir=tmp_path)
    assert len(calls) == 1
    np.testing.assert_array_equal(first, second)
    cached_encode(encode, texts, key="other retriever", cache_dir=tmp_path)
    assert len(calls) == 2


def test_cli_writes_report_with_cost_columns(tiny_bert_dir: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from retriever_finetune import train

    rows = [record(i, f"handle {KEYWORDS[i % 4]} number {i}", f"def f{i}(): return {KEYWORDS[i % 4]}({i})",
                   "python" if i % 2 else "go") for i in range(40)]
    data = tmp_path / "test.jsonl"
    write_jsonl(rows, data)
    run = tmp_path / "runs" / "lora"
    train.run(train.TrainConfig(train=str(data), out=str(run), base=str(tiny_bert_dir), batch_size=8,
                                max_query_length=32, max_code_length=32))
    out = tmp_path / "report"
    code = mrr_cli.main(["--data", str(data), "--retrievers", "base", "lora", "--base", str(tiny_bert_dir),
                         "--runs_dir", str(tmp_path / "runs"), "--protocol", "full", "--out", str(out),
                         "--cache_dir", str(tmp_path / "cache"), "--quiet"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "| lora |" in printed and "(frozen)" in printed and "| go | python | average |" in printed
    report = json.loads((out / "report.json").read_text())
    assert report["retrievers"]["lora"]["cost"]["trainable_percent"] > 0
    assert set(report["retrievers"]["lora"]["metrics"]["go"]) >= {"mrr", "recall@1", "recall@10", "ndcg@10"}
    assert (out / "mrr.png").stat().st_size > 1000 and "Reported by the paper" in (out / "report.md").read_text()


@pytest.mark.parametrize(("argv", "message"), [
    (["--retrievers", "nonexistent_run"], "has no run behind it"),
    (["--retrievers", "base", "--languages", "cobol"], "no records for cobol"),
    (["--retrievers", "base"], "needs at least 1000 records per language"),
])
def test_cli_bad_input(argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "test.jsonl"
    write_jsonl([record(i, f"d{i}", f"c{i}") for i in range(10)], data)
    (tmp_path / "empty_dir").mkdir()
    assert mrr_cli.main(["--data", str(data), "--runs_dir", str(tmp_path), "--out", str(tmp_path / "o"), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cli_folder_that_is_not_a_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "test.jsonl"
    write_jsonl([record(i, f"d{i}", f"c{i}") for i in range(10)], data)
    (tmp_path / "junk").mkdir()
    assert mrr_cli.main(["--data", str(data), "--retrievers", str(tmp_path / "junk"), "--protocol", "full"]) == 2
    assert "holds neither a training run" in capsys.readouterr().err


def test_cli_codebase_protocol_on_cosqa_files(tiny_bert_dir: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    codes = [f"def f{i}(): return {KEYWORDS[i % 4]}({i})" for i in range(12)]
    (tmp_path / "code_idx_map.txt").write_text(json.dumps({c: i for i, c in enumerate(codes)}))
    (tmp_path / "dev.json").write_text(json.dumps([{"doc": f"python {KEYWORDS[i % 4]}", "retrieval_idx": i}
                                                   for i in range(0, 12, 3)]))
    out = tmp_path / "report"
    argv = ["--protocol", "codebase", "--data", str(tmp_path / "dev.json"), "--codebase",
            str(tmp_path / "code_idx_map.txt"), "--retrievers", "base", "--base", str(tiny_bert_dir), "--out",
            str(out), "--cache_dir", "", "--quiet"]
    assert mrr_cli.main(argv) == 0
    printed = capsys.readouterr().out
    assert "code-base protocol (4 queries" in printed and "against 12 functions" in printed
    report = json.loads((out / "report.json").read_text())
    (label,) = report["retrievers"]
    assert set(report["retrievers"][label]["metrics"]) >= {"mrr", "recall@1", "recall@5", "recall@10", "ndcg@10"}
    assert (out / "mrr.png").is_file()
    (tmp_path / "code_idx_map.txt").write_text(json.dumps({c: i for i, c in enumerate(codes[:5])}))
    assert mrr_cli.main(argv) == 2
    assert "does not hold the answers of 2 queries (ids 6, 9)" in capsys.readouterr().err
    assert mrr_cli.main(argv[:4] + argv[6:]) == 2
    assert "needs --codebase" in capsys.readouterr().err


def test_labelled_pairs_rank_each_question_against_the_file_snippets_by_hand(tmp_path: Path) -> None:
    from data.codebase import load_codebase_benchmark

    rows = [{"doc": "json please", "code": "file", "label": 1},  # ranks 2 ("json" scores 1.0)
            {"doc": "json please", "code": "sort json", "label": 1},  # the better of its two answers
            {"doc": "json please", "code": "json", "label": 0},
            {"doc": "a file", "code": "file", "label": 1},  # shared snippet: one entry of the pool
            {"doc": "sort it", "code": "hash", "label": 0}]  # no label-1 snippet: not a query
    path = tmp_path / "dev_staqc.json"
    path.write_text(json.dumps(rows))
    benchmark = load_codebase_benchmark(path, path)
    assert benchmark.queries == ["json please", "a file"] and benchmark.codes == ["file", "sort json", "json", "hash"]
    result = evaluate_codebase(one_hot, one_hot, benchmark, cache_key="fake", cache_dir=None)
    # "json please" = json: "json" 1.0 > "sort json" 0.71 > "file" ~0: its best answer ranks 2; "a file" ranks 1
    assert result["ranks"] == [2, 1] and result["mrr"] == pytest.approx((0.5 + 1) / 2)
    with pytest.raises(InputError, match="pass it as --codebase too"):
        load_codebase_benchmark(path, tmp_path / "other.json")


def test_codebase_report_gives_each_retriever_a_paired_interval_against_the_first() -> None:
    results = {"a": {"metrics": {"ranks": [1, 2, 4, 1]}}, "b": {"metrics": {"ranks": [1, 1, 1, 1]}}}
    mrr_cli._compare_to_first(results)
    # b - a per query: 0, 0.5, 0.75, 0 → mean 0.3125; every resample's mean lies in [0, 0.75]
    b = results["b"]["mrr_vs_first"]
    assert b["delta"] == pytest.approx(0.3125) and 0 <= b["low"] <= b["delta"] <= b["high"] <= 0.75
    assert mrr_cli._delta_cell(results["a"]["mrr_vs_first"]) == "–"
    assert mrr_cli._delta_cell(b).startswith("+0.312 [")

"""Code-base benchmarks (CoSQA and GraphCodeBERT layouts), labelled pairs, docstring→question rewriting."""

import json
from pathlib import Path

import pytest

from data.cli import InputError
from data.codebase import load_codebase_benchmark, load_cosqa, load_graphcodebert
from data.pairs import load_labelled_pairs
from data.questions import first_sentence, rewrite_corpus, rewrite_docstring
from data.records import Record

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def write_cosqa(folder: Path, queries: list[tuple[str, int]], codes: list[str]) -> tuple[Path, Path]:
    code_map = folder / "code_idx_map.txt"
    code_map.write_text(json.dumps({code: i for i, code in enumerate(codes)}))
    retrieval = folder / "retrieval.json"
    retrieval.write_text(json.dumps([{"idx": f"q{n}", "doc": q, "code": codes[i], "retrieval_idx": i, "label": 1}
                                     for n, (q, i) in enumerate(queries)]))
    return retrieval, code_map


def test_cosqa_layout_maps_each_query_to_its_code(tmp_path: Path) -> None:
    retrieval, code_map = write_cosqa(tmp_path, [("python sort list", 2), ("read json", 0)],
                                      ["def load(f): ...", "def walk(d): ...", "def sort(xs): ..."])
    benchmark = load_codebase_benchmark(retrieval, code_map)
    assert benchmark.queries == ["python sort list", "read json"]
    assert [benchmark.codes[i] for i in benchmark.answer_positions()] == ["def sort(xs): ...", "def load(f): ..."]


def test_graphcodebert_layout_joins_by_url(tmp_path: Path) -> None:
    (tmp_path / "test.jsonl").write_text("\n".join(json.dumps(r) for r in [
        {"url": "u2", "docstring_tokens": ["Sort", "the", "list"], "code_tokens": ["x"]},
        {"url": "u0", "docstring_tokens": ["Load", "json"], "code_tokens": ["y"]}]))
    (tmp_path / "codebase.jsonl").write_text("\n".join(json.dumps(r) for r in [
        {"url": "u0", "original_string": "def load(): ..."}, {"url": "u1", "code_tokens": ["def", "walk"]},
        {"url": "u2", "code": "def sort(): ..."}]))
    benchmark = load_codebase_benchmark(tmp_path / "test.jsonl", tmp_path / "codebase.jsonl")
    assert benchmark.queries == ["Sort the list", "Load json"]
    assert benchmark.codes == ["def load(): ...", "def walk", "def sort(): ..."]
    assert benchmark.answer_positions() == [2, 0]


def test_a_code_base_without_the_answers_names_the_missing_ids(tmp_path: Path) -> None:
    retrieval, code_map = write_cosqa(tmp_path, [("a", 0), ("b", 1)], ["c0", "c1"])
    code_map.write_text(json.dumps({"c0": 0}))  # answer 1 is gone
    with pytest.raises(InputError, match=r"answers of 1 queries \(ids 1\)"):
        load_cosqa(retrieval, code_map)
    (tmp_path / "q.jsonl").write_text(json.dumps({"url": "missing", "docstring_tokens": ["x"]}))
    (tmp_path / "cb.jsonl").write_text(json.dumps({"url": "other", "code": "y"}))
    with pytest.raises(InputError, match="ids missing"):
        load_graphcodebert(tmp_path / "q.jsonl", tmp_path / "cb.jsonl")


def test_a_queries_file_of_the_wrong_shape_says_what_it_expected(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"question": "x"}]))
    code_map = tmp_path / "map.txt"
    code_map.write_text(json.dumps({"c": 0}))
    with pytest.raises(InputError, match="doc, retrieval_idx"):
        load_cosqa(bad, code_map)
    with pytest.raises(FileNotFoundError):
        load_codebase_benchmark(tmp_path / "none.json", code_map)


def test_label_zero_codes_become_negatives_of_their_own_question_only(tmp_path: Path) -> None:
    path = tmp_path / "pairs.json"
    path.write_text(json.dumps([
        {"doc": "sort a dict by value", "code": "sorted(d.items(), key=lambda kv: kv[1])", "label": 1},
        {"doc": "sort a dict by value", "code": "{'a': 1}", "label": 0},
        {"doc": "read a csv file", "code": "csv.reader(f)", "label": 1},
        {"doc": "read a csv file", "code": "csv.DictReader(f)", "label": 1},
        {"doc": "read a csv file", "code": "a,b,c", "label": 0},
        {"doc": "read a csv file", "code": "1,2,3", "label": "0"},
        {"doc": "no answer here", "code": "print(1)", "label": 0},
    ]))
    pairs = load_labelled_pairs(path)
    assert [(p.question, p.code, p.negatives) for p in pairs] == [
        ("sort a dict by value", "sorted(d.items(), key=lambda kv: kv[1])", ("{'a': 1}",)),
        ("read a csv file", "csv.reader(f)", ("a,b,c", "1,2,3")),
        ("read a csv file", "csv.DictReader(f)", ("a,b,c", "1,2,3")),
    ]
    kept = load_labelled_pairs(path, exclude_questions=["Read a CSV  file"])
    assert {p.question for p in kept} == {"sort a dict by value"}


def test_a_pairs_file_with_no_positives_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pairs.json"
    path.write_text(json.dumps([{"doc": "q", "code": "x", "label": 0}]))
    with pytest.raises(InputError, match="no positive pairs"):
        load_labelled_pairs(path)
    path.write_text(json.dumps([{"doc": "q", "code": "x", "label": 1}]))
    with pytest.raises(InputError, match="after excluding"):
        load_labelled_pairs(path, exclude_questions=["q"])
    path.write_text(json.dumps([{"doc": "q", "code": "x"}]))
    with pytest.raises(InputError, match="label 0 or 1"):
        load_labelled_pairs(path)


@pytest.mark.skipif(not (SHARED / "staqc").is_dir(), reason="needs ../shared/data/staqc (not shipped with the product)")
def test_staqc_positive_count_matches_its_source_note() -> None:
    pairs = load_labelled_pairs(SHARED / "staqc" / "train_staqc.json")
    assert len(pairs) == 1287  # SOURCE.md: 2,932 train pairs, 1,287 positive


def record(docstring: str, func_name: str = "f", language: str = "python") -> Record:
    return Record(repo="r", path="m.py", func_name=func_name, language=language, code="def f(): pass",
                  docstring=docstring)


def core_words(question: str) -> str:
    """The question without the language decoration and articles (both drawn at random)."""
    question = question.removeprefix("how to ").removeprefix("python ").removesuffix(" in python").removesuffix(" python")
    return " ".join(w for w in question.split() if w not in ("a", "an", "the"))


@pytest.mark.parametrize(("docstring", "words"), [
    ("Return True if the path is a directory.", "check if path is directory"),
    ("Returns whether the lock is held.", "check whether lock is held"),
    ("Converts a ``str`` to lowercase. More text follows.", "convert str to lowercase"),
    ("Copies the file to :func:`shutil.copy` targets", "copy file to shutil.copy targets"),
    ("Return the number of items.", "get number of items"),
])
def test_rewriting_turns_a_docstring_into_a_search_phrase(docstring: str, words: str) -> None:
    questions = {rewrite_docstring(record(docstring), seed=seed) for seed in range(12)}
    assert {core_words(q) for q in questions} == {words}
    assert any(q.startswith("python ") for q in questions) and any("python" not in q for q in questions)


def test_rewriting_is_deterministic_and_skips_unaskable_docstrings() -> None:
    assert first_sentence("Split it. Then more.") == "Split it"
    doc = record("Parse a URL into six components.")
    assert rewrite_docstring(doc, seed=1) == rewrite_docstring(doc, seed=1)
    assert {rewrite_docstring(doc, seed=s) for s in range(20)} != {rewrite_docstring(doc, seed=0)}
    assert rewrite_docstring(record("Constructor.")) is None
    assert rewrite_docstring(record("Return self.", func_name="A.__iter__")) is None
    assert rewrite_docstring(record("x")) is None
    pairs = list(rewrite_corpus([doc, record("Constructor.")], per_function=3))
    variants = {rewrite_docstring(doc, variant=v) for v in range(3)}  # the distinct questions doc can have
    assert [r for r, _ in pairs] == [doc] * len(variants) and {q for _, q in pairs} == variants
    assert {core_words(q) for _, q in pairs} == {"parse url into six components"}

"""Records round-trip as CSN jsonl; malformed lines are named; dedup and splits never leak a file."""

import gzip
import json
from pathlib import Path

import pytest

from data.cli import InputError
from data.loaders import load_records
from data.records import Record, read_jsonl, write_jsonl
from data.splits import dedup_records, split_records


def record(path: str, code: str, language: str = "python", repo: str = "r") -> Record:
    return Record(repo=repo, path=path, func_name="f", language=language, code=code, docstring="Do it.",
                  url=f"https://x/{path}#L3-L9")


def test_jsonl_round_trip_plain_and_gzip(tmp_path: Path) -> None:
    rows = [record("a.py", "def f(): pass"), record("b.py", "def g(): pass")]
    for name in ("c.jsonl", "c.jsonl.gz"):
        assert write_jsonl(rows, tmp_path / name) == 2
        assert list(read_jsonl(tmp_path / name)) == rows
    assert rows[0].start_line == 3


def test_reads_public_csn_rows_with_extra_fields(tmp_path: Path) -> None:
    row = {"repo": "o/r", "path": "x.py", "func_name": "f", "original_string": "...", "language": "python",
           "code": "def f(): pass", "code_tokens": ["def"], "docstring": "Doc.", "docstring_tokens": ["Doc"],
           "sha": "1", "url": "u", "partition": "test"}
    with gzip.open(tmp_path / "python_test_0.jsonl.gz", "wt") as handle:
        handle.write(json.dumps(row) + "\n")
    [loaded] = load_records(tmp_path)
    assert loaded.code == "def f(): pass" and loaded.repo == "o/r"


def test_malformed_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(record("a.py", "x").to_dict()) + "\n{not json\n")
    with pytest.raises(InputError, match=r"bad.jsonl:2: not valid JSON"):
        list(read_jsonl(path))
    path.write_text(json.dumps({"code": "x"}) + "\n")
    with pytest.raises(InputError, match=r"bad.jsonl:1: field 'docstring' is missing"):
        list(read_jsonl(path))


def test_missing_language_is_named(tmp_path: Path) -> None:
    write_jsonl([record("a.py", "x")], tmp_path / "c.jsonl")
    with pytest.raises(InputError, match="no records for go; it has python"):
        load_records(tmp_path / "c.jsonl", languages=["go"])


def test_dedup_folds_whitespace() -> None:
    kept, dropped = dedup_records([record("a.py", "def f():\n  return 1"), record("b.py", "def f():  return 1")])
    assert dropped == 1 and [r.path for r in kept] == ["a.py"]


def test_split_keeps_each_file_in_one_split_and_is_stable() -> None:
    rows = [record(f"m{i % 40}.py", f"code {i}") for i in range(400)]
    parts = split_records(rows, (0.8, 0.1, 0.1), seed=1)
    files = {name: {r.path for r in members} for name, members in parts.items()}
    assert not (files["train"] & files["test"]) and not (files["train"] & files["valid"])
    assert not (files["valid"] & files["test"])
    assert sum(len(m) for m in parts.values()) == 400
    assert split_records(rows, (0.8, 0.1, 0.1), seed=1) == parts
    assert len(parts["train"]) > len(parts["test"])


def test_bad_fractions() -> None:
    with pytest.raises(InputError, match="summing to 1"):
        split_records([], (0.5, 0.2, 0.2))


def test_hugging_face_and_codexglue_rows_load_under_their_own_names() -> None:
    from data.records import Record

    hub = {"repository_name": "psf/requests", "func_path_in_repository": "requests/api.py", "func_name": "get",
           "language": "python", "func_code_string": "def get(url): ...", "func_documentation_string": "Sends a GET.",
           "func_code_url": "https://github.com/psf/requests/blob/x/requests/api.py#L64-L75"}
    record = Record.from_dict(hub)
    assert (record.repo, record.path, record.code, record.docstring, record.start_line) == (
        "psf/requests", "requests/api.py", "def get(url): ...", "Sends a GET.", 64)
    codexglue = {"repo": "r", "path": "p.py", "func_name": "f", "original_string": "def f():\n    '''Doc.'''",
                 "language": "python", "code_tokens": ["def", "f"], "docstring_tokens": ["Doc", "."], "url": "u"}
    record = Record.from_dict(codexglue)
    assert (record.code, record.docstring) == ("def f():\n    '''Doc.'''", "Doc .")
    tokens_only = {"code_tokens": ["return", "x"], "docstring_tokens": ["Get", "x"]}
    assert (Record.from_dict(tokens_only).code, Record.from_dict(tokens_only).docstring) == ("return x", "Get x")

"""Hugging Face- and CodeXGLUE-shaped local files (parquet, jsonl, `save_to_disk` folders) load through `--data`/`--train`."""

import json
from pathlib import Path

import datasets
import pytest

from data.cli import InputError
from data.loaders import load_records

# Rows as the hub's `code_search_net` and CodeXGLUE's `Code-Code/...`/`Text-Code/NL-code-search-Adv` publish them.
HUB_ROWS = [
    {"repository_name": "psf/requests", "func_path_in_repository": "requests/api.py", "func_name": "get",
     "whole_func_string": "def get(url):\n    \"\"\"Sends a GET.\"\"\"\n    return request('get', url)",
     "language": "python", "func_code_string": "def get(url):\n    return request('get', url)",
     "func_code_tokens": ["def", "get"], "func_documentation_string": "Sends a GET.",
     "func_documentation_tokens": ["Sends", "a", "GET", "."], "split_name": "test",
     "func_code_url": "https://github.com/psf/requests/blob/x/requests/api.py#L64-L75"},
    {"repository_name": "psf/requests", "func_path_in_repository": "requests/api.py", "func_name": "post",
     "whole_func_string": "def post(url): ...", "language": "python", "func_code_string": "def post(url): ...",
     "func_code_tokens": ["def", "post"], "func_documentation_string": "Sends a POST.",
     "func_documentation_tokens": ["Sends"], "split_name": "test", "func_code_url": "https://x#L80-L90"},
]
CODEXGLUE_ROWS = [
    {"repo": "o/r", "path": "p.py", "func_name": "walk", "original_string": "def walk(tree): ...",
     "language": "python", "code_tokens": ["def", "walk"], "docstring_tokens": ["Walk", "a", "tree", "."],
     "url": "https://x/p.py#L3-L9", "idx": 7},
]
EXPECTED_HUB = [("psf/requests", "requests/api.py", "get", "def get(url):\n    return request('get', url)",
                 "Sends a GET.", 64), ("psf/requests", "requests/api.py", "post", "def post(url): ...",
                                       "Sends a POST.", 80)]


def summary(records) -> list[tuple]:
    return [(r.repo, r.path, r.func_name, r.code, r.docstring, r.start_line) for r in records]


def test_hub_shaped_parquet_file_and_folder(tmp_path: Path) -> None:
    datasets.Dataset.from_list(HUB_ROWS).to_parquet(str(tmp_path / "test-00000-of-00001.parquet"))
    assert summary(load_records(tmp_path / "test-00000-of-00001.parquet")) == EXPECTED_HUB
    assert summary(load_records(tmp_path)) == EXPECTED_HUB


def test_hub_shaped_save_to_disk_dataset_and_dataset_dict(tmp_path: Path) -> None:
    datasets.Dataset.from_list(HUB_ROWS).save_to_disk(str(tmp_path / "one"))
    assert summary(load_records(tmp_path / "one", languages=["python"])) == EXPECTED_HUB
    both = datasets.DatasetDict({"train": datasets.Dataset.from_list(HUB_ROWS[:1]),
                                 "test": datasets.Dataset.from_list(HUB_ROWS[1:])})
    both.save_to_disk(str(tmp_path / "dict"))
    with pytest.raises(InputError, match=r"saved DatasetDict with splits test, train; pass one of them"):
        load_records(tmp_path / "dict")
    assert summary(load_records(tmp_path / "dict" / "test")) == EXPECTED_HUB[1:]
    datasets.DatasetDict({"test": datasets.Dataset.from_list(HUB_ROWS)}).save_to_disk(str(tmp_path / "single"))
    assert summary(load_records(tmp_path / "single")) == EXPECTED_HUB


def test_codexglue_shaped_parquet_and_jsonl(tmp_path: Path) -> None:
    datasets.Dataset.from_list(CODEXGLUE_ROWS).to_parquet(str(tmp_path / "valid.parquet"))
    (tmp_path / "test.jsonl").write_text("".join(json.dumps(row) + "\n" for row in CODEXGLUE_ROWS))
    for path in (tmp_path / "valid.parquet", tmp_path / "test.jsonl"):
        [record] = load_records(path)
        assert (record.code, record.docstring, record.start_line) == ("def walk(tree): ...", "Walk a tree .", 3)


def test_unreadable_parquet_is_named(tmp_path: Path) -> None:
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(InputError, match=r"bad.parquet: not a readable parquet file"):
        load_records(tmp_path / "bad.parquet")

"""The first stage's test-code prior: in a user's code base, test code ranks below the code it tests for a how-to
question, and keeps its place when the question asks about tests."""

from pathlib import Path

import pytest

from data.languages import is_test_path
from rag.opening import open_first_stage
from rag.options import SearchOptions
from tests.conftest import write_module


@pytest.mark.parametrize(("path", "test"), [
    ("tests/test_config.py", True), ("src/config_test.go", True), ("Tests/AppTests/ConfigTests.swift", True),
    ("web/config.spec.ts", True), ("spec/config_spec.rb", True), ("fuzz/fuzz_targets/parse.rs", True),
    ("src/config.py", False), ("src/contest.py", False), ("latest/config.ts", False), ("docs/testing.md", False),
])
def test_test_paths(path: str, test: bool) -> None:
    assert is_test_path(path) is test


def test_test_code_ranks_below_the_code_it_tests_unless_asked_for(tmp_path: Path, tiny_bert_dir: Path) -> None:
    corpus = tmp_path / "repo"
    (corpus / "src").mkdir(parents=True)
    (corpus / "tests").mkdir()
    write_module(corpus / "src", "config.py", [("load_config", "Read the config file.", "return parse(path)")])
    write_module(corpus / "tests", "test_config.py", [  # more of the question's words: first by words alone
        ("test_load_config", "Read the config file settings and check them.", "assert load_config(p)")])
    for n in range(8):  # other entries, so that the two scores are near each other in z units
        write_module(corpus / "src", f"other{n}.py", [(f"other{n}", f"Unrelated helper number {n}.", "return 0")])
    first_stage = open_first_stage(SearchOptions(corpus=[str(corpus)], persist=str(tmp_path / "db"),
                                                 retriever=str(tiny_bert_dir), rerank="none", lexical_weight=1.0))
    names = [s.func_name for s in first_stage.retrieve("read the config file settings", 2)]
    assert names == ["load_config", "test_load_config"]
    unranked = first_stage.variant(test_code_penalty=0.0)
    assert [s.func_name for s in unranked.retrieve("read the config file settings", 2)] == [
        "test_load_config", "load_config"]
    asked = [s.func_name for s in first_stage.retrieve("tests that read the config file settings", 2)]
    assert asked[0] == "test_load_config"

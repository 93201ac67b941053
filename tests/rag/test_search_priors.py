"""The first stage's priors: in a user's code base, test code ranks below the code it tests for a how-to
question, and keeps its place when the question asks about tests; one function name in one file takes one place."""

from pathlib import Path

import pytest

from data.languages import is_test_path
from rag.opening import open_first_stage
from rag.options import SearchOptions
from rag.search.retriever import one_per_name
from rag.store import Source
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


def _source(path: str, name: str, kind: str = "function", line: int = 1) -> Source:
    return Source(id=f"{path}:{line}", repo="r", path=path, func_name=name, language="swift", start_line=line,
                  url="", code="", docstring="", score=0.0, kind=kind)


def test_one_place_per_function_name_in_a_file() -> None:
    ranked = [_source("a.swift", "String.bit24", line=199), _source("a.swift", "String.bit24", line=201),
              _source("b.swift", "String.bit24"), _source("a.swift", "String.bit8", line=197),
              _source("a.swift", "extension String", "class", 10), _source("a.swift", "extension String", "class", 90),
              _source("README.md", "Usage", "section", 5), _source("README.md", "Usage", "section", 40),
              _source("code-7", ""), _source("code-7", "")]
    kept = [(s.path, s.start_line) for s in one_per_name(ranked)]
    assert kept == [("a.swift", 199), ("b.swift", 1), ("a.swift", 197), ("a.swift", 10), ("a.swift", 90),
                    ("README.md", 5), ("README.md", 40), ("code-7", 1), ("code-7", 1)]


def test_a_second_definition_of_a_name_leaves_its_place_to_the_next_function(tmp_path: Path,
                                                                            tiny_bert_dir: Path) -> None:
    corpus = tmp_path / "repo"
    corpus.mkdir()
    (corpus / "config.py").write_text(
        "import sys\n\nif sys.platform == 'win32':\n"
        "    def read_config(path):\n        \"\"\"Read the config file.\"\"\"\n        return open(path, 'rb').read()\n"
        "else:\n"
        "    def read_config(path):\n        \"\"\"Read the config file.\"\"\"\n        return open(path).read()\n\n\n"
        "def load_settings(path):\n    \"\"\"Settings kept in the config.\"\"\"\n    return {}\n")
    for n in range(4):
        write_module(corpus, f"other{n}.py", [(f"other{n}", f"Unrelated helper number {n}.", "return 0")])
    first_stage = open_first_stage(SearchOptions(corpus=[str(corpus)], persist=str(tmp_path / "db"),
                                                 retriever=str(tiny_bert_dir), rerank="none", lexical_weight=1.0))
    _, metadatas = first_stage.index.entries()
    assert [m["func_name"] for m in metadatas].count("read_config") == 2  # both definitions are indexed
    assert [s.func_name for s in first_stage.retrieve("read the config file", 2)] == ["read_config", "load_settings"]

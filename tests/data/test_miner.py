"""The tree-sitter miner: the six CodeSearchNet languages, docstrings stripped, skipped files counted, determinism."""

import sysconfig
from pathlib import Path

import pytest

from data.miner import MineReport, first_paragraph, mine_tree

SOURCES = {
    "pkg/a.py": '''
class Parser:
    def parse(self, text):
        """Parse the given text into tokens.

        Args:
            text: the input.
        """
        return text.split()

def undocumented():
    return 1
''',
    "B.java": '''
public class B {
    /**
     * Adds two numbers together.
     * @param a first
     */
    public int add(int a, int b) {
        return a + b;
    }
}
''',
    "c.js": '''
/**
 * Reverses a string quickly.
 */
export function reverse(s) {
  return s.split('').reverse().join('');
}
''',
    "d.go": '''package main

// Max returns the larger of two ints.
func Max(a, b int) int {
\tif a > b { return a }
\treturn b
}
''',
    "e.php": '''<?php
class E {
    /**
     * Joins words with a comma.
     */
    public function join($words) {
        return implode(",", $words);
    }
}
''',
    "f.rb": '''module M
  # Greets the user by name.
  def greet(name)
    "hi #{name}"
  end
end
''',
}
EXPECTED = {
    "python": ("Parser.parse", "Parse the given text into tokens."),
    "java": ("B.add", "Adds two numbers together."),
    "javascript": ("reverse", "Reverses a string quickly."),
    "go": ("Max", "Max returns the larger of two ints."),
    "php": ("E.join", "Joins words with a comma."),
    "ruby": ("M.greet", "Greets the user by name."),
}


@pytest.fixture
def six_language_tree(tmp_path: Path) -> Path:
    for name, text in SOURCES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text.lstrip("\n"))
    return tmp_path


def test_one_documented_function_per_language_with_docstring_stripped(six_language_tree: Path) -> None:
    records = mine_tree(six_language_tree)
    by_language = {r.language: r for r in records}
    assert set(by_language) == set(EXPECTED)
    assert len(records) == 6  # `undocumented` is not mined
    for language, (func_name, docstring) in EXPECTED.items():
        record = by_language[language]
        assert record.func_name == func_name
        assert record.docstring == docstring
        assert docstring.rstrip(".") not in record.code, f"{language}: doc text left in code:\n{record.code}"
        assert "/**" not in record.code and '"""' not in record.code
    assert by_language["python"].code == "def parse(self, text):\n    return text.split()"
    assert by_language["javascript"].code.startswith("export function reverse(s) {")  # as written, `export` kept
    assert by_language["python"].start_line == 2


def test_an_index_gets_every_function_and_every_class_as_an_outline(six_language_tree: Path) -> None:
    report = MineReport()
    records = mine_tree(six_language_tree, documented_only=False, report=report)
    python = {r.func_name: r for r in records if r.language == "python"}
    assert set(python) == {"Parser", "Parser.parse", "undocumented"}
    assert python["undocumented"].code == "def undocumented():\n    return 1"
    assert python["undocumented"].docstring == ""
    assert python["Parser"].code == "class Parser:\n    def parse(self, text):"  # header + method signatures
    assert python["Parser.parse"].docstring == "Parse the given text into tokens."  # documented ones unchanged
    classes = {r.func_name for r in records if r.code.split("\n")[0].lstrip().startswith(("class", "module", "public"))}
    assert {"Parser", "B", "E", "M"} <= classes
    assert (report.records, report.documented, report.classes) == (len(records), 6, 4)  # Go has no classes
    assert "11 entries (4 classes, 7 functions; 6 documented)" in report.summary()


def test_class_outlines_list_their_own_methods_only(tmp_path: Path) -> None:
    (tmp_path / "csvish.py").write_text('''
class DictReader:
    def __init__(self, f, fieldnames=None,
                 restkey=None):
        self.f = f

    @property
    def fieldnames(self):
        return self._fieldnames

    class Inner:
        def deep(self):
            pass
'''.lstrip())
    (tmp_path / "_private.py").write_text("def hidden():\n    return 1\n\ndef shown():\n    \"\"\"Documented.\"\"\"\n")
    records = {r.func_name: r.code for r in mine_tree(tmp_path, documented_only=False, public_api_only=True)}
    assert records["DictReader"] == ("class DictReader:\n    def __init__(self, f, fieldnames=None, restkey=None):\n"
                                     "    def fieldnames(self):\n    class Inner:")  # a nested class by its header
    assert records["DictReader.Inner"] == "class Inner:\n    def deep(self):"  # not in DictReader's outline
    # undocumented internals stay out: the dunder (in the outline already) and a private file's function
    assert set(records) == {"DictReader", "DictReader.fieldnames", "DictReader.Inner", "DictReader.Inner.deep",
                            "shown"}


def test_an_index_leaves_out_closures_and_local_classes(tmp_path: Path) -> None:
    (tmp_path / "functoolsish.py").write_text('''
def lru_cache_wrapper(user_function):
    """Wrap a function with a cache."""
    def cache_info():
        """Report cache statistics."""
        return 1

    class Local:
        """A class local to the wrapper."""

    return cache_info


class Parser:
    def parse(self):
        """Parse it."""
        def consume_optional(start_index):
            """Consume an optional argument."""
            return start_index
        return consume_optional
'''.lstrip())
    index = {r.func_name for r in mine_tree(tmp_path, documented_only=False)}
    assert index == {"lru_cache_wrapper", "Parser", "Parser.parse"}
    training = {r.func_name for r in mine_tree(tmp_path)}  # training pairs keep every documented function
    assert {"cache_info", "Parser.consume_optional"} <= training


def test_skips_binary_non_utf8_and_huge_files_and_counts_them(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text('def f():\n    """Return one always."""\n    return 1\n')
    (tmp_path / "binary.py").write_bytes(b"def f():\x00\x01")
    (tmp_path / "latin1.py").write_bytes('def f():\n    """Caf\xe9 au lait."""\n'.encode("latin-1"))
    (tmp_path / "huge.py").write_text("x = 1\n" * 50_000)
    (tmp_path / "notes.txt").write_text("not code")
    report = MineReport()
    records = mine_tree(tmp_path, max_file_bytes=100_000, report=report)
    assert [r.func_name for r in records] == ["f"]
    assert report.skipped == {"binary": 1, "not UTF-8": 1, "over 100,000 bytes": 1, "other languages": 1}
    assert "1 binary" in report.summary() and "1 not UTF-8" in report.summary()


MINE_IN_A_FRESH_PROCESS = """
import json, sys
from data.miner import mine_tree
print(json.dumps([[r.path, r.func_name, r.start_line, r.code] for r in mine_tree(sys.argv[1])]))
"""


def test_order_does_not_depend_on_the_filesystem_or_the_hash_seed(tmp_path: Path) -> None:
    """The same files written in opposite orders (so a directory lists them differently), each mined by a
    process with its own hash seed, give the same records in the same order: by path, then by position."""
    import json
    import os
    import subprocess
    import sys

    results = []
    for seed, names in (("1", list(SOURCES)), ("2", list(reversed(SOURCES)))):
        tree = tmp_path / f"tree{seed}"
        for name in names:
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            (tree / name).write_text(SOURCES[name].lstrip("\n"))
        done = subprocess.run([sys.executable, "-c", MINE_IN_A_FRESH_PROCESS, str(tree)], capture_output=True,
                              text=True, check=True, timeout=120, env={**os.environ, "PYTHONHASHSEED": seed})
        results.append(json.loads(done.stdout))
    assert results[0] == results[1]
    positions = [(path, line) for path, _, line, _ in results[0]]
    assert positions == sorted(positions) and len(results[0]) >= len(SOURCES)


def test_missing_root_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        mine_tree(tmp_path / "absent")


@pytest.mark.parametrize(("doc", "summary"), [
    ("Do a thing.\n\nMore detail.", "Do a thing."),
    ("Spans\n   two lines.\n@param x y", "Spans two lines."),
    ("", ""),
])
def test_first_paragraph(doc: str, summary: str) -> None:
    assert first_paragraph(doc) == summary


@pytest.mark.e2e
def test_standard_library_yields_at_least_5000_records() -> None:
    records = mine_tree(sysconfig.get_paths()["stdlib"], languages=frozenset({"python"}), show_progress=False)
    assert len(records) >= 5000
    assert any(r.path == "json/__init__.py" and r.func_name == "loads" for r in records)


def test_an_index_leaves_out_modules_that_warn_of_their_own_deprecation(tmp_path: Path) -> None:
    def module(path: Path, head: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'{head}\n\ndef {path.stem}_api(x):\n    """Do the {path.stem} thing."""\n    return x\n')

    module(tmp_path / "old_warn.py", "import warnings\nwarnings.warn('old_warn is deprecated', DeprecationWarning, 2)")
    module(tmp_path / "old_helper.py", "from warnings import _deprecated\n_deprecated(__name__, remove=(3, 13))")
    module(tmp_path / "old_kw.py", "import warnings\nwarnings.warn('going', category=PendingDeprecationWarning)")
    module(tmp_path / "oldpkg" / "__init__.py", "import warnings\nwarnings.warn('oldpkg is deprecated', DeprecationWarning)")
    module(tmp_path / "oldpkg" / "sub" / "inner.py", "")  # under a deprecated package
    module(tmp_path / "lazy.py", "def later():\n    import warnings\n    warnings.warn('x', DeprecationWarning)")
    module(tmp_path / "other_warning.py", "import warnings\nwarnings.warn('not deprecated', UserWarning)  # deprecated? no")
    module(tmp_path / "current.py", "")

    report = MineReport()
    indexed = {r.func_name for r in mine_tree(tmp_path, documented_only=False, public_api_only=True, report=report)}
    assert indexed == {"later", "lazy_api", "other_warning_api", "current_api"}  # warnings inside functions don't count
    assert report.skipped["deprecated modules"] == 5
    training = {r.func_name for r in mine_tree(tmp_path)}  # training pairs keep them: their docstrings are still true
    assert {"old_warn_api", "old_helper_api", "old_kw_api", "__init___api", "inner_api"} <= training


def test_a_package_deprecated_after_a_first_run_is_left_out_of_the_next_one(tmp_path: Path) -> None:
    """A long-lived process (the warm server, the MCP server) mines the same tree again after an edit."""
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "sub" / "inner.py").write_text('def inner(x):\n    """Do the inner thing."""\n    return x\n')
    assert [r.func_name for r in mine_tree(tmp_path, documented_only=False, public_api_only=True)] == ["inner"]
    (tmp_path / "pkg" / "__init__.py").write_text("import warnings\nwarnings.warn('pkg is going', DeprecationWarning)\n")
    report = MineReport()
    assert mine_tree(tmp_path, documented_only=False, public_api_only=True, report=report) == []
    assert report.skipped["deprecated modules"] == 2  # the package's __init__.py and the module under it


def test_an_index_reads_all_with_what_is_added_to_it_later(tmp_path: Path) -> None:
    (tmp_path / "exports.py").write_text(
        "import posix\n__all__ = 'first', 'second'\n"
        "if True:\n    __all__.append('appended')\n__all__ += ['augmented']\n"
        "try:\n    __all__.extend(('extended',))\nexcept ImportError:\n    pass\n"
        "__all__.extend(dir(posix))  # not a literal: unknown here\n\n"
        + "".join(f"def {name}():\n    return 1\n\n" for name in
                  ("first", "second", "appended", "augmented", "extended", "not_exported")))
    (tmp_path / "no_all.py").write_text("def anything():\n    return 1\n")
    names = {r.func_name for r in mine_tree(tmp_path, documented_only=False, public_api_only=True) if r.path == "exports.py"}
    assert names == {"first", "second", "appended", "augmented", "extended"}
    assert {r.func_name for r in mine_tree(tmp_path, documented_only=False, public_api_only=True) if r.path == "no_all.py"} == {"anything"}


def test_an_index_keeps_the_public_methods_of_private_bases_that_public_classes_inherit(tmp_path: Path) -> None:
    (tmp_path / "parsers.py").write_text(
        "__all__ = ['Parser']\n\n"
        "class _Root:\n    def reset(self):\n        pass\n\n"
        "class _Container(_Root):\n    def add_group(self):\n        pass\n    def _helper(self):\n        pass\n\n"
        "class _Unused:\n    def hidden(self):\n        pass\n\n"
        "class Parser(_Container):\n    def parse(self):\n        pass\n")
    names = {r.func_name for r in mine_tree(tmp_path, documented_only=False, public_api_only=True)}
    # inherited (directly or through another private base) API; not the private outlines, helpers or unused classes
    assert names == {"Parser", "Parser.parse", "_Container.add_group", "_Root.reset"}


def test_an_unparsable_python_file_still_uses_its_literal_all(tmp_path: Path) -> None:
    (tmp_path / "py2.py").write_text("__all__ = ['kept']\nprint 'python 2'\n\ndef kept():\n    return 1\n\n"
                                     "def dropped():\n    return 2\n")
    assert {r.func_name for r in mine_tree(tmp_path, documented_only=False, public_api_only=True)} == {"kept"}

"""Every entry of `data.languages.LANGUAGES` against its fixture: a unit with its doc comment, a method of a container,
a nested unit (code); sections and windows with their line ranges (documents and configuration). The expectations
in each fixture's `expected.json` were written by hand from the sample's text."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from data.languages import LANGUAGES, file_language, header_language, parser_for, path_language
from data.miner import mine_tree
from data.records import line_range

FIXTURES = Path(__file__).parent / "fixtures" / "languages"


def _sample(language: str) -> Path:
    folder = FIXTURES / language
    samples = [p for p in folder.iterdir() if p.name != "expected.json"] if folder.is_dir() else []
    assert len(samples) == 1, f"{language}: add one sample file and expected.json under {folder}"
    return samples[0]


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_language_finds_its_fixtures_units(language: str) -> None:
    sample = _sample(language)
    assert path_language(sample) == language or sample.suffix == ".h"
    records = mine_tree(sample, documented_only=False, show_progress=False)
    assert {r.language for r in records} == {language}
    for expected in json.loads((sample.parent / "expected.json").read_text(encoding="utf-8")):
        matches = [r for r in records if (r.kind, r.func_name, r.docstring) ==
                   (expected["kind"], expected["name"], expected["doc"])]
        found = sorted((r.kind, r.func_name, r.docstring) for r in records)
        assert matches, f"{language}: no {expected['kind']} {expected['name']!r} with doc {expected['doc']!r} in {found}"
        record = matches[0]
        if "lines" in expected:
            assert list(line_range(record.url)) == expected["lines"], record.url
        for text in expected.get("code_has", []):
            assert text in record.code, f"{language}: {text!r} not in the code of {record.func_name}:\n{record.code}"


@pytest.mark.parametrize("language", sorted(name for name, spec in LANGUAGES.items() if spec.is_code))
def test_every_fixture_parses_without_errors(language: str) -> None:
    """A fixture the grammar cannot parse would test the error recovery, not the table."""
    tree = parser_for(language).parse(_sample(language).read_bytes())
    assert not tree.root_node.has_error


def test_grammars_load_offline_from_the_installed_wheels(tmp_path: Path) -> None:
    """In a fresh process whose sockets all fail, every grammar loads and parses its fixture (none downloads)."""
    script = f"""
import socket, sys
def refuse(*args, **kwargs):
    raise OSError("network used")
socket.socket = refuse
socket.create_connection = refuse
from pathlib import Path
from data.languages import LANGUAGES, parser_for
fixtures = Path({str(FIXTURES)!r})
for name, spec in LANGUAGES.items():
    if spec.is_code:
        sample = next(p for p in (fixtures / name).iterdir() if p.name != "expected.json")
        assert parser_for(name).parse(sample.read_bytes()).root_node.named_child_count > 0, name
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


@pytest.mark.parametrize(("text", "language"), [
    ("int add(int a, int b);\n", "c"),
    ("typedef struct point { int x; } point_t;\n", "c"),
    ("namespace geo {\nint add(int a, int b);\n}\n", "cpp"),
    ("class Shape {\n public:\n  double area() const;\n};\n", "cpp"),
    ("template <typename T>\nT max_of(T a, T b);\n", "cpp"),
    ("#ifdef __cplusplus\nextern \"C\" {\n#endif\nint f(void);\n", "c"),  # a C header, callable from C++
])
def test_a_header_is_read_as_cpp_only_when_it_uses_cpp(text: str, language: str) -> None:
    assert header_language(text) == language
    assert file_language(Path("x.h"), text) == language
    assert file_language(Path("x.hpp"), text) == "cpp"


def test_a_cpp_header_is_mined_as_cpp(tmp_path: Path) -> None:
    (tmp_path / "shape.h").write_text("namespace geo {\n/// Area of a square.\ndouble square_area(double s);\n}\n")
    (tmp_path / "point.h").write_text("/** Adds two ints. */\nint add(int a, int b);\n")
    records = {r.func_name: r.language for r in mine_tree(tmp_path, documented_only=False, show_progress=False)}
    assert records == {"geo::square_area": "cpp", "add": "c"}
    assert [r.func_name for r in mine_tree(tmp_path, languages=frozenset({"c"}), documented_only=False,
                                           show_progress=False)] == ["add"]


def test_every_fixture_folder_is_an_entry_of_the_table() -> None:
    assert {p.name for p in FIXTURES.iterdir() if p.is_dir()} == set(LANGUAGES)

"""docs/ARCHITECTURE.md names every module of data/, retriever_finetune/ and rag/, and no module that is gone."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("data", "retriever_finetune", "rag")
NAMED_TOO = ("eval",)  # named where a module matters, not listed in full


def test_the_module_list_matches_the_tree() -> None:
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    modules = {path.name for package in PACKAGES for path in (ROOT / package).rglob("*.py")
               if path.name != "__init__.py" and "__pycache__" not in path.parts}
    named = {name.split("/")[-1] for name in re.findall(r"`([\w/]+\.py)`", text)}
    assert modules - named == set(), "modules missing from docs/ARCHITECTURE.md"
    on_disk = modules | {path.name for folder in ("tests", *NAMED_TOO) for path in (ROOT / folder).rglob("*.py")}
    assert named - on_disk == set(), "docs/ARCHITECTURE.md names modules that do not exist"


def test_the_data_cli_contract_forbids_every_other_data_module() -> None:
    """The import-linter contract keeping `data.cli` free of the rest of the project lists each data module,
    so a module added to data/ must be added there too."""
    import pytest

    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]
    (forbidden,) = [c["forbidden_modules"] for c in contracts if c.get("source_modules") == ["data.cli"]]
    modules = {f"data.{path.stem}" for path in (ROOT / "data").glob("*.py") if path.stem != "__init__"}
    assert modules - set(forbidden) == set()

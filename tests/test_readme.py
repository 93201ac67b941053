"""The README's LangChain example runs as written (real MiniLM, real Chroma)."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def run_example(marker: str) -> dict:
    """Run the README's python block after `<!-- marker -->`; return its globals."""
    code = re.search(rf"<!-- {marker} -->\n```python\n(.*?)```", README.read_text(), re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102
    return namespace


@pytest.mark.e2e
def test_readme_langchain_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    namespace = run_example("readme-example")
    assert "loads" in namespace["names"], namespace["names"]
    assert str(namespace["names"]) in capsys.readouterr().out


def test_readme_commands_match_ci() -> None:
    ci = (README.parent / ".ci" / "run").read_text()
    test_command = 'pip install -e ".[test]" && lint-imports && python -m pytest'
    assert test_command in README.read_text() and test_command in ci


@pytest.mark.e2e
def test_readme_lcel_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    namespace = run_example("readme-lcel-example")
    assert "loads" in namespace["names"], namespace["names"]
    assert namespace["functions"] and all(d.metadata["language"] == "python" for d in namespace["functions"])
    assert any(f"`{name}`" in namespace["reply"] or f".{name}`" in namespace["reply"] for name in namespace["names"])
    assert namespace["reply"] in capsys.readouterr().out

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


def readme_commands() -> list[list[str]]:
    """Every `python -m MODULE ...` command of the README's bash blocks (continuation lines joined, comments
    dropped), as the module name followed by its arguments."""
    import shlex

    commands = []
    for block in re.findall(r"```bash\n(.*?)```", README.read_text(), re.S):
        for line in block.replace("\\\n", " ").splitlines():
            tokens = shlex.split(line, comments=True)
            if "-m" in tokens and tokens[0] in ("python", "accelerate"):
                start = tokens.index("-m") + 1
                commands.append(tokens[start:])
    return commands


@pytest.mark.parametrize("command", readme_commands(), ids=lambda c: " ".join(c)[:60])
def test_readme_commands_parse_as_typed(command: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Each README command's options are ones its CLI takes (parsed and validated, not run)."""
    import importlib

    from data.cli.runner import build_parser, parse_config

    module = importlib.import_module(command[0])
    parsed = []

    def parse_only(config_type, run, argv, *, description, positional=None, **_):  # noqa: ANN001, ANN202, ARG001
        config, _quiet = parse_config(config_type, argv, build_parser(config_type, description, positional), positional)
        parsed.append(config)
        return 0

    monkeypatch.setattr(module, "run_cli", parse_only)
    if hasattr(module, "check_corpus"):  # `~/myrepo` stands for the reader's own repository
        monkeypatch.setattr(module, "check_corpus", lambda paths: None)
    assert module.main(command[1:]) == 0
    assert parsed, f"{command[0]} did not build its config"


def test_the_readme_stays_a_product_page() -> None:
    """230 lines at most: figures live in docs/RESULTS.md, module jobs in docs/ARCHITECTURE.md."""
    assert len((Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8").splitlines()) <= 230

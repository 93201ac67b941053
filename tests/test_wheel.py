"""The package as users install it: a wheel built from this checkout, installed (not editable) into a new virtual
environment, runs every command from another folder, and answers a question offline about a small repository."""

import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

from data.cli.commands import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "data" / "fixtures" / "languages" / "typescript"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with the wheel installed (not editable): the dependencies seen from this
    environment, so nothing is downloaded; the project itself only from the wheel."""
    folder = tmp_path_factory.mktemp("wheel")
    source = folder / "source"  # a copy: a build/ folder left in the checkout would hand on its stale contents
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__", "bench",
                                                                 "tests", "docs", "runs"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(folder / "dist"), str(source)], check=True, timeout=300)
    [wheel] = (folder / "dist").glob("*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(folder / "venv")], check=True, timeout=120)
    python = folder / "venv" / "bin" / "python"
    # the dependencies from this environment's site-packages, as a plain path: its .pth files (this checkout's
    # editable install among them) are not run, so the project can only come from the wheel
    venv_site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip()
    Path(venv_site, "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-index", "--no-deps", str(wheel)], check=True,
                   timeout=300)
    return folder / "venv" / "bin"


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(command, cwd=cwd, env={**env, "HF_HUB_OFFLINE": "1", "CODESEARCH_SERVER": "none"},
                          capture_output=True, text=True, timeout=600)


@pytest.mark.e2e
def test_the_installed_wheel_imports_the_project_from_itself(installed: Path, tmp_path: Path) -> None:
    found = run([str(installed / "python"), "-c", "import data.cli, rag.prompts, rag.store, rag.search, "
                 "rag.generation, rag.langchain; print(rag.prompts.PROMPTS_DIR)"], tmp_path)
    assert found.returncode == 0, found.stderr
    prompts = Path(found.stdout.strip())
    assert prompts.parent.name == "site-packages" and installed.parent in prompts.parents  # the venv's, not ours
    assert (prompts / "answer_base.txt").is_file()


@pytest.mark.e2e
def test_every_command_answers_help_from_another_folder(installed: Path, tmp_path: Path) -> None:
    listed = run([str(installed / "codesearch"), "--help"], tmp_path)
    assert listed.returncode == 0 and all(name in listed.stdout for name in COMMANDS)
    for name, (module, _) in COMMANDS.items():
        for command in ([str(installed / "codesearch"), name, "--help"],
                        [str(installed / "python"), "-m", module, "--help"]):
            result = run(command, tmp_path)
            assert result.returncode == 0 and "usage:" in result.stdout, (command, result.stderr[-2000:])


@pytest.mark.e2e
def test_the_installed_command_answers_offline_about_a_repository(installed: Path, tmp_path: Path) -> None:
    result = run([str(installed / "codesearch"), "ask", "how do I verify a signed token", "--corpus", str(FIXTURE),
                  "--generator", "none", "--rerank", "none", "--persist", str(tmp_path / "db"), "--quiet"], tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "typescript/sample.ts:5  verifyToken" in result.stdout

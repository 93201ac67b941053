"""data.visible_files: the pathspec fallback lists what `git ls-files --cached --others --exclude-standard`
lists (git itself is the reference), on a tree with nested .gitignore files, negations and ignored folders."""

import shutil
import subprocess
from pathlib import Path

import pytest

from data.miner import LANGUAGES, source_files
from data.visible_files import visible_files

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is the reference and is not installed")

TREE = {
    # a negation cannot bring back a file whose folder is ignored (git does not enter it): build/keep.py stays out
    ".gitignore": "*.log\nbuild/\n!build/keep.py\n/scratch.py\ngenerated_*.py\n!generated_keep.py\nvendor\n",
    "build/keep.py": "",
    "app.py": "", "debug.log": "", "scratch.py": "", "generated_a.py": "", "generated_keep.py": "",
    "build/out.py": "", "vendor/lib.py": "",
    "pkg/__init__.py": "", "pkg/scratch.py": "", "pkg/mod.py": "", "pkg/notes.log": "",
    "pkg/.gitignore": "local_*.py\n!local_ok.py\n/only_here.py\ndeep/cache/\n",
    "pkg/local_x.py": "", "pkg/local_ok.py": "", "pkg/only_here.py": "", "pkg/sub/only_here.py": "",
    "pkg/deep/cache/c.py": "", "pkg/deep/d.py": "", "pkg/sub/generated_b.py": "",
    "pkg/sub/.gitignore": "!generated_b.py\n*.tmp.py\n", "pkg/sub/x.tmp.py": "", "pkg/sub/y.py": "",
    "docs/conf.py": "", "docs/build/page.py": "",
}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no global excludes of the machine's user
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    root = tmp_path / "repo"
    for name, text in TREE.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "init", "-q")
    (root / ".git" / "info").mkdir(exist_ok=True)
    (root / ".git" / "info" / "exclude").write_text("pkg/mod.py\n")
    git(root, "add", "app.py", "pkg/__init__.py")  # some tracked, the rest untracked
    return root


def test_git_and_the_library_list_the_same_files(repo: Path) -> None:
    by_git = visible_files(repo)
    by_library = visible_files(repo, use_git=False)
    names = [p.relative_to(repo).as_posix() for p in by_git]
    assert names == sorted(["app.py", "generated_keep.py", "pkg/__init__.py", "pkg/scratch.py", "pkg/local_ok.py",
                            "pkg/sub/only_here.py", "pkg/deep/d.py", "pkg/sub/generated_b.py", "pkg/sub/y.py",
                            "docs/conf.py", ".gitignore", "pkg/.gitignore", "pkg/sub/.gitignore"])
    assert by_library == by_git
    inner = repo / "pkg" / "sub"
    assert visible_files(inner, use_git=False) == visible_files(inner) == [p for p in by_git if inner in p.parents]
    # a folder the repository ignores, asked for by name (a Python under a git-managed ~/.pyenv): not git's
    for ignored in (repo / "build", repo / "pkg" / "deep" / "cache"):
        assert visible_files(ignored) is None and visible_files(ignored, use_git=False) is None


def test_the_miner_reads_what_git_would_and_everything_when_asked(repo: Path, tmp_path: Path) -> None:
    languages = frozenset(LANGUAGES)
    mined = {p.relative_to(repo).as_posix() for p in source_files(repo, languages, frozenset())}
    assert "build/out.py" not in mined and "pkg/local_x.py" not in mined and "app.py" in mined
    everything = {p.relative_to(repo).as_posix() for p in source_files(repo, languages, frozenset(), include_ignored=True)}
    assert {"build/out.py", "pkg/local_x.py", "vendor/lib.py"} <= everything
    outside = tmp_path / "plain"
    (outside / "build").mkdir(parents=True)
    (outside / "build" / "b.py").write_text("")
    (outside / "node_modules").mkdir()
    (outside / "node_modules" / "n.py").write_text("")
    plain = {p.name for p in source_files(outside, languages, frozenset({"node_modules"}))}
    assert plain == {"b.py"}  # outside git: the folder list, as before

"""Which files of a folder inside a git work tree git would index: tracked files, plus untracked ones that no
ignore rule excludes (`.gitignore` at every level, `.git/info/exclude`, the user's global excludes file).

Asked of git itself (`git ls-files --cached --others --exclude-standard -z`) when it is installed; otherwise
computed with `pathspec`'s gitwildmatch patterns, which gives the same list except for files that are tracked
although ignored (only git's index knows them). Outside a git work tree: None (the caller walks the folder).
Does not handle: which languages to read (see `miner.source_files`).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

import pathspec

logger = logging.getLogger(__name__)


# A corpus's own .git/config is untrusted: no fsmonitor command, hooks or external diff runs on listing it.
GIT = ("git", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "diff.external=",
       "-c", "core.untrackedCache=false")


def _git_environment() -> dict[str, str]:
    """The environment git runs in: no pager, no prompt for credentials."""
    return {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "GIT_OPTIONAL_LOCKS": "0"}


def work_tree_top(folder: Path) -> Path | None:
    """The top of the git work tree holding `folder` (the first parent with a `.git`), or None."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def visible_files(folder: Path, *, use_git: bool = True) -> list[Path] | None:
    """The files under `folder` that git tracks or could add (sorted, absolute); None outside a git work tree,
    or where the work tree ignores the folder itself (a Python installed under a git-managed `~/.pyenv`): its
    files were asked for by name, not as part of that repository."""
    folder = folder.resolve()
    top = work_tree_top(folder)
    if top is None:
        return None
    if use_git and shutil.which("git"):
        ignored = subprocess.run([*GIT, "-C", str(folder), "check-ignore", "-q", "."], capture_output=True,
                                 check=False, timeout=60, env=_git_environment()).returncode
        if ignored == 0:
            return None
        listed = _git_listing(folder) if ignored == 1 else None
        if listed is not None:
            return listed
    if _folder_ignored(folder, top):
        return None
    return _pathspec_listing(folder, top)


def _git_listing(folder: Path) -> list[Path] | None:
    try:
        out = subprocess.run([*GIT, "-C", str(folder), "ls-files", "--cached", "--others", "--exclude-standard",
                              "-z", "--", "."], capture_output=True, check=True, timeout=300,
                             env=_git_environment()).stdout
    except (OSError, subprocess.SubprocessError) as error:
        logger.warning("git ls-files failed in %s (%s); reading .gitignore files instead", folder, error)
        return None
    # the paths as listed, symlinks not followed (the reader refuses a link out of the corpus)
    files = {folder / os.path.normpath(name) for name in out.decode("utf-8", errors="surrogateescape").split("\0") if name}
    return sorted(path for path in files if os.path.lexists(path) and not path.is_dir())  # not submodules


def _global_excludes() -> Path | None:
    """The user's global excludes file: `core.excludesFile` in ~/.gitconfig, else git's XDG default."""
    config = Path.home() / ".gitconfig"
    if config.is_file():
        match = re.search(r"^\s*excludesfile\s*=\s*(.+?)\s*$", config.read_text(errors="replace"), re.I | re.M)
        if match:
            return Path(os.path.expanduser(match.group(1).strip('"')))
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return xdg / "git" / "ignore"


def _anchored(pattern: str, prefix: str) -> str | None:
    """A `.gitignore` line of the folder `prefix` (posix, relative to the top) as a pattern of the top."""
    line = pattern.rstrip("\n")
    if not line.strip() or line.startswith("#"):
        return None
    negate = line.startswith("!")
    body = line[1:] if negate else line
    if not prefix:
        return line
    directory_only = body.endswith("/")
    core = body.rstrip("/")
    anchored = core.startswith("/") or "/" in core  # a slash before the end anchors it to its folder
    core = core.lstrip("/")
    rewritten = f"{prefix}/{core}" if anchored else f"{prefix}/**/{core}"
    return ("!" if negate else "") + rewritten + ("/" if directory_only else "")


def _read_patterns(path: Path, prefix: str) -> list[str]:
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [p for p in (_anchored(line, prefix) for line in lines) if p is not None]


def _base_rules(top: Path) -> list[str]:
    """The global excludes and `.git/info/exclude`: the rules below every `.gitignore`."""
    global_file = _global_excludes()
    return (_read_patterns(global_file, "") if global_file is not None else []) + _read_patterns(
        top / ".git" / "info" / "exclude", "")


def _folder_ignored(folder: Path, top: Path) -> bool:
    """Whether the rules on the way from the top exclude `folder` or a folder above it."""
    rules = _base_rules(top)
    current = top
    for part in folder.relative_to(top).parts:
        prefix = current.relative_to(top).as_posix()
        rules += _read_patterns(current / ".gitignore", "" if prefix == "." else prefix)
        current = current / part
        if pathspec.GitIgnoreSpec.from_lines(rules).match_file(current.relative_to(top).as_posix() + "/"):
            return True
    return False


def _pathspec_listing(folder: Path, top: Path) -> list[Path]:
    """Walk from the top, each folder's `.gitignore` added after its parents' (so deeper rules win, as in git);
    an ignored folder is not entered, so nothing under it comes back, as in git."""
    in_force = {top: _base_rules(top)}  # folder -> the patterns of the folders above it
    found: list[Path] = []
    for directory, subdirs, files in os.walk(top):
        here = Path(directory)
        relative = here.relative_to(top).as_posix()
        prefix = "" if relative == "." else relative + "/"
        rules = in_force.pop(here) + _read_patterns(here / ".gitignore", prefix.rstrip("/"))
        spec = pathspec.GitIgnoreSpec.from_lines(rules)
        kept = []
        for name in sorted(subdirs):
            child = here / name
            if name == ".git" or (child / ".git").exists() or spec.match_file(f"{prefix}{name}/"):
                continue  # git's own folder, a nested repository, an ignored folder
            if child == folder or folder in child.parents or child in folder.parents:  # in the folder or on the way
                kept.append(name)
                in_force[child] = rules
        subdirs[:] = kept
        if here == folder or folder in here.parents:
            found.extend(here / name for name in sorted(files) if not spec.match_file(f"{prefix}{name}"))
    return sorted(found)

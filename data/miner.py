"""Mine functions and classes from source trees with tree-sitter, CodeSearchNet style.

Two uses, two modes. Training pairs (``documented_only=True``, the default): one record per function or
method that carries a docstring (Python) or a doc comment directly above it (Java, JavaScript, PHP:
``/** ... */``; Go: ``//`` lines; Ruby: ``#`` lines); the docstring is removed from ``code`` and its first
paragraph becomes ``docstring``, as CodeSearchNet did. The index (``documented_only=False``): every
documented function and method, every undocumented one that is public (no part of its name, file or folder
starts with an underscore, and its top-level name is in the module's ``__all__`` when the module has one, with
the names later ``append``-ed or ``extend``-ed to it; a public method of a private base class that a public class
inherits counts as public, as `argparse.ArgumentParser` exposes `_ActionsContainer.add_mutually_exclusive_group`;
a class's undocumented ``__init__`` and other dunders are covered by the class outline), and every class as an
outline (functions and classes defined inside a function are left out: closures are no API, and their bare
names, `cache_info` for `functools._lru_cache_wrapper.<locals>.cache_info`, would ground answers in names that
do not exist): its header line and the signatures of its methods, with its
docstring summary when it has one (``docstring`` is empty when there is none). Leaving out undocumented
internals was measured on the how-to dev questions: with them, they crowd out the public API.

Does not handle: anonymous functions and arrow functions bound to variables, languages other than the six
in ``LANGUAGES``, or dedup/splitting (see ``splits``).
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import os
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from data.cli import InputError
from data.functions import MinedFunction, first_paragraph, iter_functions
from data.languages import DEFAULT_EXCLUDED_DIRS, LANGUAGES, SUFFIX_TO_LANGUAGE, LanguageSpec
from data.python_api import (
    exposed_private_classes,
    in_deprecated_python_module,
    is_private_path,
    python_all,
    python_module_deprecated,
    python_tree,
    undocumented_api,
)
from data.records import Record
from data.visible_files import visible_files

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_EXCLUDED_DIRS", "LANGUAGES", "SUFFIX_TO_LANGUAGE", "LanguageSpec", "MineReport", "MinedFunction",
           "first_paragraph", "iter_functions", "iter_tree", "mine_tree", "python_module_deprecated", "source_files"]


@dataclass
class MineReport:
    """What a mining pass saw: files read, files skipped by reason, records found."""

    files_read: int = 0
    records: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    documented: int = 0
    classes: int = 0
    duplicates: int = 0  # records dropped as copies of others (`splits.dedup_records`, by `corpus.mine_corpus`)

    def summary(self) -> str:
        """One line for the log."""
        skipped = ", ".join(f"{count} {reason}" for reason, count in sorted(self.skipped.items())) or "none"
        if self.documented == self.records and not self.classes:
            found = f"{self.records} documented functions"
        else:
            found = f"{self.records} functions and classes ({self.documented} documented, {self.classes} classes)"
        return f"{found} from {self.files_read} files; skipped files: {skipped}"


def _read_source(path: Path, max_file_bytes: int, report: MineReport) -> str | None:
    try:
        size = path.stat().st_size
        if size > max_file_bytes:
            report.skipped["too large"] += 1
            return None
        raw = path.read_bytes()
    except OSError:
        report.skipped["unreadable"] += 1
        return None
    if b"\x00" in raw[:8192]:
        report.skipped["binary"] += 1
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        report.skipped["not UTF-8"] += 1
        return None
    if text and max(map(len, text.splitlines() or [""])) > 2000:
        report.skipped["minified (line over 2000 chars)"] += 1
        return None
    return text


def source_files(root: Path, languages: frozenset[str], excluded_dirs: frozenset[str], *,
                 include_ignored: bool = False) -> list[Path]:
    """Files under `root` in the given languages, in a deterministic (sorted) order: inside a git work tree,
    what git tracks or could add (`visible_files`: `.gitignore` respected) unless `include_ignored`; elsewhere
    (or with `include_ignored`) every file outside the `excluded_dirs` folders."""
    if root.is_file():
        return [root] if SUFFIX_TO_LANGUAGE.get(root.suffix) in languages else []
    visible = None if include_ignored else visible_files(root)
    if visible is not None:
        return [path for path in visible if SUFFIX_TO_LANGUAGE.get(path.suffix) in languages]
    found: list[Path] = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in excluded_dirs)
        found.extend(
            Path(directory) / name for name in sorted(files) if SUFFIX_TO_LANGUAGE.get(Path(name).suffix) in languages
        )
    return found


def mine_tree(
    root: str | Path,
    *,
    languages: frozenset[str] | None = None,
    excluded_dirs: frozenset[str] = DEFAULT_EXCLUDED_DIRS,
    max_file_bytes: int = 1_000_000,
    repo: str | None = None,
    report: MineReport | None = None,
    show_progress: bool | None = None,
    documented_only: bool = True,
    include_ignored: bool = False,
    only: frozenset[Path] | None = None,
    workers: int = 1,
) -> list[Record]:
    """Mine documented functions (or, for an index, every function and class) from a source tree or file.

    Args:
        root: a folder or a single source file.
        languages: language names from ``LANGUAGES``; all six when None.
        excluded_dirs: folder names never entered.
        max_file_bytes: larger files are skipped and counted.
        repo: the records' ``repo`` field; the folder's name when None.
        report: filled with counts of files read and skipped.
        show_progress: show a bar; None shows it when logging is at INFO or lower.
        documented_only: True for training pairs; False for an index (see `iter_functions`), which also leaves
            out Python modules that warn of their own deprecation on import, and the packages under one.
        include_ignored: inside a git work tree, also the files `.gitignore` excludes (see `source_files`).
        only: mine just these files of the tree (resolved paths; an index refresh re-mines what changed).
        workers: parse files in this many processes (the same records, in the same order, as one).

    Raises:
        FileNotFoundError: `root` does not exist.
        InputError: an unknown language name.
    """
    report = report if report is not None else MineReport()
    records = list(iter_tree(root, languages=languages, excluded_dirs=excluded_dirs, max_file_bytes=max_file_bytes,
                             repo=repo, report=report, show_progress=show_progress, documented_only=documented_only,
                             include_ignored=include_ignored, only=only, workers=workers))
    report.records += len(records)
    return records


def iter_tree(
    root: str | Path,
    *,
    languages: frozenset[str] | None = None,
    excluded_dirs: frozenset[str] = DEFAULT_EXCLUDED_DIRS,
    max_file_bytes: int = 1_000_000,
    repo: str | None = None,
    report: MineReport | None = None,
    show_progress: bool | None = None,
    documented_only: bool = True,
    include_ignored: bool = False,
    only: frozenset[Path] | None = None,
    workers: int = 1,
) -> Iterator[Record]:
    """`mine_tree` one record at a time, reading one file at a time (for lazy loaders); same arguments.

    The checks on `root` and `languages` run at the first `next()`.
    """
    root = Path(root).resolve()
    if not root.exists():
        msg = f"no such file or folder: {root}"
        raise FileNotFoundError(msg)
    languages = frozenset(languages or LANGUAGES)
    unknown = sorted(languages - set(LANGUAGES))
    if unknown:
        msg = f"unknown language(s) {unknown}: choose from {sorted(LANGUAGES)}"
        raise InputError(msg)
    report = report if report is not None else MineReport()
    repo = repo or root.name
    base = root.parent if root.is_file() else root
    files = source_files(root, languages, excluded_dirs, include_ignored=include_ignored)
    if only is not None:
        files = [path for path in files if path in only]
    if show_progress is None:
        show_progress = logger.isEnabledFor(logging.INFO)
    # The package verdicts are this run's (a long-lived process mining again sees an __init__.py edited since);
    # in a process pool each chunk of files gets its own copy.
    mine_one = functools.partial(_mine_file, base=base, repo=repo, documented_only=documented_only,
                                 max_file_bytes=max_file_bytes, deprecated_packages={})
    with tqdm(total=len(files), desc=f"Mining {repo}", unit="file", disable=not show_progress) as bar:
        if workers <= 1 or len(files) < 2:
            results: Iterator[tuple[list[Record], MineReport]] = map(mine_one, files)
            pool = None
        else:  # files parsed in worker processes, results in file order: the same records as one process
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
            results = pool.map(mine_one, files, chunksize=16)
        try:
            for records, seen in results:
                report.files_read += seen.files_read
                report.skipped.update(seen.skipped)
                report.documented += seen.documented
                report.classes += seen.classes
                bar.update(1)
                yield from records
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)


def _mine_file(path: Path, *, base: Path, repo: str, documented_only: bool, max_file_bytes: int,
               deprecated_packages: dict[Path, bool]) -> tuple[list[Record], MineReport]:
    """The records of one source file and what reading it counted (run in a worker process by `iter_tree`).
    `deprecated_packages`: each folder's verdict so far in this run (`in_deprecated_python_module`)."""
    report = MineReport()
    records: list[Record] = []
    text = _read_source(path, max_file_bytes, report)
    if text is None:
        return records, report
    language = SUFFIX_TO_LANGUAGE[path.suffix]
    tree = python_tree(text) if language == "python" and not documented_only else None  # parsed once, used twice
    if not documented_only and language == "python" and in_deprecated_python_module(
            path, text, base, deprecated_packages, tree):
        report.skipped["deprecated modules"] += 1  # an index points at what to use, not at what is going away
        return records, report
    report.files_read += 1
    relative = path.relative_to(base).as_posix()
    hidden_file = is_private_path(relative)
    exported: frozenset[str] | None = None
    exposed: frozenset[str] = frozenset()
    if language == "python" and not documented_only:
        exported = python_all(text, tree)
        exposed = exposed_private_classes(tree, exported) if tree is not None else frozenset()
    for found in iter_functions(text, language, documented_only=documented_only):
        if not found.docstring and (hidden_file or not undocumented_api(found.func_name, exported, exposed)):
            continue  # undocumented internals (`_helper`, `Class.__init__`, not in `__all__`): not an API
        report.documented += bool(found.docstring)
        report.classes += found.is_class
        records.append(Record(repo=repo, path=relative, func_name=found.func_name, language=language, code=found.code,
                              docstring=found.docstring, url=f"{path.as_uri()}#L{found.first_line}-L{found.last_line}"))
    return records, report

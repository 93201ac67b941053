"""Mine a source tree's units with tree-sitter into CodeSearchNet-shaped records: every language and file kind
of `languages.LANGUAGES`, what `reading` refuses left out and counted by reason.

Two uses, two modes. Training pairs (``documented_only=True``, the default): one record per function or method
that carries a docstring (Python) or a doc comment directly above it (see `functions`); the docstring is removed
from a Python function's ``code`` and its first paragraph becomes ``docstring``, as CodeSearchNet did. The index
(``documented_only=False``): every unit (`functions`: functions, methods, classes as outlines, macros,
documented prototypes, module docs, and a script's code), every document as sections by heading and every
configuration file as windows (`sections`). In a user's code base every unit is indexed, private ones included.
With ``public_api_only`` (the default corpus, the standard library: `corpus.corpus_rules`), undocumented
internals are left out: an undocumented function or class is kept only when it is public (no part of its name,
file or folder starts with an underscore, and its top-level name is in the module's ``__all__`` when the module
has one, with the names later ``append``-ed or ``extend``-ed to it; a public method of a private base class
that a public class inherits counts as public, as `argparse.ArgumentParser` exposes
`_ActionsContainer.add_mutually_exclusive_group`), modules that warn of their own deprecation are skipped, and a
script is no entry. Leaving out undocumented internals was measured on the how-to dev questions: with them,
they crowd out the public API of a library; in a user's own code, a private helper is often the answer.

Does not handle: anonymous functions, or dedup/splitting (see ``splits``).
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

from data.functions import MinedFunction, first_paragraph, iter_functions
from data.languages import (
    CONFIG,
    DEFAULT_EXCLUDED_DIRS,
    LANGUAGES,
    MAX_CONFIG_BYTES,
    SUFFIX_TO_LANGUAGE,
    LanguageSpec,
    check_languages,
    file_language,
    path_languages,
)
from data.python_api import (
    exposed_private_classes,
    in_deprecated_python_module,
    is_private_path,
    python_all,
    python_module_deprecated,
    python_tree,
    undocumented_api,
)
from data.reading import MAX_FILE_BYTES, file_skip_reason, name_skip_reason, read_corpus_text
from data.records import Record
from data.sections import config_windows, document_sections
from data.visible_files import visible_files

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_EXCLUDED_DIRS", "LANGUAGES", "SUFFIX_TO_LANGUAGE", "LanguageSpec", "MineReport", "MinedFunction",
           "first_paragraph", "iter_functions", "iter_tree", "mine_tree", "python_module_deprecated", "source_files"]
MINER_VERSION = "units-v7"
"""What mining reads and how (languages, kinds, skip rules): an index's manifest records it, so an index built by
another version is synced in full on its next refresh (new files added, changed entries re-embedded, unchanged ones
kept)."""


@dataclass
class MineReport:
    """What a mining pass saw: files read, files skipped by reason, records found."""

    files_read: int = 0
    records: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    documented: int = 0
    kinds: Counter[str] = field(default_factory=Counter)  # records by kind (function, class, section, ...)
    duplicates: int = 0  # records dropped as copies of others (`splits.dedup_records`, by `corpus.mine_corpus`)

    @property
    def classes(self) -> int:
        """Class outlines found."""
        return self.kinds["class"]

    def add(self, other: MineReport) -> None:
        """Count another pass (one file's) into this one."""
        self.files_read += other.files_read
        self.skipped.update(other.skipped)
        self.documented += other.documented
        self.kinds.update(other.kinds)

    def skipped_line(self) -> str:
        """``skipped: 3 minified, 1 over 1 MB, ...`` (most first), or "" when nothing was skipped."""
        counts = sorted(self.skipped.items(), key=lambda item: (-item[1], item[0]))
        return "skipped: " + ", ".join(f"{count} {reason}" for reason, count in counts) if counts else ""

    def summary(self) -> str:
        """One line for the log."""
        if self.documented == self.records and not self.classes and set(self.kinds) <= {"function"}:
            found = f"{self.records} documented functions"
        else:
            kinds = ", ".join(f"{count} {kind}{'es' if kind == 'class' and count != 1 else '' if count == 1 or kind == 'config' else 's'}"
                              for kind, count in sorted(self.kinds.items()))
            found = f"{self.records} entries ({kinds}; {self.documented} documented)"
        return f"{found} from {self.files_read} files; {self.skipped_line() or 'skipped: none'}"


def source_files(root: Path, languages: frozenset[str], excluded_dirs: frozenset[str], *,
                 include_ignored: bool = False, report: MineReport | None = None,
                 max_file_bytes: int = MAX_FILE_BYTES) -> list[Path]:
    """Files under `root` the index may read in the given languages, in a deterministic (sorted) order: inside a
    git work tree, what git tracks or could add (`visible_files`: `.gitignore` respected) unless
    `include_ignored`; elsewhere (or with `include_ignored`) every file outside the `excluded_dirs` folders. What
    is never read (`reading.file_skip_reason`: lock and secrets files, a symlink out of the root, a FIFO or
    device, a file over the size limit) and files in no language asked for are left out, counted in `report`."""
    report = report if report is not None else MineReport()
    root = root.resolve()
    if root.is_file():
        candidates, top = [root], root.parent
    else:
        visible = None if include_ignored else visible_files(root)
        candidates, top = (visible if visible is not None else _walk(root, excluded_dirs)), root
    found: list[Path] = []
    for path in candidates:
        named = name_skip_reason(path)
        if named is not None:
            report.skipped[named] += 1
            continue
        possible = path_languages(path)
        if not possible:
            report.skipped["in no supported language"] += 1
            continue
        if not possible & languages:
            report.skipped["other languages"] += 1
            continue
        reason = file_skip_reason(path, top, max_file_bytes)
        if reason is not None:
            report.skipped[reason] += 1
            continue
        found.append(path)
    return found


def _walk(root: Path, excluded_dirs: frozenset[str]) -> list[Path]:
    """Every file under `root` outside the excluded folders, symlinked folders not entered."""
    found: list[Path] = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in excluded_dirs)
        found.extend(Path(directory) / name for name in sorted(files))
    return found


def mine_tree(
    root: str | Path,
    *,
    languages: frozenset[str] | None = None,
    excluded_dirs: frozenset[str] = DEFAULT_EXCLUDED_DIRS,
    max_file_bytes: int = MAX_FILE_BYTES,
    repo: str | None = None,
    report: MineReport | None = None,
    show_progress: bool | None = None,
    documented_only: bool = True,
    public_api_only: bool = False,
    include_ignored: bool = False,
    only: frozenset[Path] | None = None,
    workers: int = 1,
) -> list[Record]:
    """Mine documented functions (or, for an index, every unit, section and window) from a source tree or file.

    Args:
        root: a folder or a single file.
        languages: language names from ``LANGUAGES``; every one when None (for training pairs: the code
            languages, documents and configuration having no functions).
        excluded_dirs: folder names never entered.
        max_file_bytes: larger files are skipped and counted.
        repo: the records' ``repo`` field; the folder's name when None.
        report: filled with counts of files read and skipped, by reason.
        show_progress: show a bar; None shows it when logging is at INFO or lower.
        documented_only: True for training pairs; False for an index (see `iter_functions`).
        public_api_only: an index of a library's public API (the standard library): undocumented internals,
            deprecated modules and scripts are left out (see the module docstring).
        include_ignored: inside a git work tree, also the files `.gitignore` excludes (see `source_files`).
        only: mine just these files of the tree (absolute paths; an index refresh re-mines what changed).
        workers: parse files in this many processes (the same records, in the same order, as one).

    Raises:
        FileNotFoundError: `root` does not exist.
        InputError: an unknown language name.
    """
    report = report if report is not None else MineReport()
    records = list(iter_tree(root, languages=languages, excluded_dirs=excluded_dirs, max_file_bytes=max_file_bytes,
                             repo=repo, report=report, show_progress=show_progress, documented_only=documented_only,
                             public_api_only=public_api_only, include_ignored=include_ignored, only=only,
                             workers=workers))
    report.records += len(records)
    return records


def iter_tree(
    root: str | Path,
    *,
    languages: frozenset[str] | None = None,
    excluded_dirs: frozenset[str] = DEFAULT_EXCLUDED_DIRS,
    max_file_bytes: int = MAX_FILE_BYTES,
    repo: str | None = None,
    report: MineReport | None = None,
    show_progress: bool | None = None,
    documented_only: bool = True,
    public_api_only: bool = False,
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
    check_languages(languages or ())
    if not languages:
        languages = frozenset(name for name, spec in LANGUAGES.items() if spec.is_code or not documented_only)
    report = report if report is not None else MineReport()
    repo = repo or root.name
    base = root.parent if root.is_file() else root
    files = source_files(root, frozenset(languages), excluded_dirs, include_ignored=include_ignored, report=report,
                         max_file_bytes=max_file_bytes)
    if only is not None:
        files = [path for path in files if path in only]
    if show_progress is None:
        show_progress = logger.isEnabledFor(logging.INFO)
    # The package verdicts are this run's (a long-lived process mining again sees an __init__.py edited since);
    # in a process pool each chunk of files gets its own copy.
    mine_one = functools.partial(_mine_file, base=base, repo=repo, languages=frozenset(languages),
                                 documented_only=documented_only, public_api_only=public_api_only,
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
                report.add(seen)
                bar.update(1)
                yield from records
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)


def _mine_file(path: Path, *, base: Path, repo: str, languages: frozenset[str], documented_only: bool,
               public_api_only: bool, max_file_bytes: int, deprecated_packages: dict[Path, bool],
               ) -> tuple[list[Record], MineReport]:
    """The records of one file and what reading it counted (run in a worker process by `iter_tree`).
    `deprecated_packages`: each folder's verdict so far in this run (`in_deprecated_python_module`)."""
    report = MineReport()
    text, reason = read_corpus_text(path, max_file_bytes)
    if text is None:
        report.skipped[reason or "unreadable"] += 1
        return [], report
    language = file_language(path, text)
    if language not in languages:  # a `.h` read as the other of C and C++
        report.skipped["other languages"] += 1
        return [], report
    spec = LANGUAGES[language]
    if spec.reads == CONFIG and len(text.encode("utf-8")) > MAX_CONFIG_BYTES.get(language, max_file_bytes):
        report.skipped[f"{language} over {MAX_CONFIG_BYTES[language] // 1000} KB (data, not configuration)"] += 1
        return [], report
    tree = python_tree(text) if language == "python" and public_api_only else None  # parsed once, used twice
    if public_api_only and language == "python" and in_deprecated_python_module(
            path, text, base, deprecated_packages, tree):
        report.skipped["deprecated modules"] += 1  # an index points at what to use, not at what is going away
        return [], report
    report.files_read += 1
    relative = path.relative_to(base).as_posix()
    records = [Record(repo=repo, path=relative, func_name=unit.func_name, language=language, code=unit.code,
                      docstring=unit.docstring, url=f"{path.as_uri()}#L{unit.first_line}-L{unit.last_line}",
                      kind=unit.kind)
               for unit in _units(text, relative, spec, documented_only=documented_only, public_api_only=public_api_only,
                                  tree=tree)]
    report.documented += sum(bool(r.docstring) for r in records if r.kind in ("function", "class"))
    report.kinds.update(r.kind for r in records)
    return records, report


def _units(text: str, relative: str, spec: LanguageSpec, *, documented_only: bool, public_api_only: bool,
           tree: object) -> Iterator[MinedFunction]:
    """The units of one file's text: code units, document sections or configuration windows."""
    name = relative.rsplit("/", 1)[-1]
    if not spec.is_code:
        if documented_only:
            return
        split = document_sections if spec.reads != CONFIG else config_windows
        kind = "config" if spec.reads == CONFIG else "section"
        for section in split(text, spec.name, name):
            yield MinedFunction(section.name, section.text, section.summary[:300], section.first_line,
                                section.last_line, kind)
        return
    exported: frozenset[str] | None = None
    exposed: frozenset[str] = frozenset()
    if spec.name == "python" and public_api_only:
        exported = python_all(text, tree)  # type: ignore[arg-type]
        exposed = exposed_private_classes(tree, exported) if tree is not None else frozenset()  # type: ignore[arg-type]
    hidden_file = public_api_only and is_private_path(relative)
    for unit in iter_functions(text, spec.name, documented_only=documented_only,
                               script_name="" if public_api_only else name):
        if public_api_only and not unit.docstring and (hidden_file or not undocumented_api(unit.func_name, exported, exposed)):
            continue  # undocumented internals (`_helper`, `Class.__init__`, not in `__all__`): not an API
        if unit.kind == "section":  # a file's module documentation (Rust `//!`) is Markdown: its sections
            yield from _module_doc_sections(unit)
            continue
        yield unit


def _module_doc_sections(unit: MinedFunction) -> Iterator[MinedFunction]:
    """A module's documentation as Markdown sections, named under the unit's name (``module docs > Example``)."""
    offset = unit.first_line - 1
    for section in document_sections(unit.code, "markdown", unit.func_name):
        name = section.name if section.name == unit.func_name else f"{unit.func_name} > {section.name}"
        yield MinedFunction(name, section.text, section.summary[:300], section.first_line + offset,
                            section.last_line + offset, "section")

"""A corpus: the units of a set of source trees, mined and deduplicated into one list of records; and the
default one, the running interpreter's standard library, read as a library's public API (its Python code, its
undocumented internals left out: `corpus_rules`). What the index, adaptation, the experiments and the benches
read. Does not handle: parsing files (see `miner`), or indexing (see `rag.store`).
"""

from __future__ import annotations

import logging
import sysconfig
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from data.cli import InputError
from data.languages import CODE_LANGUAGES, check_languages
from data.miner import DEFAULT_EXCLUDED_DIRS, LANGUAGES, MineReport, mine_tree
from data.records import Record
from data.splits import dedup_records

logger = logging.getLogger(__name__)

DEFAULT_CORPUS_EXCLUDES = ("test", "tests", "idlelib")  # the stdlib's own tests are noise for questions


def default_corpus() -> list[str]:
    """The running interpreter's standard library."""
    return [sysconfig.get_paths()["stdlib"]]


DEFAULT_CORPUS_LANGUAGES = ("python",)


@dataclass(frozen=True)
class CorpusRules:
    """How a corpus is read: its languages, and whether only a library's public API is indexed."""

    languages: tuple[str, ...]  # () : every language and file kind
    public_api_only: bool


def corpus_rules(paths: Sequence[str], languages: Sequence[str] = ()) -> CorpusRules:
    """The standard library (the default corpus, or folders of it) is read as a public API: its Python code,
    undocumented internals left out (`miner`); any other corpus, a user's code base, whole: every language asked
    for (all by default), every unit, private ones included."""
    check_languages(list(languages))
    stdlib = [Path(p).resolve() for p in default_corpus()]
    is_library = bool(paths) and all(any(path == lib or lib in path.parents for lib in stdlib)
                                     for path in (Path(p).resolve() for p in paths))
    return CorpusRules(tuple(sorted(languages)) or (DEFAULT_CORPUS_LANGUAGES if is_library else ()), is_library)


def check_corpus(paths: Sequence[str]) -> None:
    """Raise `FileNotFoundError` naming the first corpus path that does not exist (before any model loads)."""
    for path in paths:
        if not Path(path).exists():
            msg = f"corpus path does not exist: {path}"
            raise FileNotFoundError(msg)


def mine_corpus(paths: Sequence[str], *, exclude: Sequence[str] = (), languages: Sequence[str] = (),
                documented_only: bool = False, include_ignored: bool = False, workers: int = 1,
                max_file_bytes: int = 1_000_000, report: MineReport | None = None) -> list[Record]:
    """Every unit, section and window of every path (an index's contents, read by `corpus_rules`),
    deduplicated; with `documented_only`, only documented functions (training pairs, synthetic questions,
    `data.mine`).
    Inside a git work tree, the files git tracks or could add (`include_ignored`: every file). `report`: filled
    with what mining saw, the duplicates dropped included.

    Raises:
        FileNotFoundError: a path does not exist.
        InputError: an unknown language, or nothing found.
    """
    check_corpus(paths)
    rules = corpus_rules(paths, languages)
    report = report if report is not None else MineReport()
    excluded = DEFAULT_EXCLUDED_DIRS | set(exclude)
    records: list[Record] = []
    for path in paths:
        records.extend(mine_tree(path, excluded_dirs=excluded, languages=frozenset(rules.languages) or None,
                                 report=report, documented_only=documented_only, public_api_only=rules.public_api_only,
                                 include_ignored=include_ignored, workers=workers, max_file_bytes=max_file_bytes))
    records, report.duplicates = dedup_records(records)
    logger.info("%s; %d duplicates dropped", report.summary(), report.duplicates)
    if not records:
        what = "documented functions" if documented_only else "code, documents or configuration to index"
        read = sorted(languages) if languages else sorted(CODE_LANGUAGES if documented_only else LANGUAGES)
        skipped = f"; {report.skipped_line()}" if report.skipped else ""
        msg = (f"no {what} in {', '.join(map(str, paths))} ({report.files_read} files read{skipped}; "
               f"languages read: {', '.join(read)})")
        raise InputError(msg)
    return records

"""A corpus: the functions of a set of source trees, mined and deduplicated into one list of records; and the
default one, the running interpreter's standard library. What the index, adaptation, the experiments and the
benches read. Does not handle: parsing files (see `miner`), or indexing (see `rag.store`).
"""

from __future__ import annotations

import logging
import sysconfig
from collections.abc import Sequence
from pathlib import Path

from data.cli import InputError
from data.miner import DEFAULT_EXCLUDED_DIRS, LANGUAGES, MineReport, mine_tree
from data.records import Record
from data.splits import dedup_records

logger = logging.getLogger(__name__)

DEFAULT_CORPUS_EXCLUDES = ("test", "tests", "idlelib")  # the stdlib's own tests are noise for questions


def default_corpus() -> list[str]:
    """The running interpreter's standard library."""
    return [sysconfig.get_paths()["stdlib"]]


def check_corpus(paths: Sequence[str]) -> None:
    """Raise `FileNotFoundError` naming the first corpus path that does not exist (before any model loads)."""
    for path in paths:
        if not Path(path).exists():
            msg = f"corpus path does not exist: {path}"
            raise FileNotFoundError(msg)


def mine_corpus(paths: Sequence[str], *, exclude: Sequence[str] = (), languages: Sequence[str] = (),
                documented_only: bool = False, include_ignored: bool = False, workers: int = 1,
                max_file_bytes: int = 1_000_000, report: MineReport | None = None) -> list[Record]:
    """Every function, method and class of every path (an index's contents), deduplicated; with
    `documented_only`, only documented functions (training pairs, synthetic questions, `data.mine`).
    Inside a git work tree, the files git tracks or could add (`include_ignored`: every file). `report`: filled
    with what mining saw, the duplicates dropped included.

    Raises:
        FileNotFoundError: a path does not exist.
        InputError: an unknown language, or nothing found.
    """
    check_corpus(paths)
    report = report if report is not None else MineReport()
    excluded = DEFAULT_EXCLUDED_DIRS | set(exclude)
    records: list[Record] = []
    for path in paths:
        records.extend(mine_tree(path, excluded_dirs=excluded, languages=frozenset(languages) or None, report=report,
                                 documented_only=documented_only, include_ignored=include_ignored, workers=workers,
                                 max_file_bytes=max_file_bytes))
    records, report.duplicates = dedup_records(records)
    logger.info("%s; %d duplicates dropped", report.summary(), report.duplicates)
    if not records:
        what = "documented functions" if documented_only else "functions or classes to index"
        asked = f"files read in {', '.join(sorted(languages))}" if languages else \
            f"supported files read; supported languages: {', '.join(sorted(LANGUAGES))}"
        msg = f"no {what} in {', '.join(map(str, paths))} ({report.files_read} {asked})"
        raise InputError(msg)
    return records

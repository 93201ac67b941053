"""Dedup records by normalised code and split them by file or repository, so no function leaks.

Does not handle: near-duplicate detection beyond whitespace normalisation.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from typing import Literal

from data.cli import InputError
from data.records import Record

logger = logging.getLogger(__name__)

SPLITS = ("train", "valid", "test")


def normalised_code_hash(code: str) -> str:
    """A hash of the code with all whitespace runs folded, so reformatting does not make a new function."""
    return hashlib.sha1(" ".join(code.split()).encode("utf-8")).hexdigest()


def dedup_records(records: Iterable[Record]) -> tuple[list[Record], int]:
    """Keep the first record of each normalised code hash; return the kept records and how many were dropped."""
    seen: set[str] = set()
    kept: list[Record] = []
    dropped = 0
    for record in records:
        key = normalised_code_hash(record.code)
        if key in seen:
            dropped += 1
            continue
        seen.add(key)
        kept.append(record)
    return kept, dropped


def _unit_interval(key: str, seed: int) -> float:
    digest = hashlib.sha1(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_records(
    records: Iterable[Record],
    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
    *,
    by: Literal["path", "repo"] = "path",
    seed: int = 0,
) -> dict[str, list[Record]]:
    """Split into train/valid/test by hashing the file (or repository) each record comes from.

    Every function of one file (or repository) lands in the same split, and the assignment depends only on
    the key and the seed, so adding files never moves existing ones between splits.

    Raises:
        InputError: fractions that are negative or do not sum to 1.
    """
    if len(fractions) != 3 or any(f < 0 for f in fractions) or abs(sum(fractions) - 1) > 1e-6:
        msg = f"split fractions {fractions} must be three non-negative numbers (train, valid, test) summing to 1"
        raise InputError(msg)
    bounds = (fractions[0], fractions[0] + fractions[1])
    out: dict[str, list[Record]] = {name: [] for name in SPLITS}
    for record in records:
        key = record.repo if by == "repo" else f"{record.repo}/{record.path}"
        u = _unit_interval(key, seed)
        out["train" if u < bounds[0] else "valid" if u < bounds[1] else "test"].append(record)
    return out

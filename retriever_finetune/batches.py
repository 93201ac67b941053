"""Training pairs and their batches: (docstring, code) from records, no duplicate text or code in a batch.

A duplicate docstring or code inside a batch is a false negative for in-batch InfoNCE, so batches are
filled like sentence-transformers' NO_DUPLICATES sampler. The order is a pure function of (seed, epoch),
so a resumed run sees the same batches. Does not handle: tokenization (the `Encoder` does it).
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass
from pathlib import Path

from data.errors import InputError
from data.loaders import load_records

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pair:
    """One training example: the text side, the code side, and an optional hard negative code."""

    text: str
    code: str
    negative: str | None = None


def load_pairs(path: str, *, language: str | None = None, hard_negatives: str | None = None) -> list[Pair]:
    """Pairs from a CSN-shaped jsonl file, optionally of one language, with hard negatives joined by docstring.

    Raises:
        InputError: an empty file, or no record for `language`.
    """
    records = load_records(path, languages=[language] if language else None)
    negatives = load_hard_negatives(hard_negatives) if hard_negatives else {}
    pairs = [Pair(r.docstring, r.code, negatives.get(r.docstring)) for r in records if r.docstring and r.code]
    if not pairs:
        msg = f"{path} has no records with both a docstring and code"
        raise InputError(msg)
    return pairs


def load_hard_negatives(path: str) -> dict[str, str]:
    """``{"docstring": ..., "negative": ...}`` per line → docstring → negative code."""
    negatives: dict[str, str] = {}
    if not Path(path).is_file():
        msg = f"no such hard-negatives file: {path}"
        raise FileNotFoundError(msg)
    with open(path, encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                negatives[str(row["docstring"])] = str(row["negative"])
            except (json.JSONDecodeError, KeyError, TypeError):
                msg = f"{path}:{line_number}: expected a JSON object with 'docstring' and 'negative'"
                raise InputError(msg) from None
    return negatives


def epoch_batches(pairs: list[Pair], batch_size: int, *, seed: int, epoch: int) -> list[list[int]]:
    """Shuffled batches of pair indices for one epoch, each free of repeated text and code.

    A pair that would repeat a text or code already in the open batch waits for a later batch; the last
    batch may be smaller. Batches of one pair are dropped (InfoNCE needs a negative).
    """
    order = list(range(len(pairs)))
    random.Random(seed * 100_003 + epoch).shuffle(order)
    batches: list[list[int]] = []
    pending = order
    while pending:
        batch: list[int] = []
        texts: set[str] = set()
        codes: set[str] = set()
        deferred: list[int] = []
        for index in pending:
            pair = pairs[index]
            if len(batch) < batch_size and pair.text not in texts and pair.code not in codes:
                batch.append(index)
                texts.add(pair.text)
                codes.add(pair.code)
            else:
                deferred.append(index)
        batches.append(batch)
        pending = deferred
    return [b for b in batches if len(b) > 1]

"""Training pairs and their batches: no duplicate text or code in a batch, sources mixed by weight.

A duplicate text or code inside a batch is a false negative for in-batch InfoNCE, so batches are filled
like sentence-transformers' NO_DUPLICATES sampler: a pair that would repeat a text or code of the open
batch (its hard negatives included) waits in a queue and goes into the next batch that has room for it.
Each pair is looked at a bounded number of times, so an epoch costs linear time. The order is a pure
function of (seed, epoch), so a resumed run sees the same batches. Does not handle: tokenization (the
`Encoder` does it) or reading the sources (see `sources`).
"""

from __future__ import annotations

import logging
import math
import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pair:
    """One training example: the text side, the code side, and codes judged not to answer the text."""

    text: str
    code: str
    negatives: tuple[str, ...] = ()


def epoch_indices(sizes: Sequence[int], weights: Sequence[float], *, seed: int, epoch: int) -> list[int]:
    """Indices into the concatenated sources for one epoch, shuffled, each source drawn by its weight.

    A source of n pairs with weight w gives round(w * n) pairs an epoch: every pair floor(w) times, plus a
    seeded sample (different each epoch) for the fraction. Weight 1 is every pair once.
    """
    rng = random.Random(seed * 100_003 + epoch)
    chosen: list[int] = []
    offset = 0
    for size, weight in zip(sizes, weights, strict=True):
        whole, fraction = divmod(weight, 1.0)
        chosen.extend(offset + i for _ in range(int(whole)) for i in range(size))
        extra = round(fraction * size)
        if extra:
            chosen.extend(offset + i for i in rng.sample(range(size), extra))
        offset += size
    rng.shuffle(chosen)
    return chosen


def epoch_batches(pairs: Sequence[Pair], batch_size: int, *, seed: int, epoch: int,
                  weights: Sequence[float] | None = None, sizes: Sequence[int] | None = None) -> list[list[int]]:
    """Batches of pair indices for one epoch, each free of repeated text and code (negatives included).

    Args:
        pairs: every source's pairs, concatenated.
        weights, sizes: per-source weight and pair count (one source of weight 1 when None).

    A pair that clashes with the open batch waits; waiting pairs are offered first to each new batch. A pair
    that clashes with `batch_size` consecutive batches is dropped for this epoch (it repeats a text or code
    of most of the data). Batches of one pair are dropped: InfoNCE needs a negative.
    """
    sizes = list(sizes) if sizes is not None else [len(pairs)]
    weights = list(weights) if weights is not None else [1.0] * len(sizes)
    if sum(sizes) != len(pairs):
        msg = f"source sizes {sizes} do not add up to the {len(pairs)} pairs"
        raise ValueError(msg)
    incoming = deque(epoch_indices(sizes, weights, seed=seed, epoch=epoch))
    waiting: deque[tuple[int, int]] = deque()  # (pair index, batches it has waited)
    batches: list[list[int]] = []
    while incoming or waiting:
        batch: list[int] = []
        seen: set[str] = set()
        for _ in range(len(waiting)):  # each waiting pair is offered to this batch once
            index, waited = waiting.popleft()
            if len(batch) < batch_size and _fits(pairs[index], seen):
                _add(pairs[index], seen)
                batch.append(index)
            elif waited + 1 < batch_size:
                waiting.append((index, waited + 1))
        while incoming and len(batch) < batch_size:
            index = incoming.popleft()
            if _fits(pairs[index], seen):
                _add(pairs[index], seen)
                batch.append(index)
            else:
                waiting.append((index, 0))
        if not batch:
            break
        batches.append(batch)
    return [b for b in batches if len(b) > 1]


def _fits(pair: Pair, seen: set[str]) -> bool:
    return pair.text not in seen and pair.code not in seen and not any(n in seen for n in pair.negatives)


def _add(pair: Pair, seen: set[str]) -> None:
    seen.add(pair.text)
    seen.add(pair.code)
    seen.update(pair.negatives)


def steps_per_epoch(batch_count: int, grad_accum: int) -> int:
    """Optimiser steps an epoch of `batch_count` batches takes."""
    return math.ceil(batch_count / grad_accum)

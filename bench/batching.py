"""Benchmark: no-duplicate batching of training pairs, the linear `epoch_batches` against the old rescanning one.

    python bench/batching.py [--pairs 500000] [--old_pairs 20000] [--batch_size 32]

The old function (kept here as the reference, as it stood before the rewrite) rescanned every pending pair
for every batch: O(n^2 / B). Both run in this process on synthetic pairs where one question in five repeats
(as StaQC questions with several answers do); the old one only on a size it finishes. Reports seconds and
peak memory (tracemalloc) for each, and the ratio on the shared size.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from retriever_finetune.batches import Pair, epoch_batches  # noqa: E402


def old_epoch_batches(pairs: list[Pair], batch_size: int, *, seed: int, epoch: int) -> list[list[int]]:
    """The batching before the rewrite: every batch rescans all pending pairs."""
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


def synthetic_pairs(n: int) -> list[Pair]:
    """n pairs; every fifth question repeats an earlier one."""
    return [Pair(f"question {i if i % 5 else i // 2}", f"def f{i}(): return {i}") for i in range(n)]


def measure(function, pairs: list[Pair], batch_size: int) -> dict[str, float]:  # noqa: ANN001
    tracemalloc.start()
    started = time.perf_counter()
    batches = function(pairs, batch_size, seed=0, epoch=0)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return {"pairs": len(pairs), "seconds": seconds, "peak_mb": peak, "batches": len(batches),
            "pairs_batched": sum(map(len, batches))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=500_000)
    parser.add_argument("--old_pairs", type=int, default=20_000, help="size both functions batch")
    parser.add_argument("--batch_size", type=int, default=32)
    args = parser.parse_args()
    shared = synthetic_pairs(args.old_pairs)
    old = measure(old_epoch_batches, shared, args.batch_size)
    new_shared = measure(epoch_batches, shared, args.batch_size)
    new_large = measure(epoch_batches, synthetic_pairs(args.pairs), args.batch_size)
    print(json.dumps({"old": old, "new_same_size": new_shared, "new_large": new_large,  # noqa: T201
                      "speedup_same_size": old["seconds"] / new_shared["seconds"]}, indent=2))


if __name__ == "__main__":
    main()

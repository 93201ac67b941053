"""Benchmark: our `Encoder` (minilm) vs `SentenceTransformer.encode` on the same mined functions.

    python bench/encode.py [--n 1000] [--repeats 3]

Both encode the same N functions from the standard library at max length 256, batch size 32, in one
process, alternating runs; reports the per-row cosine agreement and the throughput ratio (ours / theirs,
median of the repeats). Needs the test extra (sentence-transformers).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sysconfig
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

from data.miner import mine_tree  # noqa: E402
from retriever_finetune.models import ENCODERS, load_encoder  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="functions to encode")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each, alternating")
    parser.add_argument("--out", default="", help="also write the figures as JSON here")
    args = parser.parse_args()

    records = mine_tree(sysconfig.get_paths()["stdlib"], languages=frozenset({"python"}), show_progress=False)
    codes = [r.code for r in records[:: max(1, len(records) // args.n)][: args.n]]
    ours = load_encoder("minilm", device="cpu", max_code_length=256, batch_size=32)
    theirs = SentenceTransformer(str(ENCODERS["minilm"].location()), device="cpu")
    theirs.max_seq_length = 256

    ours.encode_code(codes[:64], show_progress=False)  # warm-up both
    theirs.encode(codes[:64], batch_size=32)
    our_times, their_times = [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        a = ours.encode_code(codes, show_progress=False)
        our_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        b = theirs.encode(codes, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
        their_times.append(time.perf_counter() - start)
    cosine = (a * b).sum(axis=1)
    result = {
        "functions": len(codes),
        "min_cosine": float(cosine.min()),
        "ours_functions_per_s": len(codes) / statistics.median(our_times),
        "sentence_transformers_functions_per_s": len(codes) / statistics.median(their_times),
    }
    result["throughput_ratio"] = result["ours_functions_per_s"] / result["sentence_transformers_functions_per_s"]
    print(json.dumps(result, indent=2))  # noqa: T201
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=2)
    assert np.isfinite(cosine).all()


if __name__ == "__main__":
    main()

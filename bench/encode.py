"""Benchmark: our `Encoder` (minilm) by default (`--precision auto`: a bf16 copy of the weights on a CPU with AMX or
AVX512-BF16), in float32 and in int8, vs `SentenceTransformer.encode`, on the same functions.

    python bench/encode.py [--n 1000] [--repeats 3] [--skip_mrr]

All four encode the same N functions from the standard library at max length 256, batch size 32, in one
process, alternating runs; reports each one's throughput (median of the repeats), the ratios against
sentence-transformers and against our float32, and the per-row cosine agreement. Then the retrieval cost of
the default precision and of int8 (`rag.index --quantize int8`): docstring→code MRR on the stdlib test split
(70/10/20 by file, seed 42, whole pool, the stdlib's tests left out), questions and code both embedded in
float32, in the default precision, and in int8 (code; float32 questions). Needs the test extra (sentence-transformers).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import sysconfig
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as `python bench/encode.py`

import numpy as np  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

from data.corpus import DEFAULT_CORPUS_EXCLUDES  # noqa: E402
from data.miner import DEFAULT_EXCLUDED_DIRS, mine_tree  # noqa: E402
from data.records import Record  # noqa: E402
from data.splits import dedup_records, split_records  # noqa: E402
from eval.metrics import positive_ranks, summarize  # noqa: E402
from retriever_finetune.encoder import Encoder  # noqa: E402
from retriever_finetune.models import ENCODERS, load_encoder  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="functions to encode")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each, alternating")
    parser.add_argument("--out", default="", help="also write the figures as JSON here")
    parser.add_argument("--skip_mrr", action="store_true", help="throughput only")
    args = parser.parse_args()

    records = mine_tree(sysconfig.get_paths()["stdlib"], languages=frozenset({"python"}), show_progress=False,
                        excluded_dirs=DEFAULT_EXCLUDED_DIRS | set(DEFAULT_CORPUS_EXCLUDES))  # as the experiments
    codes = [r.code for r in records[:: max(1, len(records) // args.n)][: args.n]]
    default = load_encoder("minilm", device="cpu", max_code_length=256, batch_size=32)
    ours = load_encoder("minilm", device="cpu", max_code_length=256, batch_size=32, precision="float32")
    int8 = load_encoder("minilm", device="cpu", max_code_length=256, batch_size=32, precision="float32")
    int8.quantize_code("int8")
    theirs = SentenceTransformer(str(ENCODERS["minilm"].location()), device="cpu")
    theirs.max_seq_length = 256
    contenders = {
        "ours_default": lambda texts: default.encode_code(texts, show_progress=False),
        "ours_float32": lambda texts: ours.encode_code(texts, show_progress=False),
        "ours_int8": lambda texts: int8.encode_code(texts, show_progress=False),
        "sentence_transformers": lambda texts: theirs.encode(texts, batch_size=32, normalize_embeddings=True,
                                                              convert_to_numpy=True),
    }
    for encode in contenders.values():
        encode(codes[:64])  # warm-up
    times: dict[str, list[float]] = {name: [] for name in contenders}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(args.repeats):
        for name, encode in contenders.items():
            start = time.perf_counter()
            vectors[name] = encode(codes)
            times[name].append(time.perf_counter() - start)
    speed = {name: len(codes) / statistics.median(runs) for name, runs in times.items()}
    result = {
        "functions": len(codes),
        "default_precision": default.precision.describe(),
        "functions_per_s": speed,
        "default_vs_sentence_transformers": speed["ours_default"] / speed["sentence_transformers"],
        "default_vs_float32": speed["ours_default"] / speed["ours_float32"],
        "min_cosine_default_vs_float32": float((vectors["ours_default"] * vectors["ours_float32"]).sum(axis=1).min()),
        "float32_vs_sentence_transformers": speed["ours_float32"] / speed["sentence_transformers"],
        "int8_vs_float32": speed["ours_int8"] / speed["ours_float32"],
        "int8_vs_sentence_transformers": speed["ours_int8"] / speed["sentence_transformers"],
        "min_cosine_float32_vs_sentence_transformers": float(
            (vectors["ours_float32"] * vectors["sentence_transformers"]).sum(axis=1).min()),
        "min_cosine_int8_vs_float32": float((vectors["ours_int8"] * vectors["ours_float32"]).sum(axis=1).min()),
    }
    if not args.skip_mrr:
        result["mrr"] = mrr_change(records, ours, default, int8)
    print(json.dumps(result, indent=2))  # noqa: T201
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=2)
    assert all(np.isfinite(v).all() for v in vectors.values())


def mrr_change(records: list[Record], ours: Encoder, default: Encoder, int8: Encoder) -> dict[str, float]:
    """Docstring→code MRR on the stdlib test split: float32, the default precision (both sides), int8 code."""
    test = split_records(dedup_records(records)[0], (0.7, 0.1, 0.2), seed=42)["test"]
    answers = np.arange(len(test))
    scores = {}
    for name, query_encoder, code_encoder in (("float32", ours, ours), ("default", default, default),
                                              ("int8", ours, int8)):
        queries = query_encoder.encode_queries([r.docstring for r in test], show_progress=False)
        codes = code_encoder.encode_code([r.code for r in test], show_progress=False)
        scores[name] = summarize(positive_ranks(queries @ codes.T, answers))["mrr"]
    return {"queries": len(test), **scores, "default_minus_float32": scores["default"] - scores["float32"],
            "int8_minus_float32": scores["int8"] - scores["float32"]}


if __name__ == "__main__":
    main()

"""Benchmark: bf16 weights against bf16 autocast and float32, for the two phases that use a bf16 copy of the
weights on a CPU with AMX: encoding code batches (MiniLM) and reranker scoring (the packaged Gemma).

    python bench/bf16_weights.py [--n 1536]

Encoding: N stdlib functions (seeded sample), one pass each in float32, under autocast, and from the bf16 copy
(`Encoder.bf16_model`), with each one's minimum cosine to float32. Rerank: 20 stdlib functions scored for three
questions (median seconds) in float32, from the bf16 copy (`HuggingFaceGenerator.bf16_model`) and under
autocast, with the largest score difference to float32. All in one process, one run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from data.corpus import DEFAULT_CORPUS_EXCLUDES, default_corpus, mine_corpus  # noqa: E402
from data.documents import document_text  # noqa: E402
from rag.generation import HuggingFaceGenerator, load_generator  # noqa: E402
from rag.rerank import QueryLikelihoodReranker  # noqa: E402
from rag.store import Source  # noqa: E402
from retriever_finetune.models import load_retriever  # noqa: E402
from retriever_finetune.precision import FLOAT32  # noqa: E402
from retriever_finetune.spec import parse_retriever  # noqa: E402

QUESTIONS = ("how to parse json", "read a file line by line", "compute md5 of a string")


def timed(run):  # noqa: ANN001, ANN201
    start = time.perf_counter()
    result = run()
    return result, time.perf_counter() - start


def encoding(records: list, n: int) -> dict:
    texts = [document_text(r, "docstring+code") for r in random.Random(0).sample(records, min(n, len(records)))]
    encoder = load_retriever(parse_retriever("minilm"), precision="auto")
    policy = encoder.precision
    bf16_weights, bf16_s = timed(lambda: encoder.encode_code(texts, show_progress=False))
    # the float32 model passed explicitly: the policy's bf16 autocast around it, every weight cast at every call
    autocast, autocast_s = timed(lambda: encoder.encode(texts, max_length=encoder.max_code_length, model=encoder.model,
                                                        code_side=True, show_progress=False))
    encoder.precision = FLOAT32
    float32, float32_s = timed(lambda: encoder.encode_code(texts, show_progress=False))
    encoder.precision = policy
    return {"functions": len(texts), "float32_s": float32_s, "autocast_s": autocast_s, "bf16_weights_s": bf16_s,
            "min_cosine_autocast": float((autocast * float32).sum(1).min()),
            "min_cosine_bf16_weights": float((bf16_weights * float32).sum(1).min())}


def reranking(records: list) -> dict:
    sources = [Source(id=str(i), repo=r.repo, path=r.path, func_name=r.func_name, language=r.language, start_line=1,
                      url="", code=r.code, docstring=r.docstring, score=0.5) for i, r in enumerate(records[:200:10])]
    gemma = load_generator("gemma")
    result, scores = {}, {}
    for label, precision in (("float32", "float32"), ("bf16_weights", "auto"), ("autocast", "float32")):
        generator = HuggingFaceGenerator(gemma.name, gemma.model, gemma.tokenizer, instruction_tuned=False,
                                         precision=precision)
        reranker = QueryLikelihoodReranker(generator)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=label == "autocast"):
            reranker.score(QUESTIONS[0], sources)  # warm-up (and the bf16 copy made)
            times = [timed(lambda q=q, r=reranker: r.score(q, sources))[1] for q in QUESTIONS]
            scores[label] = np.array(reranker.score(QUESTIONS[0], sources))
        result[f"{label}_s"] = statistics.median(times)
    for label in ("bf16_weights", "autocast"):
        result[f"max_score_difference_{label}"] = float(np.abs(scores[label] - scores["float32"]).max())
    result["candidates"] = len(sources)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1536, help="functions to encode")
    args = parser.parse_args()
    records = mine_corpus(default_corpus(), exclude=DEFAULT_CORPUS_EXCLUDES)
    print(json.dumps({"encoding": encoding(records, args.n), "rerank": reranking(records)}, indent=2))  # noqa: T201


if __name__ == "__main__":
    main()

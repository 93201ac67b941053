"""Benchmark: the names' likelihood (`rag.rerank.QueryLikelihoodReranker.name_scores`) on a shared prompt against
whole rows, the computation it replaced, on the same candidates in the same run.

    python bench/name_scoring.py [--questions 8] [--out FILE.json]

Opens the default pipeline as `rag.ask` does (the standard-library index, hybrid first stage, the Gemma rerank; no
generator), takes the first stage's candidates for each how-to dev question, and scores their names twice, each
time with nothing remembered: once as the product does (the prompt once, its KV cache shared, the LM head once
per distinct beginning of a name) and once on whole rows (the fallback `_mean_log_probs`, which the rerank used
before). Reports the median seconds of each, their ratio and the largest difference between their scores.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tqdm.auto import tqdm  # noqa: E402

from eval.howto import HOWTO_QUERIES  # noqa: E402
from rag.opening import OpenedModels  # noqa: E402
from rag.options import AnswerOptions  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=8)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    _, retriever = OpenedModels().open(AnswerOptions(generator="none"))
    reranker = retriever.reranker
    questions = [q["question"] for q in json.loads(HOWTO_QUERIES.read_text()) if q["set"] == "dev"][: args.questions]
    reranker.name_scores(questions[0], retriever.search(questions[0], reranker.candidates))  # warm, and the check
    seconds: dict[str, list[float]] = {"shared prompt": [], "whole rows": []}
    largest = 0.0
    for question in tqdm(questions, unit="question"):
        candidates = retriever.search(question, reranker.candidates)
        scores = {}
        for label, plain in (("shared prompt", True), ("whole rows", False)):
            reranker._head_is_plain = plain  # noqa: SLF001  # False: the whole-row computation
            reranker._scores.clear()  # noqa: SLF001  # a new question: nothing remembered
            started = time.perf_counter()
            scores[label] = reranker.name_scores(question, candidates)
            seconds[label].append(time.perf_counter() - started)
        largest = max([largest, *(abs(a - b) for a, b in zip(*scores.values(), strict=True) if a is not None)])
    medians = {label: statistics.median(values) for label, values in seconds.items()}
    report = {"questions": len(questions), "candidates": reranker.candidates, "median_s": medians,
              "ratio_shared_to_whole": medians["shared prompt"] / medians["whole rows"],
              "largest_score_difference": largest, "seconds": seconds}
    print(json.dumps({k: v for k, v in report.items() if k != "seconds"}, indent=1))  # noqa: T201
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

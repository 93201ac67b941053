"""Benchmark (issue 46, a lever tried): the rerank's fusion weight and candidate count tuned for precision at 1.

    python bench/fusion_sweep.py [--retriever base] [--fusions 0.3 0.5 0.7 0.9] [--candidates 10 20] [--out FILE.json]

Opens the default pipeline as `rag.ask` does (the standard-library index, hybrid first stage, the Gemma rerank;
no generator), then answers the how-to questions once per (candidates, fusion weight): precision at 1 and hit@5
per set. The LM's scores are remembered by their exact tokens, so each setting after the first costs little.
Today's setting (`rag.options.DEFAULT_CANDIDATES`, `DEFAULT_FUSION_WEIGHT`) is among the rows, measured in the same
run. Choose on `dev` only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tqdm.auto import tqdm  # noqa: E402

from eval.howto import HOWTO_QUERIES, first_source_table  # noqa: E402
from rag.opening import OpenedModels  # noqa: E402
from rag.options import DEFAULT_CANDIDATES, DEFAULT_FUSION_WEIGHT, AnswerOptions  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--retriever", default="base")
    parser.add_argument("--fusions", type=float, nargs="+", default=[0.3, DEFAULT_FUSION_WEIGHT, 0.7, 0.9])
    parser.add_argument("--candidates", type=int, nargs="+", default=[10, DEFAULT_CANDIDATES])
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    _, retriever = OpenedModels().open(AnswerOptions(retriever=args.retriever, generator="none"))
    questions = json.loads(HOWTO_QUERIES.read_text())
    rows = []
    for candidates in args.candidates:
        for fusion in args.fusions:
            retriever.reranker.candidates, retriever.reranker.fusion_weight = candidates, fusion
            for item in tqdm(questions, desc=f"{candidates} candidates, fusion {fusion}", unit="question"):
                hits = [f"{s.path}:{s.func_name}" in item["answers"] for s in retriever.retrieve(item["question"], 5)]
                rows.append({"candidates": candidates, "fusion": fusion, "set": item["set"],
                             "question": item["question"], "p@1": bool(hits and hits[0]), "hit@5": any(hits)})
    lines = first_source_table(rows, ["candidates", "fusion"])
    if args.out:
        Path(args.out).write_text(json.dumps({"rows": rows, "args": vars(args)}, indent=1), encoding="utf-8")
    print("\n".join(lines))  # noqa: T201


if __name__ == "__main__":
    main()

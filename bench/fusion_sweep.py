"""Benchmark (issue 46): the rerank's settings tuned for precision at 1: its candidate count, the fusion weight
of the LM's score, and the weight of the LM's likelihood of each name as the answer (`--rerank_name`).

    python bench/fusion_sweep.py [--retriever base] [--candidates 10 20] [--fusions 0.3 0.5 0.7 0.9] [--names 0.5]
        [--out FILE.json]

    python bench/fusion_sweep.py --candidates 20 --fusions 0.5 --names 0 0.2 0.33 0.5 0.67   # the names' weight

Opens the default pipeline as `rag.ask` does (the standard-library index, hybrid first stage, the Gemma rerank;
no generator), then answers the how-to questions once per (candidates, fusion weight, name weight): precision at
1 and hit@5 per set. The LM's scores are remembered by their exact tokens, so each setting after the first costs
little. Today's setting (`rag.options.DEFAULT_CANDIDATES`, `DEFAULT_FUSION_WEIGHT`, `DEFAULT_NAME_WEIGHT`) is
among the rows, measured in the same run. Choose on `dev` only.
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

from eval.howto import HOWTO_QUERIES, expected_sources, first_source_table  # noqa: E402
from rag.opening import OpenedModels  # noqa: E402
from rag.options import DEFAULT_CANDIDATES, DEFAULT_FUSION_WEIGHT, DEFAULT_NAME_WEIGHT, AnswerOptions  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--retriever", default="base")
    parser.add_argument("--fusions", type=float, nargs="+", default=[0.3, DEFAULT_FUSION_WEIGHT, 0.7, 0.9])
    parser.add_argument("--candidates", type=int, nargs="+", default=[10, DEFAULT_CANDIDATES])
    parser.add_argument("--names", type=float, nargs="+", default=[DEFAULT_NAME_WEIGHT],
                        help="weights of the LM's likelihood of each name as the answer (0: not asked)")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    _, retriever = OpenedModels().open(AnswerOptions(retriever=args.retriever, generator="none"))
    questions = json.loads(HOWTO_QUERIES.read_text())
    rows = []
    settings = [(c, f, n) for c in args.candidates for f in args.fusions for n in args.names]
    for candidates, fusion, names in settings:
        reranker = retriever.reranker
        reranker.candidates, reranker.fusion_weight, reranker.name_weight = candidates, fusion, names
        for item in tqdm(questions, desc=f"{candidates} candidates, fusion {fusion}, names {names}", unit="question"):
            expected = expected_sources(item["answers"])
            hits = [f"{s.path}:{s.func_name}" in expected for s in retriever.retrieve(item["question"], 5)]
            rows.append({"candidates": candidates, "fusion": fusion, "names": names, "set": item["set"],
                         "question": item["question"], "p@1": bool(hits and hits[0]), "hit@5": any(hits)})
    lines = first_source_table(rows, ["candidates", "fusion", "names"])
    if args.out:
        Path(args.out).write_text(json.dumps({"rows": rows, "args": vars(args)}, indent=1), encoding="utf-8")
    print("\n".join(lines))  # noqa: T201


if __name__ == "__main__":
    main()

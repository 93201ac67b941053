"""Benchmark (issue 46, the lever kept): how likely the LM finds each candidate's name as the answer, for
precision at 1, swept over its weight.

    python bench/name_likelihood.py [--retriever base] [--weights 0 0.2 0.33 0.5 0.67] [--out FILE.json]

The reranker scores log P(question | passage). `rag.rerank.QueryLikelihoodReranker.name_scores` adds the other
direction, the name a user would be told to use: the mean log-probability of the candidate's qualified name and
its closing backtick after ``{Language}. To {question}, use ``` (`prompts/rerank_name.txt`) under the same
packaged Gemma. A base LM has read the standard library's callers, so the name carries how often code uses it, as
the issue's reference graph would, and the words of a name (`getLevelNamesMapping`) meet the question's. Opens the
default pipeline as `rag.ask` does (standard-library index, hybrid first stage, the fused Gemma rerank over 20
candidates; no generator) with the name's weight at 0, then orders each question's 20 candidates by
``(1 - weight) * z(fused) + weight * z(name)`` (z over the candidates; what `--rerank_name` does); weight 0 is the
order without names, in the same run. Precision at 1 and hit@5 per set; choose on `dev`.
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
from rag.options import AnswerOptions  # noqa: E402
from rag.search.lexical import fused_order  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--retriever", default="base")
    parser.add_argument("--weights", type=float, nargs="+", default=[0, 0.2, 0.33, 0.5, 0.67])
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    _, retriever = OpenedModels().open(AnswerOptions(retriever=args.retriever, generator="none", rerank_name=0.0))
    reranker = retriever.reranker
    questions = json.loads(HOWTO_QUERIES.read_text())
    rows = []
    for item in tqdm(questions, desc="questions", unit="question"):
        candidates = retriever.retrieve(item["question"], reranker.candidates)  # every one, by the rerank's fusion
        names = reranker.name_scores(item["question"], candidates)
        known = [n for n in names if n is not None]
        named = [sum(known) / len(known) if n is None else n for n in names]
        for weight in args.weights:
            order = fused_order([s.order_score for s in candidates], named, weight)[0][:5]
            hits = [f"{candidates[i].path}:{candidates[i].func_name}" in item["answers"] for i in order]
            rows.append({"weight": weight, "set": item["set"], "question": item["question"],
                         "first": f"{candidates[order[0]].path}:{candidates[order[0]].func_name}",
                         "p@1": bool(hits and hits[0]), "hit@5": any(hits)})
    lines = first_source_table(rows, ["weight"])
    if args.out:
        Path(args.out).write_text(json.dumps({"rows": rows, "args": vars(args)}, indent=1), encoding="utf-8")
    print("\n".join(lines))  # noqa: T201


if __name__ == "__main__":
    main()

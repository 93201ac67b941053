"""Benchmark: realistic "how do I…" questions against the standard library, per document format.

    python bench/howto_retrieval.py [--retrievers base,runs/lora] [--out FILE.json]

CodeSearchNet-style MRR uses docstrings as queries; users ask questions instead. This script mines this
interpreter's standard library as `rag.ask` does (tests excluded), embeds every function once per
document format (`rag.store.DOCUMENT_FORMATS`) and retriever, and ranks the functions for each question in
`bench/howto_queries.json` (hand-written, each with the functions that answer it as `path:func_name`).
Reports MRR and hit@5 per (retriever, format) and the ratio to `code` (the CodeSearchNet format) measured
in the same run. Exact search over all functions; questions whose answers this Python lacks are skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from eval.metrics import mrr, recall_at_k  # noqa: E402
from rag.indexing import DEFAULT_CORPUS_EXCLUDES, default_corpus, mine_corpus  # noqa: E402
from rag.store import DOCUMENT_FORMATS, document_text  # noqa: E402
from retriever_finetune.models import load_retriever, resolve_retriever_spec  # noqa: E402

QUERIES = Path(__file__).with_name("howto_queries.json")


def first_relevant_rank(scores: np.ndarray, relevant: list[int]) -> int:
    """1-based rank of the best-scored relevant function; ties count against it."""
    best = scores[relevant].max()
    others = np.ones(len(scores), dtype=bool)
    others[relevant] = False
    return int((scores[others] >= best).sum()) + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--retrievers", default="base", help="comma-separated: base, run names or run folders")
    parser.add_argument("--out", default="", help="also write the figures as JSON here")
    args = parser.parse_args()

    records = mine_corpus(default_corpus(), exclude=DEFAULT_CORPUS_EXCLUDES, languages=["python"])
    position = {f"{r.path}:{r.func_name}": i for i, r in enumerate(records)}
    questions, relevant, skipped = [], [], []
    for item in json.loads(QUERIES.read_text()):
        found = [position[a] for a in item["answers"] if a in position]
        if found:
            questions.append(item["question"])
            relevant.append(found)
        else:
            skipped.append(item["question"])
    result: dict[str, object] = {"functions": len(records), "questions": len(questions), "skipped": skipped,
                                 "retrievers": {}}
    for name in args.retrievers.split(","):
        encoder = load_retriever(resolve_retriever_spec(name.strip()))
        query_vectors = encoder.encode_queries(questions, show_progress=False)
        rows = {}
        for document in DOCUMENT_FORMATS:
            code_vectors = encoder.encode_code([document_text(r, document) for r in records])
            scores = query_vectors @ code_vectors.T
            ranks = np.array([first_relevant_rank(s, rel) for s, rel in zip(scores, relevant, strict=True)])
            rows[document] = {"mrr": mrr(ranks), "hit@5": recall_at_k(ranks, 5),
                              "ranks": dict(zip(questions, ranks.tolist(), strict=True))}
        for row in rows.values():
            row["mrr_vs_code"] = row["mrr"] / rows["code"]["mrr"]
            row["hit@5_vs_code"] = row["hit@5"] / rows["code"]["hit@5"]
        result["retrievers"][name] = rows  # type: ignore[index]
    summary = {name: {d: {k: v for k, v in row.items() if k != "ranks"} for d, row in rows.items()}
               for name, rows in result["retrievers"].items()}  # type: ignore[union-attr]
    print(json.dumps({**{k: v for k, v in result.items() if k != "retrievers"}, "summary": summary}, indent=2))  # noqa: T201
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

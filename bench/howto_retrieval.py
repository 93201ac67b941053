"""Benchmark: realistic "how do I…" questions against the standard library, per document format, with and
without the reranker.

    python bench/howto_retrieval.py [--retrievers base runs/lora] [--rerank gemma] [--precision auto|float32]
        [--documents docstring+code] [--out FILE.json]

CodeSearchNet-style MRR uses docstrings as queries; users ask questions instead. This script mines this
interpreter's standard library as `rag.ask` does (tests excluded), embeds every function once per
document format (`data.documents.DOCUMENT_FORMATS`) and retriever, and ranks the functions for each question in
`eval/howto_queries.json` (hand-written, each with the functions that answer it as `path:func_name`).
With --rerank, the default format's top --rerank_candidates are also reordered by `rag.rerank`, as
`rag.ask` does; a relevant function outside the candidates keeps its dense rank.

The questions come in two sets. `dev` (29) was used while choosing the document format and the reranker;
`heldout` (35) was written after the reranker's settings (20 candidates, 128 passage tokens, the prompt in
`prompts/rerank.txt`) were fixed, and has not been used to change them. Figures are per set, with ratios
against `code` (the CodeSearchNet format) and, for reranked rows, against the same format unreranked,
all measured in the same run. Exact search over all functions; questions whose answers this Python lacks
are skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

from data.corpus import DEFAULT_CORPUS_EXCLUDES, default_corpus, mine_corpus  # noqa: E402
from data.documents import DEFAULT_DOCUMENT, DOCUMENT_FORMATS, document_text  # noqa: E402
from eval.howto import first_relevant_rank, load_howto  # noqa: E402
from eval.metrics import mrr, recall_at_k  # noqa: E402
from rag.options import DEFAULT_CANDIDATES, GeneratorOptions  # noqa: E402
from rag.rerank import load_reranker  # noqa: E402
from rag.store import Source  # noqa: E402
from retriever_finetune.models import load_retriever  # noqa: E402
from retriever_finetune.precision_choice import HELP as PRECISION_HELP  # noqa: E402
from retriever_finetune.precision_choice import PRECISIONS  # noqa: E402
from retriever_finetune.spec import parse_retriever  # noqa: E402


def reranked_rank(question: str, scores: np.ndarray, relevant: list[int], dense_rank: int, records: list,
                  reranker) -> int:  # noqa: ANN001
    """Rank of the best relevant function after reranking the top candidates (dense rank if none is among them)."""
    top = np.argsort(-scores, kind="stable")[: reranker.candidates]
    if not set(relevant) & set(top.tolist()):
        return dense_rank
    candidates = [Source.from_record(records[i], float(scores[i])) for i in top]
    position_of = {c.id: int(i) for c, i in zip(candidates, top, strict=True)}
    order = [position_of[s.id] for s in reranker.rerank(question, candidates, len(candidates))]
    return min(rank for rank, i in enumerate(order, start=1) if i in relevant)


def summarise(ranks: np.ndarray, sets: np.ndarray) -> dict[str, dict[str, float]]:
    """MRR and hit@5 per question set."""
    return {name: {"mrr": mrr(ranks[sets == name]), "hit@5": recall_at_k(ranks[sets == name], 5),
                   "questions": int((sets == name).sum())} for name in sorted(set(sets.tolist()))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--retrievers", nargs="+", default=["base"], help="retrievers separated by spaces: base, run names or run folders")
    parser.add_argument("--rerank", default="none", help="reranker for the default format: gemma, hf:NAME, none")
    parser.add_argument("--rerank_candidates", type=int, default=DEFAULT_CANDIDATES)
    parser.add_argument("--precision", default="auto", choices=list(PRECISIONS), help=PRECISION_HELP)
    parser.add_argument("--documents", default=",".join(DOCUMENT_FORMATS), help="document formats to embed")
    parser.add_argument("--out", default="", help="also write the figures (and every rank) as JSON here")
    args = parser.parse_args()

    records = mine_corpus(default_corpus(), exclude=DEFAULT_CORPUS_EXCLUDES, languages=["python"])
    howto = load_howto(records)
    questions, relevant, sets, skipped = howto.questions, howto.relevant, howto.sets, howto.skipped
    sets_array = np.array(sets)
    reranker = load_reranker(args.rerank, GeneratorOptions(precision=args.precision), candidates=args.rerank_candidates)
    result: dict[str, object] = {"functions": len(records), "skipped": skipped, "rerank": args.rerank,
                                 "rerank_candidates": args.rerank_candidates, "rows": {}, "ranks": {}}
    rows: dict[str, dict] = result["rows"]  # type: ignore[assignment]
    for name in args.retrievers:
        encoder = load_retriever(parse_retriever(name.strip()), precision=args.precision)
        query_vectors = encoder.encode_queries(questions, show_progress=False)
        for document in args.documents.split(","):
            code_vectors = encoder.encode_code([document_text(r, document) for r in records])
            scores = query_vectors @ code_vectors.T
            ranks = np.array([first_relevant_rank(s, rel) for s, rel in zip(scores, relevant, strict=True)])
            rows[f"{name} | {document}"] = summarise(ranks, sets_array)
            result["ranks"][f"{name} | {document}"] = ranks.tolist()  # type: ignore[index]
            if reranker is not None and document == DEFAULT_DOCUMENT:
                started = time.perf_counter()
                reranked = np.array([reranked_rank(q, s, rel, r, records, reranker) for q, s, rel, r in
                                     tqdm(list(zip(questions, scores, relevant, ranks, strict=True)), desc="rerank")])
                key = f"{name} | {document} + rerank {args.rerank}"
                rows[key] = summarise(reranked, sets_array)
                rows[key]["seconds_per_question"] = (time.perf_counter() - started) / len(questions)  # type: ignore[assignment]
                result["ranks"][key] = reranked.tolist()  # type: ignore[index]
        for key, row in rows.items():
            if not key.startswith(f"{name} |"):
                continue
            against = f"{name} | code" if "rerank" not in key else f"{name} | {DEFAULT_DOCUMENT}"
            if against not in rows:
                continue
            for set_name, figures in row.items():
                if set_name in sets:
                    figures["mrr_ratio"] = figures["mrr"] / rows[against][set_name]["mrr"]
                    figures["against"] = against
    result["questions"] = questions
    print(json.dumps({k: v for k, v in result.items() if k not in ("ranks", "questions")}, indent=2))  # noqa: T201
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

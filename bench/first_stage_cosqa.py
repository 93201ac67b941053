"""Benchmark: the product's first stage (`rag.search.Retriever`) on real web queries (CoSQA dev, its code base
protocol), this checkout against a reference commit, in the same run.

    python bench/first_stage_cosqa.py --cosqa ../shared/data/cosqa [--reference 09898e8] [--weights 0,0.1]
        [--rerank gemma] [--limit 100]

Each checkout indexes CoSQA's 6,267 snippets with frozen MiniLM into its own Chroma folder (as `rag.index` embeds
a function) and answers the 500 dev queries through its own `Retriever` at each lexical weight (0: dense, 0.1:
the default hybrid), with --rerank behind that reranker (as `rag.ask`'s default pipeline; --limit: the first N
queries, the LM being slow on 2 cores). Reports MRR@10, R@1 and R@10 per checkout, the share of queries whose top 10 ids are identical,
and the median milliseconds per query with their ratio to the reference. The reference runs from a `git
worktree` of `--reference`, in a process of its own; both use the constructor both versions share
(`Retriever(encoder, index, lexical_weight=...)`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def answer_queries(cosqa: Path, weights: list[float], persist: str, rerank: str = "none", limit: int = 0) -> dict:
    """Run in the checkout on `sys.path`: the top 10 ids per query and weight, and seconds per query."""
    from data.codebase import load_cosqa
    from eval.experiments.question_retrieval import COSQA_CODE_BASE, COSQA_QUERIES, cosqa_records
    from rag.options import GeneratorOptions, StoreOptions
    from rag.rerank import load_reranker
    from rag.search import Retriever
    from rag.store import open_index
    from retriever_finetune.models import load_retriever
    from retriever_finetune.spec import parse_retriever

    code_base = load_cosqa(cosqa / COSQA_QUERIES, cosqa / COSQA_CODE_BASE)
    records = cosqa_records(code_base)
    spec = parse_retriever("base")
    encoder = load_retriever(spec)
    index = open_index(["cosqa"], spec, StoreOptions(persist))
    index.sync(records, encoder)
    reranker = None if rerank == "none" else load_reranker(rerank, GeneratorOptions())
    queries = code_base.queries[:limit] if limit else code_base.queries
    out: dict = {}
    for weight in weights:
        retriever = Retriever(encoder, index, reranker, lexical_weight=weight)
        retriever.retrieve(code_base.queries[0], 10)  # the BM25 index built outside the timings
        top, seconds = [], []
        for query in queries:
            start = time.perf_counter()
            sources = retriever.retrieve(query, 10)
            seconds.append(time.perf_counter() - start)
            top.append([s.path.removeprefix("code-") for s in sources])
        out[str(weight)] = {"top": top, "median_ms": 1000 * statistics.median(seconds)}
    out["answers"] = code_base.answers[: len(queries)]
    return out


def scores(top: list[list[str]], answers: list[str]) -> dict:
    """MRR@10, R@1 and R@10 of the top-10 lists."""
    ranks = [ids.index(answer) + 1 if answer in ids else None for ids, answer in zip(top, answers, strict=True)]
    return {"mrr@10": sum(1 / r for r in ranks if r) / len(ranks), "r@1": sum(r == 1 for r in ranks) / len(ranks),
            "r@10": sum(r is not None for r in ranks) / len(ranks)}


def run_checkout(checkout: Path, args: argparse.Namespace) -> dict:
    """The worker of one checkout, in a process whose imports come from that checkout."""
    with tempfile.TemporaryDirectory(prefix="first-stage-cosqa-") as folder:
        result = Path(folder) / "result.json"
        env = {**os.environ, "PYTHONPATH": str(checkout)}
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", "--cosqa", str(Path(args.cosqa).resolve()),
                        "--weights", args.weights, "--rerank", args.rerank, "--limit", str(args.limit),
                        "--persist", str(Path(folder) / "chroma"), "--result", str(result)],
                       cwd=checkout, env=env, check=True)
        return json.loads(result.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cosqa", required=True, help="folder with CoSQA's dev queries and code_idx_map.txt")
    parser.add_argument("--reference", default="09898e8", help="the commit to compare with (git ref)")
    parser.add_argument("--weights", default="0,0.1", help="lexical weights, comma-separated")
    parser.add_argument("--rerank", default="none", help="none (the first stage alone) or a reranker (gemma)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N queries (0: all 500)")
    parser.add_argument("--out", default="")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--persist", default="", help=argparse.SUPPRESS)
    parser.add_argument("--result", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    weights = [float(w) for w in args.weights.split(",") if w]
    if args.worker:
        Path(args.result).write_text(json.dumps(answer_queries(Path(args.cosqa), weights, args.persist, args.rerank,
                                                                args.limit)))
        return

    with tempfile.TemporaryDirectory(prefix="first-stage-reference-") as folder:
        reference_tree = Path(folder) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", str(reference_tree), args.reference], cwd=ROOT,
                       check=True, capture_output=True)
        try:
            reference = run_checkout(reference_tree, args)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(reference_tree)], cwd=ROOT, check=False)
    current = run_checkout(ROOT, args)
    answers = current["answers"]
    report: dict = {"reference": args.reference, "rerank": args.rerank, "queries": len(answers), "weights": {}}
    for weight in map(str, weights):
        new, old = current[weight], reference[weight]
        report["weights"][weight] = {
            "this checkout": scores(new["top"], answers), "reference": scores(old["top"], answers),
            "identical_top10_share": sum(a == b for a, b in zip(new["top"], old["top"], strict=True)) / len(answers),
            "median_ms": {"this checkout": new["median_ms"], "reference": old["median_ms"]},
            "median_ms_ratio_to_reference": new["median_ms"] / old["median_ms"]}
    print(json.dumps(report, indent=2))  # noqa: T201
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

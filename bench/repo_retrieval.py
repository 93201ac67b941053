"""Benchmark: questions a developer new to a repository asks, on real repositories in TypeScript, Rust, C, C++ and
Swift, answered by the product's search (`rag.opening.open_first_stage`, as `rag.ask --corpus` opens it).

    python bench/repo_retrieval.py [--retrievers base /path/to/embeddinggemma-300m] [--rerank none gemma]
        [--repos cJSON ky] [--out docs/results/repos/repo_retrieval.json]

The repositories are pinned snapshots under bench/data/repos/ (commits and licences in
bench/data/repos/REPOS.md; nothing is fetched at run time); the questions, each with the file and line of its
answer (a function, a class or a README/docs section), are bench/data/repo_questions.json. Each repository is
indexed whole, as a user's code base is (every language, docs and configuration), once per retriever, into
--persist (kept between runs: a first EmbeddingGemma index takes a while on 2 cores). Reports hit@5, MRR@5 and
precision at 1 per repository, per kind of answer and overall, for the first stage (hybrid search) and, with
--rerank gemma, the default pipeline (the packaged Gemma reranks the candidates), and writes the ranked sources of
every question to --out.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tqdm.auto import tqdm  # noqa: E402

from data.cache import DEFAULT_CACHE  # noqa: E402
from eval.repo_questions import answer_rank, load_repo_questions, summarise  # noqa: E402
from rag.opening import open_first_stage  # noqa: E402
from rag.options import GeneratorOptions, SearchOptions  # noqa: E402
from rag.rerank import load_reranker  # noqa: E402

HERE = Path(__file__).resolve().parent
REPOS = HERE / "data" / "repos"
QUESTIONS = HERE / "data" / "repo_questions.json"


def run(retriever: str, reranks: list[str], repos: list[str], persist: str, k: int, penalty: float | None = None) -> dict:
    """Every question of `repos` through one retriever's first stage, then each reranker: ranks and sources."""
    questions = [q for q in load_repo_questions(QUESTIONS) if q.repo in repos]
    rerankers = {name: None if name == "none" else load_reranker(name, GeneratorOptions()) for name in reranks}
    rows: dict[str, list] = {name: [] for name in reranks}
    seconds: dict[str, float] = {"index": 0.0, **{name: 0.0 for name in reranks}}
    for repo in repos:
        started = time.perf_counter()
        first_stage = open_first_stage(SearchOptions(corpus=[str(REPOS / repo)], persist=persist, retriever=retriever,
                                                     rerank="none", k=k))
        seconds["index"] += time.perf_counter() - started
        if penalty is not None:
            first_stage = first_stage.variant(test_code_penalty=penalty)
        for name, reranker in rerankers.items():
            searcher = first_stage.variant(reranker=reranker)
            for question in tqdm([q for q in questions if q.repo == repo], desc=f"{repo} ({name})", unit="question"):
                started = time.perf_counter()
                sources = searcher.retrieve(question.question, k)
                seconds[name] += time.perf_counter() - started
                rows[name].append({"question": question.question, "repo": repo, "kind": question.kind,
                                   "rank": answer_rank(sources, question.answers),
                                   "sources": [f"{s.path}:{s.start_line}-{s.end_line} {s.kind} {s.func_name}"
                                               for s in sources]})
    ordered = [q for repo in repos for q in questions if q.repo == repo]
    return {"retriever": retriever, "seconds": seconds,
            "pipelines": {name: {"summary": summarise(ordered, [r["rank"] for r in rows[name]], k), "rows": rows[name]}
                          for name in reranks}}


def markdown(results: list[dict], k: int) -> str:
    """One table: a row per retriever and pipeline, columns overall, per repository and per kind."""
    groups = sorted({g for r in results for p in r["pipelines"].values() for g in p["summary"]},
                    key=lambda g: (g != "all", not g.startswith("repo:"), g))
    header = "| retriever | pipeline | " + " | ".join(g.replace("repo:", "").replace("kind:", "") for g in groups) + " |"
    lines = [header, "|" + "---|" * (len(groups) + 2)]
    for result in results:
        for name, pipeline in result["pipelines"].items():
            cells = [f"{s[f'hit@{k}']:.2f} / {s[f'mrr@{k}']:.2f}" if (s := pipeline["summary"].get(g)) else "-"
                     for g in groups]
            label = "first stage (hybrid)" if name == "none" else f"+ {name} rerank"
            lines.append(f"| {Path(result['retriever']).name} | {label} | " + " | ".join(cells) + " |")
    counts = {g: next(p["summary"][g]["questions"] for r in results for p in r["pipelines"].values() if g in p["summary"])
              for g in groups}
    lines.append("")
    lines.append(f"Cells: hit@{k} / MRR@{k}. Questions: " + ", ".join(
        f"{g.replace('repo:', '').replace('kind:', '')} {n}" for g, n in counts.items()) + ".")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--retrievers", nargs="+", default=["base"], help="retrievers (`rag.ask --retriever`)")
    parser.add_argument("--rerank", nargs="+", default=["none", "gemma"], help="none (first stage) and/or rerankers")
    parser.add_argument("--repos", nargs="+", default=sorted(p.name for p in REPOS.iterdir() if p.is_dir()))
    parser.add_argument("--persist", default=str(DEFAULT_CACHE / "bench" / "repo_retrieval"),
                        help="Chroma folder the indexes are kept in between runs")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--out", default="", help="write the results (every question's sources) as JSON here")
    parser.add_argument("--test_code_penalty", type=float, default=None,
                        help="the first stage's test-code penalty (default: the product's)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    results = [run(retriever, args.rerank, args.repos, args.persist, args.k, args.test_code_penalty)
               for retriever in args.retrievers]
    table = markdown(results, args.k)
    print(table)  # noqa: T201
    for result in results:
        print(f"{result['retriever']}: seconds " + ", ".join(f"{n} {s:.0f}" for n, s in result["seconds"].items()))  # noqa: T201
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps({"k": args.k, "results": results, "table": table}, indent=1) + "\n",
                                  encoding="utf-8")


if __name__ == "__main__":
    main()

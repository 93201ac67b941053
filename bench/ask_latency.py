"""Benchmark: `rag.ask` on the default corpus: index build time, retrieval latency, time to first token.

    python bench/ask_latency.py [--repeats 5] [--fresh_index] [--persist DIR]

- with --fresh_index: builds the default index (standard library, MiniLM) into an empty folder and times it,
  as a first `rag.ask` does;
- retrieval latency (embed the question + Chroma HNSW query), median over questions and repeats, with
  exact brute-force search over the same vectors in numpy as the in-run reference (ratio = ours / numpy);
- reranking: the default reranker (`rag.rerank`, the packaged Gemma shared with the generator) over the
  index's top 20, median seconds per question;
- time to the first generated answer token, median: from the retrieved sources (generation alone), and from
  the question (search + rerank + generation, what a user waits) with the no-rerank pipeline as the in-run
  reference; and the whole answer from the question (search + rerank + the full answer), median;
- cold CLI: wall time from starting `python -m rag.ask` to its first byte on stdout (index reused), median.
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

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from rag.chain import Retriever, prompt_style, stream_answer  # noqa: E402
from rag.generate import DEFAULT_CACHE, load_generator  # noqa: E402
from rag.indexing import DEFAULT_CORPUS_EXCLUDES, StoreOptions, build_index, default_corpus, open_index  # noqa: E402
from rag.rerank import load_reranker  # noqa: E402
from retriever_finetune.models import load_retriever, resolve_retriever_spec  # noqa: E402

QUESTIONS = ["how to parse json", "read a file line by line", "compute the md5 hash of a string",
             "split a path into directory and file name", "parse command line arguments"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--persist", default=str(DEFAULT_CACHE / "chroma"))
    parser.add_argument("--fresh_index", action="store_true", help="time a first build into an empty folder")
    parser.add_argument("--cli_runs", type=int, default=3)
    args = parser.parse_args()
    result: dict[str, object] = {}

    spec = resolve_retriever_spec("base")
    encoder = load_retriever(spec)
    corpus = default_corpus()
    persist = tempfile.mkdtemp(prefix="ask-bench-") if args.fresh_index else args.persist
    store = StoreOptions(persist)
    if args.fresh_index:
        start = time.perf_counter()
        stats = build_index(corpus, spec, encoder, store, exclude=DEFAULT_CORPUS_EXCLUDES)
        result["index_build_s"] = time.perf_counter() - start
        result["indexed_functions"] = stats.total
    index = open_index(corpus, spec, store, create=False)
    retriever = Retriever(encoder, index, lexical_weight=0)  # the ANN search alone, against exact search

    everything = index.collection.get(include=["embeddings"])
    ids, matrix = everything["ids"], np.asarray(everything["embeddings"], dtype=np.float32)
    ours, brute, overlap = [], [], []
    for _ in range(args.repeats):
        for question in QUESTIONS:
            start = time.perf_counter()
            sources = retriever.retrieve(question, 5)
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            vector = encoder.encode_queries([question], show_progress=False)[0]
            exact = [ids[i] for i in np.argsort(-(matrix @ vector))[:5]]
            brute.append(time.perf_counter() - start)
            overlap.append(len({s.id for s in sources} & set(exact)) / 5)
    result["retrieval_median_ms"] = 1000 * statistics.median(ours)
    result["numpy_exact_median_ms"] = 1000 * statistics.median(brute)
    result["retrieval_ratio_vs_numpy"] = result["retrieval_median_ms"] / result["numpy_exact_median_ms"]
    result["recall_at_5_vs_exact"] = float(np.mean(overlap))

    generator = load_generator("gemma")
    reranker = load_reranker("gemma", reuse=generator)

    def first_generated(question: str, sources: list, max_new_tokens: int = 8) -> None:
        """Read the answer up to its first generated piece (a base model's answer starts with given words)."""
        pieces = iter(stream_answer(question, sources, generator, max_new_tokens=max_new_tokens))
        if next(pieces) == prompt_style(generator).start(sources).lstrip():
            next(pieces, None)

    reranked = Retriever(encoder, index, reranker)
    after_sources, rerank, from_question, from_question_plain, whole = [], [], [], [], []
    for question in QUESTIONS[: args.repeats]:
        sources = retriever.retrieve(question, 5)
        start = time.perf_counter()
        first_generated(question, sources)
        after_sources.append(time.perf_counter() - start)
        start = time.perf_counter()
        for _ in stream_answer(question, reranked.retrieve(question, 5), generator):  # what rag.ask does
            pass
        whole.append(time.perf_counter() - start)
        candidates = retriever.retrieve(question, reranker.candidates)
        start = time.perf_counter()
        reranker.rerank(question, candidates, 5)
        rerank.append(time.perf_counter() - start)
        for pipeline, times in ((reranked, from_question), (retriever, from_question_plain)):
            start = time.perf_counter()
            first_generated(question, pipeline.retrieve(question, 5))
            times.append(time.perf_counter() - start)
    result["time_to_first_token_median_s"] = statistics.median(after_sources)
    result["rerank_median_s"] = statistics.median(rerank)
    result["question_to_whole_answer_median_s"] = statistics.median(whole)
    result["question_to_first_token_median_s"] = statistics.median(from_question)
    result["question_to_first_token_no_rerank_median_s"] = statistics.median(from_question_plain)
    result["rerank_slowdown_ratio"] = (result["question_to_first_token_median_s"]
                                       / result["question_to_first_token_no_rerank_median_s"])

    cold = []
    for _ in range(args.cli_runs):
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "rag.ask", "how to parse json", "--persist", persist,
                                    "--quiet", "--max_new_tokens", "16"], stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL)
        process.stdout.read(1)  # type: ignore[union-attr]
        cold.append(time.perf_counter() - start)
        process.communicate()
    result["cli_first_byte_median_s"] = statistics.median(cold)
    print(json.dumps(result, indent=2))  # noqa: T201


if __name__ == "__main__":
    main()

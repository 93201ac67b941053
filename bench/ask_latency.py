"""Benchmark: `rag.ask` on the default corpus, phase by phase, in float32 and in the chosen precision.

    python bench/ask_latency.py [--repeats 5] [--fresh_index] [--persist DIR] [--precisions float32,auto]

Each phase is timed once per precision in the same run (`--precisions`; `auto` is bf16 where the hardware
has it natively and it measured faster, see `rag.generation.precision`), and reported with its ratio to
float32: index build (with --fresh_index: the default index built into an empty folder, as a first `rag.ask`
does), question encoding, search (hybrid, as `rag.ask`), rerank of 20 candidates, prefill of one answer
prompt, decode tokens per second, and the whole answer from the question. Then, in the last precision given:
- retrieval latency of the ANN search alone (embed the question + Chroma HNSW query), median, with exact
  brute-force search over the same vectors in numpy as the in-run reference (ratio = ours / numpy);
- time to the first generated answer token from the question, with and without the reranker, median;
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
import torch  # noqa: E402

from data.cache import DEFAULT_CACHE  # noqa: E402
from rag.answer import answer_question, stream_answer  # noqa: E402
from rag.generation import HuggingFaceGenerator, load_generator  # noqa: E402
from rag.opening import open_first_stage  # noqa: E402
from rag.options import MAX_CONTEXT_TOKENS, MAX_NEW_TOKENS, SearchOptions  # noqa: E402
from rag.prompts import prepare_answer, prompt_style  # noqa: E402
from rag.rerank import load_reranker  # noqa: E402

QUESTIONS = ["how to parse json", "read a file line by line", "compute the md5 hash of a string",
             "split a path into directory and file name", "parse command line arguments"]


def median_s(run, inputs, repeats: int = 1) -> float:  # noqa: ANN001
    """Median seconds of `run(x)` over the inputs (each `repeats` times)."""
    times = []
    for _ in range(repeats):
        for x in inputs:
            start = time.perf_counter()
            run(x)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def phases(precision: str, spec: str, persist: str, fresh: bool, gemma: HuggingFaceGenerator,
           repeats: int) -> dict[str, float]:
    """Every phase of an answer, timed in one precision."""
    out: dict[str, float] = {}
    options = SearchOptions(retriever=spec, rerank="none", precision=precision,
                            persist=tempfile.mkdtemp(prefix=f"ask-bench-{precision}-") if fresh else persist)
    start = time.perf_counter()
    search = open_first_stage(options)  # hybrid, as rag.ask; the index built into an empty folder with --fresh_index
    if fresh:
        out["index_build_s"] = time.perf_counter() - start  # with the encoder's load
    encoder = search.encoders.encoder_for(None)
    generator = HuggingFaceGenerator(gemma.name, gemma.model, gemma.tokenizer, instruction_tuned=False,
                                     precision=precision)
    reranker = load_reranker("gemma", reuse=generator)
    reranked = search.variant(reranker=reranker)  # the generator's model loaded once per precision
    search.retrieve(QUESTIONS[0], 5)  # BM25 index and caches built outside the timings
    out["encode_question_ms"] = 1000 * median_s(lambda q: encoder.encode_queries([q], show_progress=False),
                                                QUESTIONS, repeats)
    out["search_ms"] = 1000 * median_s(lambda q: search.retrieve(q, 5), QUESTIONS, repeats)
    candidates = {q: search.retrieve(q, reranker.candidates) for q in QUESTIONS}
    out["rerank_s"] = median_s(lambda q: reranker.rerank(q, candidates[q], 5), QUESTIONS)
    prompts = [prepare_answer(q, candidates[q][:5], generator, max_new_tokens=MAX_NEW_TOKENS,
                               max_context_tokens=MAX_CONTEXT_TOKENS)[0]
               for q in QUESTIONS]

    def prefill(prompt: str) -> None:
        ids = generator.tokenizer(prompt, return_tensors="pt")["input_ids"]
        with torch.inference_mode(), generator.precision.autocast("decode"):  # a lone prompt: as `stream` runs it
            generator.model(input_ids=ids, logits_to_keep=1)

    out["prefill_one_prompt_s"] = median_s(prefill, prompts)
    decode = []
    for prompt in prompts[:3]:
        ids = generator.tokenizer(prompt, return_tensors="pt")["input_ids"]
        with torch.inference_mode(), generator.precision.autocast("decode"):
            start = time.perf_counter()
            generator.model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=1,
                                     do_sample=False)
            first = time.perf_counter() - start
            start = time.perf_counter()
            generator.model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=65,
                                     min_new_tokens=65, do_sample=False)
            decode.append(64 / (time.perf_counter() - start - first))
    out["decode_tokens_per_s"] = statistics.median(decode)

    def whole(question: str) -> None:
        answer_question(question, reranked, generator)  # what rag.ask does

    out["whole_answer_s"] = median_s(whole, QUESTIONS)
    out["bf16_phases"] = ",".join(sorted(generator.precision.bf16_phases)) or "none"  # type: ignore[assignment]
    out["persist"] = options.persist  # type: ignore[assignment]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--persist", default=str(DEFAULT_CACHE / "chroma"))
    parser.add_argument("--fresh_index", action="store_true", help="time a first build into an empty folder")
    parser.add_argument("--precisions", default="float32,auto", help="the first is the reference of the ratios")
    parser.add_argument("--cli_runs", type=int, default=3)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    result: dict[str, object] = {}

    spec = "base"
    gemma = load_generator("gemma")
    precisions = args.precisions.split(",")
    by_precision = {p: phases(p, spec, args.persist, args.fresh_index, gemma, args.repeats) for p in precisions}
    reference = by_precision[precisions[0]]
    result["phases"] = by_precision
    result["ratios_to_" + precisions[0]] = {
        p: {k: (reference[k] / v if k != "decode_tokens_per_s" else v / reference[k])
            for k, v in values.items() if isinstance(v, float)} for p, values in by_precision.items()}

    # ANN search against exact search, and the cold CLI, in the last precision given
    options = SearchOptions(retriever=spec, rerank="none", precision=precisions[-1],
                            persist=by_precision[precisions[-1]]["persist"])  # type: ignore[arg-type]
    plain = open_first_stage(options)
    retriever = plain.variant(lexical_weight=0)  # the ANN search alone, against exact search
    encoder, index = plain.encoders.encoder_for(None), plain.index
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

    generator = HuggingFaceGenerator(gemma.name, gemma.model, gemma.tokenizer, instruction_tuned=False,
                                     precision=precisions[-1])

    def first_generated(question: str, sources: list, max_new_tokens: int = 8) -> None:
        """Read the answer up to its first generated piece (a base model's answer starts with given words)."""
        pieces = iter(stream_answer(question, sources, generator, max_new_tokens=max_new_tokens))
        if next(pieces) == prompt_style(generator).start(sources).lstrip():
            next(pieces, None)

    reranked = plain.variant(reranker=load_reranker("gemma", reuse=generator))
    result["question_to_first_token_median_s"] = median_s(lambda q: first_generated(q, reranked.retrieve(q, 5)),
                                                          QUESTIONS)
    result["question_to_first_token_no_rerank_median_s"] = median_s(lambda q: first_generated(q, plain.retrieve(q, 5)),
                                                                    QUESTIONS)

    cold = []
    persist = options.persist
    for _ in range(args.cli_runs):
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "rag.ask", "how to parse json", "--persist", persist,
                                    "--quiet", "--max_new_tokens", "16", "--server", "none"], stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL)
        process.stdout.read(1)  # type: ignore[union-attr]
        cold.append(time.perf_counter() - start)
        process.communicate()
    result["cli_first_byte_median_s"] = statistics.median(cold)
    print(json.dumps(result, indent=2))  # noqa: T201
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()

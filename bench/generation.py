"""Benchmark: answers per minute of `eval.rouge` with the packaged Gemma, one at a time vs batched.

    python bench/generation.py [--n 32] [--batch_sizes 8,16] [--protocol paper|qa] [--out FILE.json]

The same N seeded questions of the standard library's test split (`eval.rouge`'s default data), the frozen
MiniLM retriever over that split's functions, in one process:
- reference: today's one-at-a-time path, each answer streamed by `HuggingFaceGenerator.stream` in float32
  (`eval.paper_protocol.paper_answer` / `rag.answer.answer_question`);
- batched: `paper_answers` / `answer_questions` with each batch size, in the chosen precision (`--precision`,
  default auto: bf16 prefill, float32 decode on a CPU with AMX).
Reports answers per minute, the ratio to the reference, the mean answer length, and for the greedy QA protocol
how many batched answers equal the one-at-a-time ones. Retrieval is inside every timing (the same for all).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval.answers import load_eval_data  # noqa: E402
from eval.paper_protocol import paper_answer, paper_answers, question_seed  # noqa: E402
from eval.rouge import RougeConfig, _pipelines, _sample, default_split  # noqa: E402
from rag.answer import answer_question, answer_questions  # noqa: E402
from rag.generation import HuggingFaceGenerator, load_generator  # noqa: E402
from rag.options import GeneratorOptions  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=32, help="questions")
    parser.add_argument("--batch_sizes", default="8,16")
    parser.add_argument("--protocol", default="paper", choices=["paper", "qa"])
    parser.add_argument("--precision", default="auto", choices=["auto", "float32", "bf16"])
    parser.add_argument("--out", default="")
    args = parser.parse_args()

    data = str(default_split("test"))
    items, records = load_eval_data(data)
    items = _sample(items, args.n, 0)
    config = RougeConfig(retriever="base", protocol=args.protocol, persist=tempfile.mkdtemp(prefix="gen-bench-"))
    (_, _, retriever), = list(_pipelines(config, data, records, None))
    reference = load_generator("gemma", GeneratorOptions(precision="float32"))
    questions = [item.question for item in items]
    seeds = [question_seed(0, item.id) for item in items]

    def one_at_a_time() -> list[str]:
        if args.protocol == "paper":
            return [paper_answer(q, retriever, reference, seed=s).text for q, s in zip(questions, seeds, strict=True)]
        return [answer_question(q, retriever, reference, k=config.k, max_new_tokens=config.max_new_tokens,
                                max_context_tokens=config.max_context_tokens, review=False).text for q in questions]

    def batched(generator: HuggingFaceGenerator, batch_size: int) -> list[str]:
        if args.protocol == "paper":
            return [a.text for a in paper_answers(questions, seeds, retriever, generator, batch_size=batch_size)]
        return [a.text for a in answer_questions(questions, retriever, generator, k=config.k,
                                                 max_new_tokens=config.max_new_tokens,
                                                 max_context_tokens=config.max_context_tokens, batch_size=batch_size)]

    chosen = HuggingFaceGenerator(reference.name, reference.model, reference.tokenizer, instruction_tuned=False,
                                  precision=args.precision)
    runs: dict[str, dict] = {}
    start = time.perf_counter()
    texts = one_at_a_time()
    seconds = time.perf_counter() - start
    runs["one at a time, float32"] = {"seconds": seconds, "answers_per_min": 60 * len(texts) / seconds,
                                      "mean_chars": sum(map(len, texts)) / len(texts)}
    baseline = texts
    for batch_size in [int(b) for b in args.batch_sizes.split(",")]:
        start = time.perf_counter()
        got = batched(chosen, batch_size)
        seconds = time.perf_counter() - start
        row = {"seconds": seconds, "answers_per_min": 60 * len(got) / seconds,
               "mean_chars": sum(map(len, got)) / len(got)}
        if args.protocol == "qa":
            row["same_as_one_at_a_time"] = sum(a == b for a, b in zip(got, baseline, strict=True))
        runs[f"batched {batch_size}, {chosen.precision.describe()}"] = row
    reference_speed = runs["one at a time, float32"]["answers_per_min"]
    for row in runs.values():
        row["ratio"] = row["answers_per_min"] / reference_speed
    result = {"protocol": args.protocol, "questions": len(items), "data": data, "runs": runs}
    print(json.dumps(result, indent=2))  # noqa: T201
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()

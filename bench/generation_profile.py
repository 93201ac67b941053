"""Profile one batch of paper-protocol answers: where batched decoding spends its time.

    python bench/generation_profile.py [--n 8] [--batch_size 8] [--top 25]

Takes N seeded questions of the standard library's test split (`eval.rouge`'s default data), retrieves with the
frozen MiniLM, and decodes them as one batch with `eval.paper_protocol.paper_answers` under cProfile; prints the
wall time, each answer's length in characters (one at the 512-token limit keeps the batch decoding alone) and
the functions by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval.answers import load_eval_data  # noqa: E402
from eval.paper_protocol import paper_answers, question_seed  # noqa: E402
from eval.rouge import RougeConfig, _pipelines, _sample, default_split  # noqa: E402
from rag.generation import load_generator  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--batch_size", type=int, default=8)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    data = str(default_split("test"))
    items, records = load_eval_data(data)
    items = _sample(items, args.n, 0)
    config = RougeConfig(retriever="base", protocol="paper", persist=tempfile.mkdtemp(prefix="gen-profile-"))
    (_, _, retriever), = list(_pipelines(config, data, records, None))
    generator = load_generator("gemma")
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    answers = paper_answers([i.question for i in items], [question_seed(0, i.id) for i in items], retriever,
                            generator, batch_size=args.batch_size)
    profile.disable()
    tokens = [len(generator.tokenizer(a.text, add_special_tokens=False)["input_ids"]) for a in answers]
    print(f"{time.perf_counter() - start:.1f} s; answer lengths (chars): {[len(a.text) for a in answers]}; "  # noqa: T201
          f"tokens: {tokens}")
    pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()

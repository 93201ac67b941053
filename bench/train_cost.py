"""Benchmark: training throughput (pairs/s) and peak memory of each method, as ratios to `full`.

    python bench/train_cost.py --train FILE.jsonl [--base minilm] [--steps 20] [--out bench_runs/cost]

Each method runs `python -m retriever_finetune.train` in its own process (so peak RSS is its own) for the
same number of optimiser steps on the same pairs; the figures come from each run's metrics.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

METHODS = ("full", "lora", "adalora", "ia3", "prompt")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", required=True, help="training jsonl")
    parser.add_argument("--base", default="minilm")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--max_query_length", type=int, default=64)
    parser.add_argument("--max_code_length", type=int, default=128)
    parser.add_argument("--out", default="bench_runs/cost")
    args = parser.parse_args()

    rows = {}
    for method in METHODS:
        out = Path(args.out) / method
        done = subprocess.run([sys.executable, "-m", "retriever_finetune.train", "--train", args.train, "--base",
                               args.base, "--method", method, "--out", str(out), "--max_steps", str(args.steps),
                               "--batch_size", str(args.batch_size), "--max_query_length", str(args.max_query_length),
                               "--max_code_length", str(args.max_code_length), "--overwrite", "--quiet"], check=False)
        if done.returncode != 0:
            parser.exit(2, f"train_cost: training {method} failed (its error is above); no report written\n")
        metrics = json.loads((out / "metrics.json").read_text())
        rows[method] = {"pairs_per_s": metrics["pairs_per_s"], "peak_memory_mb": metrics["peak_memory_mb"],
                        "training_state_mb": metrics["training_state_mb"],
                        "trainable_percent": metrics["parameters"]["trainable_percent"]}
    full = rows["full"]
    lines = [f"base {args.base}, {args.steps} steps of {args.batch_size} pairs, lengths "
             f"{args.max_query_length}/{args.max_code_length}, memory = {metrics['memory_kind']}",
             "| method | trainable % | pairs/s | throughput vs full | peak MB | memory vs full "
             "| grads+AdamW MB | vs full |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for method, row in rows.items():
        row["throughput_ratio"] = row["pairs_per_s"] / full["pairs_per_s"]
        row["memory_ratio"] = row["peak_memory_mb"] / full["peak_memory_mb"]
        row["training_state_ratio"] = row["training_state_mb"] / full["training_state_mb"]
        lines.append(f"| {method} | {row['trainable_percent']:.4f} | {row['pairs_per_s']:.2f} | "
                     f"{row['throughput_ratio']:.2f}x | {row['peak_memory_mb']:.0f} | {row['memory_ratio']:.2f}x | "
                     f"{row['training_state_mb']:.2f} | {row['training_state_ratio']:.4f}x |")
    print("\n".join(lines))  # noqa: T201
    (Path(args.out) / "report.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()

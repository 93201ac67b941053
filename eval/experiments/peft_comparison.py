"""CLI: the paper's comparison from nothing: mine a corpus, train every method on one budget, evaluate MRR.

    python -m eval.experiments.peft_comparison [--out experiments/peft] [--epochs 1] [--base minilm]

1. mines the Python standard library of this interpreter (tests excluded), split 70/10/20 by file so the
   test split holds the 1,000 functions the CodeSearchNet protocol needs;
2. trains lora, adalora, ia3, prompt and full with the same data, epochs, batch and lengths;
3. runs `eval.mrr` on the test split with the frozen base and the five runs (csn protocol).
Each stage is skipped when its output exists and a half-trained run resumes, so an interrupted experiment
continues where it stopped. Default budget: one epoch at 64/128 tokens, under an hour on 2 CPU cores.
"""

from __future__ import annotations

import logging
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path

from data import mine
from data.cli import InputError, run_cli
from eval import mrr
from retriever_finetune import train
from retriever_finetune.run_dir import CONFIG, METRICS

logger = logging.getLogger(__name__)

METHODS = ("lora", "adalora", "ia3", "prompt", "full")


@dataclass
class ExperimentConfig:
    """Options of `python -m eval.experiments.peft_comparison`."""

    out: str = field(default="experiments/peft", metadata={"help": "folder for data/, runs/ and report/"})
    source: str = field(default="", metadata={"help": "source tree to mine (default: this Python's standard library)"})
    base: str = field(default="minilm", metadata={"help": "base encoder"})
    methods: str = field(default=",".join(METHODS), metadata={"help": "methods to train"})
    epochs: int = field(default=1, metadata={"help": "training epochs (the shared budget)"})
    max_steps: int = field(default=0, metadata={"help": "cap on optimiser steps per method (0: epochs decide)"})
    batch_size: int = field(default=32, metadata={"help": "pairs per batch"})
    max_query_length: int = field(default=64, metadata={"help": "text tokens (training and evaluation)"})
    max_code_length: int = field(default=128, metadata={"help": "code tokens (training and evaluation)"})
    protocol: str = field(default="csn", metadata={"help": "csn or full"})
    seed: int = field(default=42, metadata={"help": "seed of split, training and distractors"})

    def __post_init__(self) -> None:
        unknown = sorted(set(self.method_list()) - set(METHODS))
        if unknown:
            msg = f"--methods: unknown {unknown}; choose from {METHODS}"
            raise InputError(msg)

    def method_list(self) -> list[str]:
        """Methods to train, in order."""
        return [m.strip() for m in self.methods.split(",") if m.strip()]


def run(config: ExperimentConfig) -> dict:
    """Run the three stages; return the MRR report."""
    out = Path(config.out)
    started = time.perf_counter()
    corpus = out / "data" / "corpus.jsonl"
    if not mine.split_path(corpus, "test").is_file():
        source = config.source or sysconfig.get_paths()["stdlib"]
        mine.run(mine.MineConfig(paths=[source], out=str(corpus), languages="python", exclude="test,tests,idlelib",
                                 split="0.7,0.1,0.2", seed=config.seed))
    timings = {}
    for method in config.method_list():
        run_dir = out / "runs" / method
        if (run_dir / METRICS).is_file():
            continue
        method_started = time.perf_counter()
        train.run(train.TrainConfig(
            train=str(mine.split_path(corpus, "train")), out=str(run_dir), base=config.base, method=method,
            epochs=config.epochs, max_steps=config.max_steps, batch_size=config.batch_size,
            max_query_length=config.max_query_length, max_code_length=config.max_code_length, seed=config.seed,
            resume=(run_dir / CONFIG).is_file()))
        timings[method] = time.perf_counter() - method_started
    report = mrr.run(mrr.MrrConfig(
        data=str(mine.split_path(corpus, "test")), retrievers=["base", *config.method_list()],
        base=config.base, runs_dir=str(out / "runs"), protocol=config.protocol, out=str(out / "report"),
        cache_dir=str(out / "cache"), max_query_length=config.max_query_length,
        max_code_length=config.max_code_length, seed=config.seed))
    logger.info("experiment finished in %.0f s (training this call: %s)", time.perf_counter() - started, timings)
    return report


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    return run_cli(ExperimentConfig, run, argv, description=__doc__ or "", render=lambda r: r["markdown"])


if __name__ == "__main__":
    raise SystemExit(main())

"""CLI: tune a retriever adapter to one code base, with no labels: synthetic questions over its own functions.

    python -m retriever_finetune.adapt PATH... [--out runs/adapt-NAME] [--extra pairs:staqc.json] [--filter_top_k 10]

Mines the documented functions of PATH (as `rag.index` does), writes web-style questions for them
(`synthetic`, cached), and trains a query-side LoRA on them (`retriever_finetune.train`): the index of the
frozen base serves it unchanged. Then ask with it:

    python -m rag.ask "how do I ..." --corpus PATH --retriever runs/adapt-NAME
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from data.cache import DEFAULT_CACHE
from data.cli import InputError, Positional, list_option, run_cli
from data.corpus import mine_corpus
from data.documents import DEFAULT_DOCUMENT, DOCUMENT_FORMATS
from retriever_finetune import train
from retriever_finetune.models import load_encoder
from retriever_finetune.spec import Towers
from retriever_finetune.synthetic import synthesize_questions

logger = logging.getLogger(__name__)


@dataclass
class AdaptConfig:
    """Options of `python -m retriever_finetune.adapt`."""

    paths: list[str] = field(default_factory=list, metadata={"help": "source trees of the code base to adapt to"})
    out: str = field(default="", metadata={"help": "run folder (default: runs/adapt-<first path's name>)"})
    base: str = field(default="minilm", metadata={"help": "base encoder"})
    extra: list[str] = field(default_factory=list, metadata={
        "help": "more training sources mixed in, as retriever_finetune.train --train takes them (pairs:staqc.json@0.5)"})
    questions_per_function: int = field(default=2, metadata={"help": "questions written per documented function"})
    filter_top_k: int = field(default=0, metadata={
        "help": "keep a question only if the frozen base ranks its function in the top k (0: keep all)"})
    document: str = field(default=DEFAULT_DOCUMENT, metadata={
        "help": "what the index embeds per function (as rag.index --document)", "choices": list(DOCUMENT_FORMATS)})
    towers: Towers = field(default="query", metadata={"help": "query: adapt questions only (fast; base index serves it); both"})
    epochs: int = field(default=1, metadata={"help": "passes over the questions"})
    learning_rate: float = field(default=1e-4, metadata={"help": "AdamW learning rate"})
    batch_size: int = field(default=64, metadata={"help": "pairs per batch"})
    max_code_length: int = field(default=256, metadata={"help": "code tokens the retriever reads"})
    exclude: str = field(default="", metadata={"help": "comma-separated folder names to skip"})
    languages: str = field(default="", metadata={"help": "comma-separated languages (default: all six)"})
    cache_dir: str = field(default=str(DEFAULT_CACHE / "questions"), metadata={"help": "synthetic-question cache"})
    seed: int = field(default=42, metadata={"help": "seed of the questions and of training"})
    overwrite: bool = field(default=False, metadata={"help": "replace a finished run in --out"})

    def __post_init__(self) -> None:
        self.paths = list_option(self.paths, required="give at least one PATH: the code base to adapt the retriever to")
        if self.questions_per_function <= 0 or self.filter_top_k < 0:
            msg = "--questions_per_function must be positive and --filter_top_k 0 or more"
            raise InputError(msg)
        if not self.out:
            self.out = str(Path("runs") / f"adapt-{Path(self.paths[0]).resolve().name}")


def run(config: AdaptConfig) -> train.TrainResult:
    """Mine, write (or reuse) the questions, train."""
    records = mine_corpus(config.paths, documented_only=True, exclude=[x for x in config.exclude.split(",") if x],
                          languages=[x for x in config.languages.split(",") if x])
    encoder = load_encoder(config.base, max_code_length=config.max_code_length) if config.filter_top_k else None
    questions = synthesize_questions(records, config.cache_dir, per_function=config.questions_per_function,
                                     seed=config.seed, document=config.document, filter_encoder=encoder,
                                     filter_top_k=config.filter_top_k)
    return train.run(train.TrainConfig(
        train=[f"pairs:{questions.path}", *config.extra], out=config.out, base=config.base, method="lora",
        towers=config.towers, document=config.document, epochs=config.epochs, learning_rate=config.learning_rate,
        batch_size=config.batch_size, max_query_length=64, max_code_length=config.max_code_length, seed=config.seed,
        overwrite=config.overwrite))


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m retriever_finetune.adapt`."""
    return run_cli(AdaptConfig, run, argv, description=__doc__ or "", render=train.render,
                   positional=Positional("paths", "*", "source trees of the code base"))


if __name__ == "__main__":
    raise SystemExit(main())

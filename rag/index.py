"""CLI: index source trees into a persistent Chroma collection for one retriever (incremental).

    python -m rag.index PATH... [--retriever base|lora|RUN_DIR|LANG=RUN,...] [--persist DIR] [--chroma_host HOST]
"""

from __future__ import annotations

from dataclasses import dataclass, field

from data.cli import InputError, Positional, list_option, run_cli
from data.corpus import check_corpus
from data.languages import LANGUAGES
from rag.options import IndexChoice
from rag.store import IndexStats, recall_chosen_retriever, remember_chosen_retriever, update_search_index
from retriever_finetune.quantize import QUANTIZATIONS, check_quantization
from retriever_finetune.routing import load_encoders
from retriever_finetune.spec import refuse_for_per_language


@dataclass
class IndexConfig(IndexChoice):
    """Options of `python -m rag.index`."""

    paths: list[str] = field(default_factory=list, metadata={"help": "source trees to index"})
    exclude: str = field(default="", metadata={"help": "comma-separated folder names to skip"})
    languages: str = field(default="", metadata={
        "help": f"comma-separated languages and file kinds to index: {', '.join(sorted(LANGUAGES))} (default: all; "
                "the standard library: python)"})
    rebuild: bool = field(default=False, metadata={"help": "drop the collection and index from scratch"})
    batch_size: int = field(default=256, metadata={"help": "functions embedded and written per batch"})
    workers: int = field(default=1, metadata={"help": "processes that parse the source files (the same index as one)"})
    max_code_length: int = field(default=256, metadata={"help": "code tokens the retriever reads"})
    break_lock: bool = field(default=False, metadata={
        "help": "take over the index's writer lock held by a process that is gone (on another machine)"})
    quantize: str = field(default="none", metadata={
        "help": "int8: embed code with an int8 copy of the encoder (CPU only; see bench/encode.py for its speed "
                "and MRR); questions stay float32", "choices": list(QUANTIZATIONS)})

    def __post_init__(self) -> None:
        self.paths = list_option(self.paths, required="give at least one PATH to index")
        if self.batch_size <= 0 or self.workers <= 0:
            msg = f"--batch_size and --workers must be positive, got {self.batch_size} and {self.workers}"
            raise InputError(msg)
        check_quantization(self.quantize)


def run(config: IndexConfig) -> IndexStats:
    """Resolve the retriever (with none given: the one this corpus was last indexed with), build or update its
    collection of the corpus, and record it as the corpus's retriever for later commands."""
    check_corpus(config.paths)
    recall_chosen_retriever(config, config.paths)
    stats = _build_or_update(config)
    remember_chosen_retriever(config, config.paths)
    return stats


def _build_or_update(config: IndexConfig) -> IndexStats:
    """Refresh the index with the files changed since its last build, or build it (in full, or from scratch with
    --rebuild); one path for one retriever and for one per language."""
    options = {"exclude": [x for x in config.exclude.split(",") if x],
               "languages": [x for x in config.languages.split(",") if x], "include_ignored": config.include_ignored}
    spec = config.spec()
    refuse_for_per_language(spec, quantize=config.quantize != "none")
    encoders = load_encoders(spec, max_code_length=config.max_code_length, precision=config.precision)
    if config.quantize != "none":
        encoders.quantize_code(config.quantize)  # type: ignore[union-attr]  # one encoder: refused above otherwise
    return update_search_index(config.paths, spec, encoders, config.store_options(), full=not config.refresh,
                               rebuild=config.rebuild, batch_size=config.batch_size, break_lock=config.break_lock,
                               workers=config.workers, **options)  # type: ignore[arg-type]


def render(stats: IndexStats) -> str:
    """What mining found and skipped (after a full pass), then one line of counts."""
    counts = (f"{stats.collection}: {stats.added} added, {stats.deleted} deleted, {stats.updated} moved, "
              f"{stats.unchanged} unchanged; {stats.total} entries indexed")
    return f"{stats.mined}\n{counts}" if stats.mined else counts


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m rag.index`."""
    return run_cli(IndexConfig, run, argv, description=__doc__ or "", render=render,
                   positional=Positional("paths", "*", "source trees to index"))


if __name__ == "__main__":
    raise SystemExit(main())

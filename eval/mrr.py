"""CLI: text→code retrieval MRR / Recall@k / NDCG@10 per language for several retrievers, with their cost.

    python -m eval.mrr --data TEST.jsonl --retrievers base,runs/lora,runs/ia3 [--protocol csn|full] \\
        [--languages python,go] [--out reports/mrr]
    python -m eval.mrr --protocol codebase --data cosqa-retrieval-dev-500.json --codebase code_idx_map.txt \\
        --retrievers base,lora          # or GraphCodeBERT's test.jsonl + codebase.jsonl
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from data.cli import run_cli
from data.codebase import load_codebase_benchmark
from data.errors import InputError
from data.loaders import load_records
from eval.paper import paper_section
from eval.report import bar_chart, markdown_table, write_report
from eval.retrieval import evaluate_codebase, evaluate_retriever, group_by_language
from retriever_finetune.encoder import Encoder
from retriever_finetune.models import RetrieverSpec, load_retriever, resolve_retriever_spec
from retriever_finetune.precision import HELP as PRECISION_HELP
from retriever_finetune.precision import PRECISIONS

logger = logging.getLogger(__name__)


@dataclass
class MrrConfig:
    """Options of `python -m eval.mrr`."""

    data: str = field(default="", metadata={
        "help": "test split: CodeSearchNet-shaped jsonl(.gz) or folder; with --protocol codebase, the queries file"})
    codebase: str = field(default="", metadata={
        "help": "--protocol codebase: the code base (CoSQA code_idx_map.txt or GraphCodeBERT codebase.jsonl)"})
    retrievers: str = field(default="base", metadata={"help": "comma-separated: base, run names/folders, encoders"})
    base: str = field(default="minilm", metadata={"help": "the encoder `base` stands for"})
    runs_dir: str = field(default="runs", metadata={"help": "where run names (lora, ia3...) are looked up"})
    protocol: Literal["csn", "full", "codebase"] = field(default="csn", metadata={
        "help": "csn: own code + 999 distractors; full: whole pool; codebase: queries against --codebase"})
    languages: str = field(default="", metadata={"help": "comma-separated languages (default: all in the data)"})
    out: str = field(default="reports/mrr", metadata={"help": "report folder (report.json, report.md, mrr.png)"})
    cache_dir: str = field(default=".cache/embeddings", metadata={"help": "embedding cache ('' disables)"})
    max_query_length: int = field(default=256, metadata={"help": "tokens of the text side"})
    max_code_length: int = field(default=256, metadata={"help": "tokens of the code side"})
    batch_size: int = field(default=64, metadata={"help": "encoding batch size"})
    seed: int = field(default=0, metadata={"help": "seed of the distractor sampling"})
    precision: str = field(default="auto", metadata={"help": PRECISION_HELP, "choices": list(PRECISIONS)})

    def __post_init__(self) -> None:
        if not self.data:
            msg = "--data TEST.jsonl is required"
            raise InputError(msg)
        if (self.protocol == "codebase") != bool(self.codebase):
            msg = ("--protocol codebase needs --codebase FILE (and only it does): the code base the --data queries "
                   "are ranked against")
            raise InputError(msg)
        if not self.retriever_list():
            msg = "--retrievers is empty; e.g. --retrievers base,lora"
            raise InputError(msg)

    def retriever_list(self) -> list[str]:
        """The retriever specs, in order."""
        return [x.strip() for x in self.retrievers.split(",") if x.strip()]


def _cost(spec: RetrieverSpec) -> dict[str, float | None]:
    if spec.run_dir and (Path(spec.run_dir) / "metrics.json").is_file():
        metrics = json.loads((Path(spec.run_dir) / "metrics.json").read_text())
        return {"trainable_percent": metrics["parameters"]["trainable_percent"],
                "train_wall_time_s": metrics["wall_time_s"], "peak_memory_mb": metrics["peak_memory_mb"]}
    return {"trainable_percent": 0.0, "train_wall_time_s": None, "peak_memory_mb": None}


def _cache_key(spec: RetrieverSpec, config: MrrConfig) -> str:
    stamp = ""
    if spec.adapter or spec.run_dir:
        weights = sorted(Path(spec.run_dir or spec.adapter).rglob("*.safetensors"))  # type: ignore[arg-type]
        stamp = ",".join(f"{p.name}:{p.stat().st_mtime_ns}:{p.stat().st_size}" for p in weights)
    precision = "" if config.precision == "float32" else f"|{config.precision}"  # float32 keys stay as before
    return f"{spec.label}|{spec.base}|{spec.adapter}|{stamp}|{config.max_query_length}|{config.max_code_length}{precision}"


def _cost_cells(cost: dict) -> list[str]:
    return [f"{cost['trainable_percent']:.4f}%",
            "-" if cost["train_wall_time_s"] is None else f"{cost['train_wall_time_s']:.0f}",
            "-" if cost["peak_memory_mb"] is None else f"{cost['peak_memory_mb']:.0f}"]


def resolve_specs(config: MrrConfig) -> list[RetrieverSpec]:
    """Every `--retrievers` entry as a spec."""
    return [resolve_retriever_spec(s, base=config.base, runs_dir=config.runs_dir) for s in config.retriever_list()]


def evaluate_each(config: MrrConfig, specs: list[RetrieverSpec],
                  evaluate: Callable[[Encoder, str, Path | None], dict]) -> dict[str, dict]:
    """Load and evaluate each retriever in turn, with its cost."""
    cache_dir = Path(config.cache_dir) if config.cache_dir else None
    results = {}
    for spec in specs:
        encoder = load_retriever(spec, max_query_length=config.max_query_length,
                                 max_code_length=config.max_code_length, batch_size=config.batch_size,
                                 precision=config.precision)
        results[spec.label] = {"spec": {"base": spec.base, "adapter": spec.adapter, "run_dir": spec.run_dir},
                               "cost": _cost(spec), "metrics": evaluate(encoder, _cache_key(spec, config), cache_dir)}
    return results


def run(config: MrrConfig) -> dict:
    """Evaluate every retriever; write report.json, report.md and mrr.png; return the report."""
    if config.protocol == "codebase":
        return run_codebase(config)
    specs = resolve_specs(config)  # a bad retriever name fails before any data loads
    languages = [x.strip().lower() for x in config.languages.split(",") if x.strip()] or None
    groups = group_by_language(load_records(config.data), languages, config.protocol)
    results = evaluate_each(config, specs, lambda encoder, key, cache_dir: evaluate_retriever(
        encoder.encode_queries, encoder.encode_code, groups, protocol=config.protocol, seed=config.seed,
        cache_key=key, cache_dir=cache_dir))
    columns = [*groups, "average"]
    rows = []
    for label, result in results.items():
        cost = result["cost"]
        rows.append([label, *[result["metrics"][c]["mrr"] for c in columns], *_cost_cells(cost)])
    table = markdown_table(["retriever", *columns, "trainable", "train s", "peak MB"], rows)
    queries = {lang: len(members) for lang, members in groups.items()}
    markdown = (f"## Text→code MRR ({config.protocol} protocol, data {config.data}, queries {queries})\n\n{table}\n\n"
                f"Recall@1/5/10 and NDCG@10 are in report.json.\n\n{paper_section()}")
    payload = {"protocol": config.protocol, "data": config.data, "seed": config.seed, "retrievers": results,
               "languages": list(groups)}
    out = Path(config.out)
    write_report(out, payload, markdown)
    bar_chart(out / "mrr.png", columns, {label: [r["metrics"][c]["mrr"] for c in columns]
                                         for label, r in results.items()},
              ylabel="MRR", title=f"Text→code MRR ({config.protocol} protocol)")
    payload["markdown"] = markdown
    return payload


CODEBASE_METRICS = ("mrr", "recall@1", "recall@5", "recall@10", "ndcg@10")


def run_codebase(config: MrrConfig) -> dict:
    """The code-base protocol: every query of --data against the whole --codebase, one row per retriever."""
    specs = resolve_specs(config)
    benchmark = load_codebase_benchmark(config.data, config.codebase)  # validated before any model loads
    results = evaluate_each(config, specs, lambda encoder, key, cache_dir: evaluate_codebase(
        encoder.encode_queries, encoder.encode_code, benchmark, cache_key=key, cache_dir=cache_dir))
    rows = [[label, *[r["metrics"][m] for m in CODEBASE_METRICS], *_cost_cells(r["cost"])] for label, r in results.items()]
    table = markdown_table(["retriever", *CODEBASE_METRICS, "trainable", "train s", "peak MB"], rows)
    markdown = (f"## Text→code retrieval, code-base protocol ({len(benchmark.queries)} queries of {config.data} "
                f"against {len(benchmark.codes)} functions of {config.codebase})\n\n{table}")
    payload = {"protocol": "codebase", "data": config.data, "codebase": config.codebase, "retrievers": results,
               "queries": len(benchmark.queries), "codes": len(benchmark.codes)}
    out = Path(config.out)
    write_report(out, payload, markdown)
    bar_chart(out / "mrr.png", list(CODEBASE_METRICS),
              {label: [r["metrics"][m] for m in CODEBASE_METRICS] for label, r in results.items()},
              ylabel="score", title="Text→code retrieval (code-base protocol)")
    payload["markdown"] = markdown
    return payload


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m eval.mrr`."""
    return run_cli(MrrConfig, run, argv, description=__doc__ or "", render=lambda report: report["markdown"])


if __name__ == "__main__":
    raise SystemExit(main())

"""CLI: text→code retrieval MRR / Recall@k / NDCG@10 per language for several retrievers, with their cost.

    python -m eval.mrr --data TEST.jsonl --retrievers base runs/lora runs/ia3 [--protocol csn|full] \\
        [--languages python,go] [--out reports/mrr]
    python -m eval.mrr --data TEST.jsonl --retrievers base python=runs/lora-py,go=runs/lora-go
    python -m eval.mrr --protocol codebase --data cosqa-retrieval-dev-500.json --codebase code_idx_map.txt \\
        --retrievers base lora          # or GraphCodeBERT's test.jsonl + codebase.jsonl

Retrievers are separated by spaces; each is any `--retriever` of `rag.ask`, one adapter per language included
(each language's queries and code embedded by its adapter).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from data.cli import InputError, list_option, run_cli
from data.codebase import load_codebase_benchmark
from data.loaders import load_records
from eval.answer_metrics import paired_bootstrap_ci
from eval.paper import paper_section
from eval.report import bar_chart, markdown_table, write_report
from eval.retrieval import evaluate_codebase, evaluate_retriever, group_by_language
from retriever_finetune import routing
from retriever_finetune.encoder import Encoder
from retriever_finetune.precision_choice import HELP as PRECISION_HELP
from retriever_finetune.precision_choice import check_precision
from retriever_finetune.spec import HELP as RETRIEVER_HELP
from retriever_finetune.spec import PerLanguageSpec, RetrieverSpec, adapter_towers, parse_retriever, parse_retrievers

logger = logging.getLogger(__name__)


@dataclass
class MrrConfig:
    """Options of `python -m eval.mrr`."""

    data: str = field(default="", metadata={
        "help": "test split: CodeSearchNet-shaped jsonl(.gz) or folder; with --protocol codebase, the queries file"})
    codebase: str = field(default="", metadata={
        "help": "--protocol codebase: the code base (CoSQA code_idx_map.txt or GraphCodeBERT codebase.jsonl)"})
    retrievers: list[str] = field(default_factory=lambda: ["base"], metadata={
        "help": f"retrievers separated by spaces, each: {RETRIEVER_HELP}"})
    base: str = field(default="minilm", metadata={"help": "the encoder `base` stands for"})
    runs_dir: str = field(default="runs", metadata={"help": "where run names (lora, ia3...) are looked up"})
    protocol: Literal["csn", "full", "codebase"] = field(default="csn", metadata={
        "help": "csn: own code + 999 distractors; full: whole pool; codebase: queries against --codebase"})
    languages: str = field(default="", metadata={
        "help": "comma-separated languages (default: all in the data); with --protocol codebase, the code base's "
                "one language, which picks a per-language retriever's adapter (default: python)"})
    out: str = field(default="reports/mrr", metadata={"help": "report folder (report.json, report.md, mrr.png)"})
    cache_dir: str = field(default=".cache/embeddings", metadata={"help": "embedding cache ('' disables)"})
    max_query_length: int = field(default=256, metadata={"help": "tokens of the text side"})
    max_code_length: int = field(default=256, metadata={"help": "tokens of the code side"})
    batch_size: int = field(default=64, metadata={"help": "encoding batch size"})
    seed: int = field(default=0, metadata={"help": "seed of the distractor sampling"})
    precision: str = field(default="auto", metadata={"help": PRECISION_HELP})
    dim: int = field(default=0, metadata={
        "help": "vector size of a Matryoshka model (embeddinggemma: 768, 512, 256 or 128); 0: its full size"})

    def __post_init__(self) -> None:
        check_precision(self.precision)
        if not self.data:
            msg = "--data TEST.jsonl is required"
            raise InputError(msg)
        if (self.protocol == "codebase") != bool(self.codebase):
            msg = ("--protocol codebase needs --codebase FILE (and only it does): the code base the --data queries "
                   "are ranked against")
            raise InputError(msg)
        self.retrievers = list_option(self.retrievers)


def _cost(spec: RetrieverSpec | PerLanguageSpec) -> dict[str, float | None]:
    """Training cost of the run behind a retriever (a per-language one: summed over its runs)."""
    runs = [json.loads((Path(s.run_dir) / "metrics.json").read_text()) for s in spec.members()
            if s.run_dir and (Path(s.run_dir) / "metrics.json").is_file()]
    if not runs:
        return {"trainable_percent": 0.0, "train_wall_time_s": None, "peak_memory_mb": None}
    return {"trainable_percent": sum(m["parameters"]["trainable_percent"] for m in runs),
            "train_wall_time_s": sum(m["wall_time_s"] for m in runs),
            "peak_memory_mb": max(m["peak_memory_mb"] for m in runs)}


def _cache_key(spec: RetrieverSpec | PerLanguageSpec, config: MrrConfig) -> str:
    specs = spec.members()
    stamps = []
    for one in specs:
        if one.adapter or one.run_dir:
            weights = sorted(Path(one.run_dir or one.adapter).rglob("*.safetensors"))  # type: ignore[arg-type]
            stamps.append(",".join(f"{p.name}:{p.stat().st_mtime_ns}:{p.stat().st_size}" for p in weights))
    adapters = ",".join(str(one.adapter) for one in specs)
    precision = "" if config.precision == "float32" else f"|{config.precision}"  # float32 keys stay as before
    return (f"{spec.label}|{spec.base}|{adapters}|{';'.join(stamps)}|{config.max_query_length}|"
            f"{config.max_code_length}{precision}")


def _cost_cells(cost: dict) -> list[str]:
    return [f"{cost['trainable_percent']:.4f}%",
            "-" if cost["train_wall_time_s"] is None else f"{cost['train_wall_time_s']:.0f}",
            "-" if cost["peak_memory_mb"] is None else f"{cost['peak_memory_mb']:.0f}"]


def resolve_specs(config: MrrConfig) -> list[RetrieverSpec | PerLanguageSpec]:
    """Every `--retrievers` entry as a spec."""
    return parse_retrievers(config.retrievers, base=config.base, runs_dir=config.runs_dir, dim=config.dim or None)


def load_encoders(spec: RetrieverSpec | PerLanguageSpec, config: MrrConfig) -> Callable[[str], Encoder]:
    """language → the encoder that embeds it (the same one for every language but a per-language retriever's)."""
    return routing.load_encoders(spec, max_query_length=config.max_query_length, max_code_length=config.max_code_length,
                                 batch_size=config.batch_size, precision=config.precision).encoder_for


def code_cache_key(spec: RetrieverSpec | PerLanguageSpec, config: MrrConfig) -> str:
    """The key of the code vectors: when its adapters change only the query side, the code is embedded by the
    frozen base, so it shares the base's cached vectors (named as the base was typed: its folder or registry name)."""
    members = spec.members()
    if any(m.adapter for m in members) and all(not m.adapter or adapter_towers(m.adapter) == "query" for m in members):
        frozen = parse_retriever(spec.base, runs_dir=None, dim=members[0].dim)
        return _cache_key(frozen, config)
    return _cache_key(spec, config)


def evaluate_each(config: MrrConfig, specs: list[RetrieverSpec | PerLanguageSpec],
                  evaluate: Callable[..., dict]) -> dict[str, dict]:
    """Load and evaluate each retriever in turn, with its cost; `evaluate(encoder_for, key, cache_dir,
    code_key)`."""
    cache_dir = Path(config.cache_dir) if config.cache_dir else None
    results = {}
    for spec in specs:
        results[spec.label] = {"spec": spec.describe(), "cost": _cost(spec),
                               "metrics": evaluate(load_encoders(spec, config), _cache_key(spec, config), cache_dir,
                                                   code_cache_key(spec, config))}
    return results


def run(config: MrrConfig) -> dict:
    """Evaluate every retriever; write report.json, report.md and mrr.png; return the report."""
    if config.protocol == "codebase":
        return run_codebase(config)
    specs = resolve_specs(config)  # a bad retriever name fails before any data loads
    languages = [x.strip().lower() for x in config.languages.split(",") if x.strip()] or None
    groups = group_by_language(load_records(config.data), languages, config.protocol)
    results = evaluate_each(config, specs, lambda encoder_for, key, cache_dir, _code_key: evaluate_retriever(
        lambda language: (encoder_for(language).encode_queries, encoder_for(language).encode_code), groups,
        protocol=config.protocol, seed=config.seed, cache_key=key, cache_dir=cache_dir))
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


def _codebase_language(config: MrrConfig) -> str:
    """The code base's language, which picks a per-language retriever's adapter: --languages (one), else python."""
    languages = [x.strip().lower() for x in config.languages.split(",") if x.strip()]
    if len(languages) > 1:
        msg = f"--protocol codebase ranks against one code base in one language; --languages names {languages}"
        raise InputError(msg)
    return languages[0] if languages else "python"


def _compare_to_first(results: dict[str, dict]) -> None:
    """Each retriever's MRR difference to the first one's, with a paired bootstrap interval over the queries
    (the same resampled queries for both), under ``mrr_vs_first``."""
    first = next(iter(results.values()))["metrics"]["ranks"]
    for result in results.values():
        delta, low, high = paired_bootstrap_ci(1.0 / np.array(result["metrics"]["ranks"]), 1.0 / np.array(first))
        result["mrr_vs_first"] = {"delta": delta, "low": low, "high": high}


def _delta_cell(comparison: dict) -> str:
    if comparison["delta"] == comparison["low"] == comparison["high"] == 0:
        return "–"
    return f"{comparison['delta']:+.3f} [{comparison['low']:+.3f}, {comparison['high']:+.3f}]"


def run_codebase(config: MrrConfig) -> dict:
    """The code-base protocol: every query of --data against the whole --codebase, one row per retriever."""
    specs = resolve_specs(config)
    benchmark = load_codebase_benchmark(config.data, config.codebase)  # validated before any model loads
    language = _codebase_language(config)
    results = evaluate_each(config, specs, lambda encoder_for, key, cache_dir, code_key: evaluate_codebase(
        encoder_for(language).encode_queries, encoder_for(language).encode_code, benchmark, cache_key=key,
        cache_dir=cache_dir, code_cache_key=code_key))
    first = next(iter(results))
    _compare_to_first(results)
    rows = [[label, *[r["metrics"][m] for m in CODEBASE_METRICS], _delta_cell(r["mrr_vs_first"]), *_cost_cells(r["cost"])]
            for label, r in results.items()]
    table = markdown_table(["retriever", *CODEBASE_METRICS, f"MRR − {first} [95% paired CI]", "trainable", "train s",
                            "peak MB"], rows)
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

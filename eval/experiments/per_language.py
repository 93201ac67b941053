"""CLI: one shared adapter vs one adapter per language vs the frozen base, MRR per language.

    python -m eval.experiments.per_language --javascript PATH [--python PATH,...] [--out experiments/per-language]

1. mines a Python tree (default: this interpreter's standard library, tests excluded) and a JavaScript tree
   (e.g. the lodash package from the npm registry: `npm pack lodash && tar xzf lodash-*.tgz`), each split
   80/10/10 by file;
2. trains, on one budget (method, epochs, batch, lengths), a LoRA on the Python training split, one on the
   JavaScript split, and a shared one on both;
3. runs `eval.mrr` (full protocol: each language's test split is its own pool) with the frozen base, the shared
   adapter and the two per-language ones; the per-language row takes each language's own adapter, as
   ``--retriever python=...,javascript=...`` serves them;
4. searches the two test splits as one mixed pool, as a routed index does (`rag.search.Retriever`): each language's
   functions embedded by its adapter, each query by both adapters, the two top-20 lists merged by cosine (as
   `rag.search.Retriever` does) or by per-list z-score (``calibrated``, the alternative measured here and not
   shipped); against one encoder (frozen, shared) over the same pool. MRR@10.
Stages whose output exists are skipped; a half-trained run resumes.
"""

from __future__ import annotations

import logging
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from data import mine
from data.cli import InputError, run_cli
from data.records import Record, read_jsonl, write_jsonl
from eval import mrr
from eval.report import markdown_table
from rag.search import merge_by_score
from rag.store import Source
from retriever_finetune import train
from retriever_finetune.models import load_encoder
from retriever_finetune.routing import load_language_encoders
from retriever_finetune.run_dir import CONFIG, METRICS
from retriever_finetune.spec import parse_retriever

logger = logging.getLogger(__name__)

LANGUAGES = ("python", "javascript")
MERGES = ("score", "calibrated")
CALIBRATION_CANDIDATES = 20  # hits per language whose score spread standardises that language's scores


def calibrated_merge(result_lists: list[list[Source]], k: int) -> list[Source]:
    """The k best sources by each list's z-scores (over the hits it returned), best first."""
    keyed = []
    for results in result_lists:
        scores = np.array([s.score for s in results])
        spread = scores.std()
        keys = (scores - scores.mean()) / spread if spread > 0 else np.zeros_like(scores)
        keyed.extend(zip(keys.tolist(), results, strict=True))
    return [source for _, source in sorted(keyed, key=lambda pair: -pair[0])[:k]]


@dataclass
class PerLanguageConfig:
    """Options of `python -m eval.experiments.per_language`."""

    javascript: str = field(default="", metadata={"help": "JavaScript source tree (e.g. an unpacked npm package)"})
    python: str = field(default="", metadata={
        "help": "comma-separated Python source trees (default: this Python's standard library)"})
    out: str = field(default="experiments/per-language", metadata={"help": "folder for data/, runs/ and report/"})
    base: str = field(default="minilm", metadata={"help": "base encoder"})
    method: str = field(default="lora", metadata={"help": "PEFT method of every adapter"})
    epochs: int = field(default=1, metadata={"help": "training epochs (the shared budget)"})
    batch_size: int = field(default=32, metadata={"help": "pairs per batch"})
    max_query_length: int = field(default=64, metadata={"help": "text tokens (training and evaluation)"})
    max_code_length: int = field(default=128, metadata={"help": "code tokens (training and evaluation)"})
    seed: int = field(default=42, metadata={"help": "seed of splits and training"})

    def __post_init__(self) -> None:
        if not self.javascript:
            msg = "--javascript PATH is required (e.g. lodash: npm pack lodash && tar xzf lodash-*.tgz → package/)"
            raise InputError(msg)
        for path in (self.javascript, *self.python.split(",")):
            if path and not Path(path).exists():
                msg = f"no such source tree: {path}"
                raise FileNotFoundError(msg)


def _mine(config: PerLanguageConfig, data: Path) -> dict[str, Path]:
    """language → its corpus file (splits beside it)."""
    corpora = {}
    python = [p for p in config.python.split(",") if p] or [sysconfig.get_paths()["stdlib"]]
    for language, sources in (("python", python), ("javascript", [config.javascript])):
        corpus = data / f"{language}.jsonl"
        if not mine.split_path(corpus, "test").is_file():
            mine.run(mine.MineConfig(paths=sources, out=str(corpus), languages=language,
                                     exclude="test,tests,idlelib", split="0.8,0.1,0.1", seed=config.seed))
        corpora[language] = corpus
    return corpora


def _train(config: PerLanguageConfig, name: str, train_files: list[Path], runs: Path) -> float | None:
    run_dir = runs / name
    if (run_dir / METRICS).is_file():
        return None
    started = time.perf_counter()
    train.run(train.TrainConfig(
        train=[str(p) for p in train_files], out=str(run_dir), base=config.base, method=config.method,
        epochs=config.epochs, batch_size=config.batch_size, max_query_length=config.max_query_length,
        max_code_length=config.max_code_length, seed=config.seed, resume=(run_dir / CONFIG).is_file()))
    return time.perf_counter() - started


def run(config: PerLanguageConfig) -> dict:
    """Mine, train the three adapters, evaluate; return the report (per-language table in `markdown`)."""
    out = Path(config.out)
    started = time.perf_counter()
    corpora = _mine(config, out / "data")
    runs = out / "runs"
    train_files = {language: mine.split_path(corpus, "train") for language, corpus in corpora.items()}
    timings = {name: _train(config, name, files, runs) for name, files in (
        ("shared", list(train_files.values())), ("python", [train_files["python"]]),
        ("javascript", [train_files["javascript"]]))}
    test = out / "data" / "test.jsonl"
    write_jsonl([r for corpus in corpora.values() for r in read_jsonl(mine.split_path(corpus, "test"))], test)
    report = mrr.run(mrr.MrrConfig(
        data=str(test), retrievers=["base", "shared", "python", "javascript"], base=config.base, runs_dir=str(runs),
        protocol="full", out=str(out / "report"), cache_dir=str(out / "cache"),
        max_query_length=config.max_query_length, max_code_length=config.max_code_length, seed=config.seed))
    by_label = {label.split(" ")[0]: result["metrics"] for label, result in report["retrievers"].items()}
    frozen = next(m for label, m in by_label.items() if label not in ("shared", "python", "javascript"))
    rows = [["frozen base", *[frozen[lang]["mrr"] for lang in LANGUAGES]],
            ["one shared adapter (both languages)", *[by_label["shared"][lang]["mrr"] for lang in LANGUAGES]],
            ["one adapter per language", *[by_label[lang][lang]["mrr"] for lang in LANGUAGES]]]
    tests = {lang: list(read_jsonl(mine.split_path(corpora[lang], "test"))) for lang in LANGUAGES}
    queries = {lang: len(records) for lang, records in tests.items()}
    mixed = mixed_pool_mrr(config, runs, tests)
    mixed_rows = [[label, *[values[lang] for lang in (*LANGUAGES, "all")]] for label, values in mixed.items()]
    markdown = (f"## MRR per language (full protocol, test queries {queries}, {config.method}, {config.epochs} "
                f"epoch(s), {config.max_query_length}/{config.max_code_length} tokens)\n\n"
                f"{markdown_table(['retriever', *LANGUAGES], rows)}\n\n"
                f"## One mixed pool ({sum(queries.values())} functions), MRR@10\n\n"
                f"{markdown_table(['retriever', *LANGUAGES, 'all'], mixed_rows)}\n\n{report['markdown']}")
    logger.info("experiment finished in %.0f s (training this call: %s)", time.perf_counter() - started, timings)
    return {**report, "markdown": markdown, "per_language": rows, "mixed_pool": mixed}


MIXED_K = 10


def _reciprocal_rank(ranked_ids: list[str], gold: str) -> float:
    return 1.0 / (ranked_ids.index(gold) + 1) if gold in ranked_ids else 0.0


def mixed_pool_mrr(config: PerLanguageConfig, runs: Path, tests: dict[str, list[Record]]) -> dict[str, dict[str, float]]:
    """MRR@10 of every test docstring against both languages' test code at once: one encoder over the whole
    pool (frozen, shared), or the routed adapters merged by cosine or by calibrated score."""
    everything = [(lang, f"{lang}:{i}", r) for lang, records in tests.items() for i, r in enumerate(records)]
    results: dict[str, dict[str, float]] = {}
    for label, folder in (("frozen base", config.base), ("one shared adapter", str(runs / "shared"))):
        encoder = load_encoder(folder, max_query_length=config.max_query_length,
                               max_code_length=config.max_code_length)
        codes = encoder.encode_code([r.code for _, _, r in everything], show_progress=False)
        questions = encoder.encode_queries([r.docstring for _, _, r in everything], show_progress=False)
        ids = [key for _, key, _ in everything]
        ranks = [_reciprocal_rank([ids[j] for j in np.argsort(-(codes @ q))[:MIXED_K]], key)
                 for q, (_, key, _) in zip(questions, everything, strict=True)]
        results[label] = _by_language(everything, ranks)
    spec = parse_retriever(",".join(f"{lang}={runs / lang}" for lang in LANGUAGES), fallback=None)
    encoders = load_language_encoders(spec, max_query_length=config.max_query_length,
                                      max_code_length=config.max_code_length)
    pools = {}
    for lang in LANGUAGES:
        encoder = encoders.encoder_for(lang)
        pools[lang] = (encoder.encode_code([r.code for r in tests[lang]], show_progress=False),
                       encoder.encode_queries([r.docstring for _, _, r in everything], show_progress=False))
    for merge in MERGES:
        ranks = []
        for row, (_, key, _) in enumerate(everything):
            lists = []
            for lang in LANGUAGES:
                codes, questions = pools[lang]
                scores = codes @ questions[row]
                top = np.argsort(-scores)[:CALIBRATION_CANDIDATES]
                lists.append([_hit(f"{lang}:{j}", float(scores[j])) for j in top])
            merged = merge_by_score(lists, MIXED_K) if merge == "score" else calibrated_merge(lists, MIXED_K)
            ranks.append(_reciprocal_rank([s.id for s in merged], key))
        results[f"one adapter per language, merged by {merge}"] = _by_language(everything, ranks)
    return results


def _hit(key: str, score: float) -> Source:
    return Source(id=key, repo="", path="", func_name=key, language=key.split(":")[0], start_line=0, url="",
                  code="", docstring="", score=score)


def _by_language(everything: list[tuple[str, str, Record]], ranks: list[float]) -> dict[str, float]:
    out = {lang: float(np.mean([r for (language, _, _), r in zip(everything, ranks, strict=True) if language == lang]))
           for lang in LANGUAGES}
    out["all"] = float(np.mean(ranks))
    return out


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    return run_cli(PerLanguageConfig, run, argv, description=__doc__ or "", render=lambda r: r["markdown"])


if __name__ == "__main__":
    raise SystemExit(main())

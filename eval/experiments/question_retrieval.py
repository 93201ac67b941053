"""CLI: which retriever to ship, measured on real questions. Trains the compared recipes and prints one table.

    python -m eval.experiments.question_retrieval --cosqa ../shared/data/cosqa --staqc ../shared/data/staqc

1. mines this interpreter's standard library (tests excluded), split 70/10/20 by file (seed 42);
2. trains each recipe of `--recipes` (see `RECIPES`) into `OUT/runs/NAME`; a finished run is reused and a
   half-trained one resumes;
3. evaluates the frozen base and every run on: CoSQA dev (500 real web queries, code-base protocol, the
   whole 6,267-function code base), the stdlib docstring test split (full pool, CodeSearchNet format), and the
   how-to questions (`eval/howto_queries.json`, dev and held-out sets) against the whole standard library;
4. with `--rerank gemma`, reranks each retriever's top 20 for the first `--rerank_queries` CoSQA queries and
   every how-to question (the plain rows carry the same subset's figure, so the two compare), as `rag.ask`
   would.

The CoSQA code base is never training text: the `adapted-cosqa` row adapts to it from synthetic questions over
its functions (never its queries), and is reported apart. Embeddings and reranker scores are cached under
OUT/cache, so a rerun costs only what changed.
"""

from __future__ import annotations

import json
import logging
import shutil
import sysconfig
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from data import mine
from data.cli import InputError, run_cli
from data.codebase import CodeBaseBenchmark, load_cosqa
from data.corpus import DEFAULT_CORPUS_EXCLUDES, default_corpus, mine_corpus
from data.documents import DEFAULT_DOCUMENT, document_text
from data.miner import iter_functions
from data.records import Record, read_jsonl, write_jsonl
from eval.experiments.reranked_ranks import ScoreCache, reranked_ranks
from eval.howto import first_relevant_rank, load_howto
from eval.metrics import mrr, positive_ranks, recall_at_k, summarize
from eval.report import markdown_table, write_report
from eval.retrieval import cached_encode, evaluate_pool
from rag.options import DEFAULT_FUSION_WEIGHT
from rag.rerank import load_reranker
from retriever_finetune import train
from retriever_finetune.models import load_retriever
from retriever_finetune.run_dir import CONFIG, METRICS
from retriever_finetune.spec import RetrieverSpec, parse_retriever

logger = logging.getLogger(__name__)

COSQA_QUERIES = "cosqa-retrieval-dev-500.json"
COSQA_CODE_BASE = "code_idx_map.txt"
STAQC_FILES = ("train_staqc.json", "dev_staqc.json")


@dataclass(frozen=True)
class Inputs:
    """What the recipes train on: the stdlib train split, and the shipped data folders (when given)."""

    stdlib_train: Path
    staqc: Path | None
    cosqa_records: Path | None  # the CoSQA code base as records (for the adapted row only)


@dataclass(frozen=True)
class Recipe:
    """One row of the comparison: its training sources and settings."""

    description: str
    sources: Callable[[Inputs], list[str]]
    towers: str = "both"
    learning_rate: float = 0.0  # 0: the method's default
    document: str = DEFAULT_DOCUMENT
    needs: tuple[str, ...] = ()  # "staqc", "cosqa"


def _staqc(inputs: Inputs) -> list[str]:
    return [f"pairs:{inputs.staqc / name}" for name in STAQC_FILES]


RECIPES: dict[str, Recipe] = {
    "stdlib-docstrings": Recipe(
        "LoRA on (docstring, code) of the stdlib train split: the README's first recipe",
        lambda i: [f"docstrings:{i.stdlib_train}"]),
    "questions": Recipe(
        "query-side LoRA on rewritten stdlib questions, StaQC question pairs and stdlib docstrings",
        lambda i: [f"questions:{i.stdlib_train}", *_staqc(i), f"docstrings:{i.stdlib_train}"],
        towers="query", learning_rate=1e-4, needs=("staqc",)),
    "adapted-cosqa": Recipe(
        "query-side LoRA on synthetic questions over the CoSQA code base (its functions, never its queries)",
        lambda i: [f"questions:{i.cosqa_records}"], towers="query", learning_rate=1e-4, document="code",
        needs=("cosqa",)),
}


@dataclass
class ExperimentConfig:
    """Options of `python -m eval.experiments.question_retrieval`."""

    out: str = field(default="experiments/questions", metadata={"help": "folder for data/, runs/, cache/ and report/"})
    cosqa: str = field(default="", metadata={"help": "folder with CoSQA's code_idx_map.txt and cosqa-retrieval-dev-500.json"})
    staqc: str = field(default="", metadata={"help": "folder with StaQC's train_staqc.json and dev_staqc.json"})
    recipes: str = field(default=",".join(RECIPES), metadata={"help": f"recipes to train, of {list(RECIPES)}"})
    base: str = field(default="minilm", metadata={"help": "base encoder"})
    epochs: int = field(default=1, metadata={"help": "training epochs of every recipe"})
    batch_size: int = field(default=32, metadata={"help": "pairs per batch"})
    max_query_length: int = field(default=64, metadata={"help": "question tokens"})
    max_code_length: int = field(default=256, metadata={"help": "code tokens (evaluation)"})
    train_code_length: int = field(default=128, metadata={"help": "code tokens in training (half: twice as fast on CPU)"})
    rerank: str = field(default="gemma", metadata={"help": "reranker of the reranked rows: gemma, hf:NAME, none"})
    rerank_queries: int = field(default=100, metadata={"help": "CoSQA queries reranked (the first N; all how-to questions are)"})
    rerank_fusion: float = field(default=DEFAULT_FUSION_WEIGHT, metadata={
        "help": "weight of the LM score against the dense score (as rag.ask --rerank_fusion; 1: LM alone)"})
    seed: int = field(default=42, metadata={"help": "seed of the split and of training"})
    export: str = field(default="", metadata={
        "help": "copy the `questions` run here with this report in its model card (the shipped retriever: "
                "retriever_finetune/adapters/minilm-questions)"})

    def __post_init__(self) -> None:
        unknown = sorted(set(self.recipe_list()) - set(RECIPES))
        if unknown:
            msg = f"--recipes: unknown {unknown}; choose from {list(RECIPES)}"
            raise InputError(msg)
        for name, folder, files in (("cosqa", self.cosqa, (COSQA_QUERIES, COSQA_CODE_BASE)),
                                    ("staqc", self.staqc, STAQC_FILES)):
            missing = [f for f in files if folder and not (Path(folder) / f).is_file()]
            if missing:
                msg = f"--{name} {folder}: missing {', '.join(missing)}"
                raise InputError(msg)
        if self.export and "questions" not in self.recipe_list():
            msg = "--export ships the `questions` recipe: keep it in --recipes"
            raise InputError(msg)
        for recipe in self.recipe_list():
            for need in RECIPES[recipe].needs:
                if not getattr(self, need):
                    msg = f"recipe {recipe!r} trains on {need}: pass --{need} FOLDER or leave it out of --recipes"
                    raise InputError(msg)

    def recipe_list(self) -> list[str]:
        """The recipes to train, in order."""
        return [r.strip() for r in self.recipes.split(",") if r.strip()]


def cosqa_records(code_base: CodeBaseBenchmark) -> list[Record]:
    """The CoSQA code base as records: each code string as served, its docstring summary for questions."""
    records = []
    for code_id, code in zip(code_base.code_ids, code_base.codes, strict=True):
        found = next(iter_functions(code.strip(), "python"), None)
        name, summary = (found[0], found[2]) if found else ("", "")
        records.append(Record(repo="cosqa", path=f"code-{code_id}", func_name=name, language="python", code=code,
                              docstring=summary))
    return records


def prepare_inputs(config: ExperimentConfig, out: Path, code_base: CodeBaseBenchmark | None) -> tuple[Inputs, Path]:
    """Mine and split the stdlib (once); write the CoSQA code base as records (once)."""
    corpus = out / "data" / "stdlib.jsonl"
    if not mine.split_path(corpus, "test").is_file():
        mine.run(mine.MineConfig(paths=[sysconfig.get_paths()["stdlib"]], out=str(corpus), languages="python",
                                 exclude=",".join(DEFAULT_CORPUS_EXCLUDES), split="0.7,0.1,0.2", seed=config.seed))
    cosqa_path = None
    if code_base is not None:
        cosqa_path = out / "data" / "cosqa-code-base.jsonl"
        if not cosqa_path.is_file():
            write_jsonl(cosqa_records(code_base), cosqa_path)
    return Inputs(mine.split_path(corpus, "train"), Path(config.staqc) if config.staqc else None,
                  cosqa_path), mine.split_path(corpus, "test")


def train_recipe(name: str, config: ExperimentConfig, inputs: Inputs, runs: Path) -> Path:
    """Train one recipe (reused when finished, resumed when interrupted)."""
    recipe, run_dir = RECIPES[name], runs / name
    if (run_dir / METRICS).is_file():
        return run_dir
    train.run(train.TrainConfig(
        train=recipe.sources(inputs), out=str(run_dir), base=config.base, method="lora", towers=recipe.towers,
        document=recipe.document, learning_rate=recipe.learning_rate, epochs=config.epochs,
        batch_size=config.batch_size, max_query_length=config.max_query_length,
        max_code_length=config.train_code_length, seed=config.seed, resume=(run_dir / CONFIG).is_file()))
    return run_dir


def _code_key(spec: RetrieverSpec, towers: str, label: str) -> str:
    """Cache key of the code side: a query-side adapter embeds code with the frozen base, so they share it."""
    return f"{spec.base}|frozen" if towers == "query" or spec.adapter is None else label


def evaluate(label: str, spec: RetrieverSpec, config: ExperimentConfig, *, cosqa: CodeBaseBenchmark | None,
             stdlib_test: list[Record], stdlib: list[Record], cache_dir: Path, reranker, scores: ScoreCache,  # noqa: ANN001
             ) -> dict[str, dict]:
    """Every figure of one retriever (plain, and reranked when a reranker is given)."""
    encoder = load_retriever(spec, max_query_length=config.max_query_length, max_code_length=config.max_code_length)
    code_key, query_key = _code_key(spec, encoder.towers, label), label
    plain: dict[str, float] = {}
    reranked: dict[str, float] = {}
    if cosqa is not None:
        code_vectors = cached_encode(encoder.encode_code, cosqa.codes, key=f"{code_key}|cosqa|c", cache_dir=cache_dir)
        query_vectors = cached_encode(encoder.encode_queries, cosqa.queries, key=f"{query_key}|cosqa|q",
                                      cache_dir=cache_dir)
        figures = summarize(positive_ranks(query_vectors @ code_vectors.T, np.array(cosqa.answer_positions())))
        plain.update({"cosqa_mrr": figures["mrr"], "cosqa_r@1": figures["recall@1"], "cosqa_r@10": figures["recall@10"]})
        n = min(config.rerank_queries, len(cosqa.queries))
        dense = query_vectors[:n] @ code_vectors.T
        answers = [[p] for p in cosqa.answer_positions()[:n]]
        plain["cosqa_subset_mrr"] = mrr(np.array([first_relevant_rank(s, a) for s, a in zip(dense, answers, strict=True)]))
        if reranker is not None:
            records = [Record("cosqa", f"code-{i}", "", "python", code, "") for i, code in zip(cosqa.code_ids, cosqa.codes, strict=True)]
            reranked["cosqa_subset_mrr"] = mrr(reranked_ranks(dense, answers, cosqa.queries[:n], records, reranker,
                                                              scores, reranker.candidates))
    queries = cached_encode(encoder.encode_queries, [r.docstring for r in stdlib_test], key=f"{query_key}|std|q",
                            cache_dir=cache_dir)
    codes = cached_encode(encoder.encode_code, [r.code for r in stdlib_test], key=f"{code_key}|std|c", cache_dir=cache_dir)
    plain["stdlib_mrr"] = evaluate_pool(queries, codes, "full", config.seed)["mrr"]
    howto = load_howto(stdlib)
    documents = cached_encode(encoder.encode_code, [document_text(r, DEFAULT_DOCUMENT) for r in stdlib],
                              key=f"{code_key}|howto|c", cache_dir=cache_dir)
    howto_scores = encoder.encode_queries(howto.questions, show_progress=False) @ documents.T
    ranks = np.array([first_relevant_rank(s, rel) for s, rel in zip(howto_scores, howto.relevant, strict=True)])
    sets = np.array(howto.sets)
    for name in ("dev", "heldout"):
        plain[f"howto_{name}_mrr"] = mrr(ranks[sets == name])
        plain[f"howto_{name}_hit@5"] = recall_at_k(ranks[sets == name], 5)
    if reranker is not None:
        again = reranked_ranks(howto_scores, howto.relevant, howto.questions, stdlib, reranker, scores,
                               reranker.candidates)
        for name in ("dev", "heldout"):
            reranked[f"howto_{name}_mrr"] = mrr(again[sets == name])
            reranked[f"howto_{name}_hit@5"] = recall_at_k(again[sets == name], 5)
        scores.save()
    return {"plain": plain, "reranked": reranked}


COLUMNS = (("cosqa_mrr", "CoSQA dev MRR"), ("cosqa_r@1", "CoSQA R@1"), ("cosqa_subset_mrr", "CoSQA first-N MRR"),
           ("stdlib_mrr", "stdlib test MRR"), ("howto_dev_mrr", "how-to dev MRR"),
           ("howto_heldout_mrr", "how-to held-out MRR"), ("howto_heldout_hit@5", "held-out hit@5"))


def run(config: ExperimentConfig) -> dict:
    """Prepare, train, evaluate; write report/report.{json,md}; return the report."""
    started = time.perf_counter()
    out = Path(config.out)
    cosqa = load_cosqa(Path(config.cosqa) / COSQA_QUERIES, Path(config.cosqa) / COSQA_CODE_BASE) if config.cosqa else None
    inputs, test_path = prepare_inputs(config, out, cosqa)
    stdlib_test = list(read_jsonl(test_path))
    stdlib = mine_corpus(default_corpus(), exclude=DEFAULT_CORPUS_EXCLUDES, languages=["python"],
                         documented_only=True)
    timings: dict[str, float] = {}
    retrievers: dict[str, RetrieverSpec] = {"frozen": parse_retriever("base", base=config.base)}
    for name in config.recipe_list():
        run_dir = train_recipe(name, config, inputs, out / "runs")
        timings[name] = json.loads((run_dir / METRICS).read_text())["wall_time_s"]
        retrievers[name] = parse_retriever(str(run_dir))
    reranker = load_reranker(config.rerank, fusion_weight=config.rerank_fusion) if config.rerank != "none" else None
    scores = ScoreCache(out / "cache" / "rerank-scores.json")
    (out / "cache").mkdir(parents=True, exist_ok=True)
    results = {label: evaluate(label, spec, config, cosqa=cosqa, stdlib_test=stdlib_test, stdlib=stdlib,
                               cache_dir=out / "cache", reranker=reranker, scores=scores)
               for label, spec in retrievers.items()}
    rows = []
    for label, result in results.items():
        rows.append([label, *[result["plain"].get(key, "-") for key, _ in COLUMNS]])
        if result["reranked"]:
            rows.append([f"{label} + rerank {config.rerank} (fusion {config.rerank_fusion:g})",
                         *[result["reranked"].get(key, "-") for key, _ in COLUMNS]])
    wall = time.perf_counter() - started
    table = markdown_table(["retriever", *[title for _, title in COLUMNS]], rows)
    notes = (f"CoSQA first-N: the first {config.rerank_queries} dev queries, where reranked rows are measured. "
             f"How-to: {sum(s == 'dev' for s in load_howto(stdlib).sets)} dev and "
             f"{sum(s == 'heldout' for s in load_howto(stdlib).sets)} held-out questions against "
             f"{len(stdlib)} stdlib functions. Training wall time of each run (s): "
             + ", ".join(f"{k} {v:.0f}" for k, v in timings.items())
             + f". This call: {wall:.0f} s (finished runs, embeddings and reranker scores are reused).")
    markdown = f"## Question-style retrieval: recipes compared\n\n{table}\n\n{notes}"
    payload = {"config": vars(config), "results": results, "training_s": timings, "wall_s": wall,
               "recipes": {n: RECIPES[n].description for n in config.recipe_list()}, "markdown": markdown}
    write_report(out / "report", payload, markdown)
    if config.export:
        export_run(out / "runs" / "questions", Path(config.export), markdown, RECIPES["questions"])
    return payload


def export_run(run_dir: Path, target: Path, report: str, recipe: Recipe) -> None:
    """Copy a finished run (adapter, config, metrics) to `target` with a model card holding this report."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(run_dir / "adapter", target / "adapter", ignore=shutil.ignore_patterns("README.md"))
    for name in (CONFIG, METRICS):
        shutil.copy2(run_dir / name, target / name)
    run_card = (run_dir / "README.md").read_text()
    cost = run_card[run_card.index("| | |"): run_card.index("## Use")].strip()
    name = target.name
    (target / "README.md").write_text(f"""# `{name}`: {recipe.description}

A PEFT adapter on all-MiniLM-L6-v2 (`minilm`), shipped inside the package: `--retriever {name}` in every CLI,
`load_encoder("{name}")` in Python. Offline: the weights are these files. Code is embedded by the frozen base
(towers `{recipe.towers}`), so only questions move.

Made by (from nothing but the data folders):

    python -m eval.experiments.question_retrieval --cosqa ../shared/data/cosqa --staqc ../shared/data/staqc \\
        --export retriever_finetune/adapters/{name}

Training sources: {", ".join(f"`{e}`" for e in json.loads((run_dir / CONFIG).read_text())["config"]["train"])}.

{cost}

## Measured against the frozen base

{report}
""")
    logger.info("exported %s to %s", run_dir, target)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    return run_cli(ExperimentConfig, run, argv, description=__doc__ or "", render=lambda r: r["markdown"])


if __name__ == "__main__":
    raise SystemExit(main())

"""CLI: the paper's headline experiment: does a PEFT-tuned retriever make RAG answers better than the frozen
one? Every retriever, on the same questions, in retrieval (MRR) and in RAG (ROUGE), in-domain and held out.

    python -m eval.experiments.paper_rag [--out experiments/paper_rag] [--questions 200] [--batch_size 16]

1. trains the runs of `eval.experiments.peft_comparison` that `--peft` lacks (lora, adalora, ia3, prompt, full
   on the standard library's training split; finished runs are reused, a half-trained one resumes);
2. mines the held-out corpus: installed third-party packages (`--packages`) that no run trained on;
3. per corpus (the stdlib test split of step 1, and the held-out one), samples the same N questions
   (docstrings) for every retriever and measures:
   - retrieval: the rank of the question's own function among it and 999 distractors of that corpus
     (the CodeSearchNet protocol): MRR and R@5;
   - RAG: the paper's protocol (`eval.rouge --protocol paper`: top 5 from the whole corpus, its prompt,
     sampling at T 0.2, seeded per question; ROUGE-1/2/L/Lsum with stemming);
   with paired bootstrap intervals of each retriever's difference to the frozen base;
4. writes results.json, results.csv, results.md and rouge_vs_mrr.png into `--out`.
Every answer is cached as it is final, so an interrupted experiment resumes from its finished answers.
"""

from __future__ import annotations

import csv
import importlib.metadata
import importlib.util
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from data import mine
from data.cli import InputError, list_option, run_cli
from eval import rouge
from eval.answer_metrics import bootstrap_ci, paired_bootstrap_ci
from eval.answers import EvalItem, load_eval_data
from eval.experiments import peft_comparison
from eval.paper_protocol import PAPER_ROUGE_TYPES
from eval.report import markdown_table
from eval.retrieval import CSN_DISTRACTORS, cached_encode, distractor_indices
from retriever_finetune.models import load_retriever
from retriever_finetune.precision_choice import HELP as PRECISION_HELP
from retriever_finetune.precision_choice import check_precision
from retriever_finetune.run_dir import METRICS
from retriever_finetune.spec import parse_retriever

logger = logging.getLogger(__name__)

RETRIEVERS = ("none", "base", *peft_comparison.METHODS, "minilm-questions")
HELD_OUT_PACKAGES = ("click", "jinja2", "requests", "rich", "packaging")
RESULT_FIELDS = ("corpus", "retriever", "questions", "mrr", "mrr_low", "mrr_high", "recall@5", "rag_hit@5",
                 *[f"{t}{s}" for t in PAPER_ROUGE_TYPES for s in ("", "_low", "_high")],
                 *[f"d_{m}{s}" for m in ("mrr", *PAPER_ROUGE_TYPES) for s in ("", "_low", "_high")])


@dataclass
class PaperRagConfig:
    """Options of `python -m eval.experiments.paper_rag`."""

    out: str = field(default="experiments/paper_rag", metadata={"help": "folder for the corpora, caches and results"})
    peft: str = field(default="experiments/peft", metadata={
        "help": "the peft_comparison folder whose runs/ and data/ are used (missing runs are trained there)"})
    base: str = field(default="minilm", metadata={"help": "the encoder `base` stands for (and the runs are trained on)"})
    train: bool = field(default=True, metadata={"help": "train missing runs (--no_train: stop and name the command)"})
    retrievers: list[str] = field(default_factory=lambda: list(RETRIEVERS), metadata={
        "help": "separated by spaces, from " + " ".join(RETRIEVERS)})
    packages: str = field(default=",".join(HELD_OUT_PACKAGES), metadata={
        "help": "installed packages mined as the held-out corpus"})
    questions: int = field(default=200, metadata={"help": "questions per corpus (a seeded sample)"})
    batch_size: int = field(default=16, metadata={"help": "answers decoded together"})
    generator: str = field(default="gemma", metadata={"help": "gemma, hf:NAME_OR_PATH, openai:MODEL, ollama:MODEL"})
    precision: str = field(default="auto", metadata={"help": PRECISION_HELP})
    n_resamples: int = field(default=2000, metadata={"help": "bootstrap resamples"})
    seed: int = field(default=0, metadata={"help": "seed of the question sample, distractors, sampling and bootstrap"})

    def __post_init__(self) -> None:
        self.retrievers = list_option(self.retrievers)
        unknown = sorted(set(self.retrievers) - set(RETRIEVERS))
        if unknown:
            msg = f"--retrievers: unknown {unknown}; choose from {' '.join(RETRIEVERS)}"
            raise InputError(msg)
        if "base" not in self.retrievers:
            msg = "--retrievers must include base: every difference is taken to the frozen base"
            raise InputError(msg)
        if self.questions <= 0 or self.batch_size <= 0:
            msg = "--questions and --batch_size must be positive"
            raise InputError(msg)
        check_precision(self.precision)

    def package_list(self) -> list[str]:
        """Held-out packages in order."""
        return [x.strip() for x in self.packages.split(",") if x.strip()]


def train_command(config: PaperRagConfig, method: str) -> str:
    """The command that trains one missing run."""
    return f"python -m eval.experiments.peft_comparison --out {config.peft} --methods {method}"


def ensure_runs(config: PaperRagConfig) -> Path:
    """The runs folder, with every PEFT run the experiment needs finished (trained here unless --no_train)."""
    methods = [m for m in config.retrievers if m in peft_comparison.METHODS]
    runs = Path(config.peft) / "runs"
    unfinished = [m for m in methods if not (runs / m / METRICS).is_file()]
    if unfinished and not config.train:
        state = ", ".join(f"{m} ({'half-written' if (runs / m).exists() else 'missing'})" for m in unfinished)
        msg = f"runs not finished in {runs}: {state}; train them with `{train_command(config, ','.join(unfinished))}`"
        raise InputError(msg)
    if unfinished or not peft_comparison_split(config).is_file():
        peft_comparison.run(peft_comparison.ExperimentConfig(out=config.peft, methods=",".join(methods), base=config.base))
    for method in methods:  # a folder with metrics.json but no weights was cut short some other way
        try:
            parse_retriever(method, base=config.base, runs_dir=runs)
        except InputError as error:
            msg = f"run {runs / method} is incomplete ({error}); delete it and run `{train_command(config, method)}`"
            raise InputError(msg) from None
    return runs


def peft_comparison_split(config: PaperRagConfig) -> Path:
    """The stdlib test split the runs were not trained on."""
    return mine.split_path(Path(config.peft) / "data" / "corpus.jsonl", "test")


def held_out_corpus(config: PaperRagConfig) -> tuple[Path, dict[str, str]]:
    """The mined held-out corpus (mined once) and the packages in it with their versions."""
    versions = {}
    paths = []
    for name in config.package_list():
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            msg = f"--packages: {name} is not an installed package folder; pip install it or drop it"
            raise InputError(msg)
        paths.append(next(iter(spec.submodule_search_locations)))
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "?"
    out = Path(config.out) / "held_out" / f"{'-'.join(f'{n}{v}' for n, v in versions.items())}.jsonl"
    if not out.is_file():
        mine.run(mine.MineConfig(paths=paths, out=str(out), languages="python", exclude="test,tests"))
    return out, versions


def sample_questions(corpus: Path, config: PaperRagConfig) -> tuple[list[EvalItem], list[int], list]:
    """The seeded question sample `eval.rouge --limit` takes, each question's own function (its position in
    the corpus), and the corpus records."""
    items, records = load_eval_data(str(corpus))
    if records is None or len(records) < CSN_DISTRACTORS + 1:
        msg = (f"{corpus} holds {0 if records is None else len(records)} functions; the CodeSearchNet protocol needs "
               f"{CSN_DISTRACTORS + 1}: add packages with --packages")
        raise InputError(msg)
    if len(items) < config.questions:
        logger.warning("%s has %d questions, fewer than the %d asked: using all %d", corpus, len(items),
                       config.questions, len(items))
    with_question = [i for i, r in enumerate(records) if r.docstring.strip() and r.code.strip()]  # as items are made
    chosen = rouge._sample(list(range(len(items))), config.questions, config.seed)  # noqa: SLF001
    return [items[c] for c in chosen], [with_question[c] for c in chosen], records


def retrieval_ranks(config: PaperRagConfig, runs: Path, items: list[EvalItem], own: list[int], records: list
                    ) -> dict[str, np.ndarray]:
    """Per retriever: the rank of each question's own function (`own`: its corpus position) among it and 999
    distractors of the corpus."""
    ranks = {}
    cache_dir = Path(config.out) / "cache" / "embeddings"
    for name in config.retrievers:
        if name == "none":
            continue
        spec = parse_retriever(name, base=config.base, runs_dir=runs)
        encoder = load_retriever(spec, precision=config.precision)
        key = f"{spec.label}|{spec.run_dir}|{config.precision}"
        queries = cached_encode(encoder.encode_queries, [item.question for item in items], key=f"{key}|q",
                                cache_dir=cache_dir)  # (n, dim)
        codes = cached_encode(encoder.encode_code, [r.code for r in records], key=f"{key}|c", cache_dir=cache_dir)
        rng = np.random.default_rng(config.seed)
        found = np.empty(len(items), dtype=np.int64)
        for row, (query, index) in enumerate(zip(queries, own, strict=True)):
            candidates = np.concatenate([[index], distractor_indices(len(records), index, rng)])
            scores = codes[candidates] @ query  # (1000,)
            found[row] = 1 + int((scores[1:] >= scores[0]).sum())  # ties count against the question
        ranks[spec.label] = found
    return ranks


def interval(values: np.ndarray, config: PaperRagConfig) -> tuple[float, float, float]:
    """Mean and 95% bootstrap interval."""
    return bootstrap_ci(values, n_resamples=config.n_resamples, seed=config.seed)


def corpus_rows(name: str, config: PaperRagConfig, ranks: dict[str, np.ndarray], report: dict) -> list[dict]:
    """One result row per retriever: retrieval and ROUGE with intervals, and differences to the frozen base."""
    per_question = report["per_question"]
    base = report["reference"]
    rouge_scores = {label: {t: np.array([row[t] for row in rows]) for t in PAPER_ROUGE_TYPES}
                    for label, rows in per_question.items()}
    rows = []
    for label, scores in rouge_scores.items():
        row: dict = {"corpus": name, "retriever": label, "questions": len(per_question[label]),
                     "rag_hit@5": report["summary"][label]["hit_rate"]}
        reciprocal = 1.0 / ranks[label] if label in ranks else None
        if reciprocal is not None:
            row["mrr"], row["mrr_low"], row["mrr_high"] = interval(reciprocal, config)
            row["recall@5"] = float((ranks[label] <= 5).mean())
            if label != base:
                row["d_mrr"], row["d_mrr_low"], row["d_mrr_high"] = paired_bootstrap_ci(
                    reciprocal, 1.0 / ranks[base], n_resamples=config.n_resamples, seed=config.seed)
        for t in PAPER_ROUGE_TYPES:
            row[t], row[f"{t}_low"], row[f"{t}_high"] = interval(scores[t], config)
            if label != base:
                row[f"d_{t}"], row[f"d_{t}_low"], row[f"d_{t}_high"] = paired_bootstrap_ci(
                    scores[t], rouge_scores[base][t], n_resamples=config.n_resamples, seed=config.seed)
        rows.append(row)
    return rows


def _difference(row: dict, metric: str) -> str:
    if f"d_{metric}" not in row:
        return "-"
    low, high = row[f"d_{metric}_low"], row[f"d_{metric}_high"]
    mark = " *" if low > 0 or high < 0 else ""
    return f"{row[f'd_{metric}']:+.4f} [{low:+.4f}, {high:+.4f}]{mark}"


def results_markdown(rows: list[dict], corpora: dict[str, str], wall: dict) -> str:
    """The results table: per corpus and retriever, retrieval and RAG side by side."""
    header = ["corpus", "retriever", "n", "MRR", "R@5", "ROUGE-1", "ROUGE-2", "ROUGE-L", "ROUGE-Lsum",
              "ΔMRR vs base [95% CI]", "ΔROUGE-L vs base [95% CI]"]
    table = [[r["corpus"], r["retriever"], r["questions"], f"{r['mrr']:.3f}" if "mrr" in r else "-",
              f"{r['recall@5']:.3f}" if "recall@5" in r else "-",
              *[f"{r[t]:.4f}" for t in PAPER_ROUGE_TYPES], _difference(r, "mrr"), _difference(r, "rougeL")]
             for r in rows]
    sources = "; ".join(f"{name}: {path}" for name, path in corpora.items())
    return (markdown_table(header, table) + f"\n\n`*`: the 95% paired bootstrap interval excludes 0. Corpora: {sources}. "
            f"Wall time {wall['total_s'] / 60:.0f} min ({wall['answers']} answers generated in this call, "
            f"{wall['answers_per_min']:.1f} answers/min).")


def write_results(out: Path, rows: list[dict], markdown: str, payload: dict) -> None:
    """results.json (everything), results.csv (one row per corpus and retriever), results.md, rouge_vs_mrr.png."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps({**payload, "rows": rows}, indent=2), encoding="utf-8")
    with (out / "results.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(RESULT_FIELDS))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (f"{v:.6f}" if isinstance(v, float) else v) for k, v in row.items()})
    (out / "results.md").write_text(markdown + "\n", encoding="utf-8")
    plot_rouge_against_mrr(out / "rouge_vs_mrr.png", rows)


def plot_rouge_against_mrr(path: Path, rows: list[dict]) -> None:
    """ROUGE-L against MRR per retriever with both intervals, one panel per corpus; `none` as a dashed line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    corpora = list(dict.fromkeys(r["corpus"] for r in rows))
    fig, axes = plt.subplots(1, len(corpora), figsize=(6 * len(corpora), 4.5), squeeze=False)
    for ax, corpus in zip(axes[0], corpora, strict=True):
        for row in (r for r in rows if r["corpus"] == corpus):
            if "mrr" not in row:
                ax.axhline(row["rougeL"], linestyle="--", color="grey", linewidth=1)
                ax.annotate(f"{row['retriever']} (no retrieval)", (0.01, row["rougeL"]), xycoords=("axes fraction", "data"),
                            fontsize=8, va="bottom", color="grey")
                continue
            ax.errorbar(row["mrr"], row["rougeL"], xerr=[[row["mrr"] - row["mrr_low"]], [row["mrr_high"] - row["mrr"]]],
                        yerr=[[row["rougeL"] - row["rougeL_low"]], [row["rougeL_high"] - row["rougeL"]]], fmt="o", capsize=3)
            ax.annotate(row["retriever"], (row["mrr"], row["rougeL"]), textcoords="offset points", xytext=(4, 4), fontsize=8)
        ax.set_title(f"{corpus} ({rows[0]['questions']} questions)" if rows else corpus)
        ax.set_xlabel("MRR (CodeSearchNet protocol, 95% CI)")
        ax.set_ylabel("RAG answer ROUGE-L (paper protocol, 95% CI)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run(config: PaperRagConfig) -> dict:
    """Train what is missing, evaluate every retriever on both corpora, write the results; return them."""
    started = time.perf_counter()
    runs = ensure_runs(config)
    trained_s = time.perf_counter() - started
    held_out, versions = held_out_corpus(config)
    corpora = {"stdlib test": str(peft_comparison_split(config)),
               "held-out packages": f"{held_out} ({', '.join(f'{n} {v}' for n, v in versions.items())})"}
    rows: list[dict] = []
    per_question: dict[str, dict[str, list[dict]]] = {}
    answers = 0
    generation_s = 0.0
    for name, path in (("stdlib test", peft_comparison_split(config)), ("held-out packages", held_out)):
        items, own, records = sample_questions(path, config)
        ranks = retrieval_ranks(config, runs, items, own, records)
        rouge_config = rouge.RougeConfig(
            retriever=list(config.retrievers), data=str(path),
            generator=config.generator, base=config.base, runs_dir=str(runs), protocol="paper", rerank="none", limit=config.questions,
            out=str(Path(config.out) / "rouge" / name.replace(" ", "-")), cache_dir=str(Path(config.out) / "cache" / "generations"),
            persist=str(Path(config.out) / "chroma"), batch_size=config.batch_size, precision=config.precision,
            n_resamples=config.n_resamples, seed=config.seed)
        cached_before = _cached_answers(rouge_config)
        generation_started = time.perf_counter()
        report = rouge.run(rouge_config)
        generation_s += time.perf_counter() - generation_started
        answers += _cached_answers(rouge_config) - cached_before
        if [item.id for item in items] != [row["id"] for row in next(iter(report["per_question"].values()))]:
            msg = "the RAG and retrieval question samples differ: a bug, please report it"
            raise RuntimeError(msg)
        rows += corpus_rows(name, config, ranks, report)
        per_question[name] = {label: [{"id": item.id, "rank": int(rank)} for item, rank in zip(items, found, strict=True)]
                              for label, found in ranks.items()}
    wall = {"total_s": time.perf_counter() - started, "training_s": trained_s, "generation_s": generation_s,
            "answers": answers, "answers_per_min": 60 * answers / generation_s if generation_s else 0.0}
    markdown = results_markdown(rows, corpora, wall)
    payload = {"corpora": corpora, "retrievers": config.retrievers, "generator": config.generator,
               "questions_asked": config.questions, "wall": wall}
    write_results(Path(config.out), rows, markdown, {**payload, "retrieval_ranks": per_question})
    logger.info("experiment finished in %.0f min", wall["total_s"] / 60)
    return {**payload, "rows": rows, "markdown": markdown}


def _cached_answers(config: rouge.RougeConfig) -> int:
    """Answers in the generation cache (to count how many this call generated)."""
    folder = Path(config.cache_dir)
    return sum(1 for f in folder.rglob("*.jsonl") for _ in f.open(encoding="utf-8")) if folder.is_dir() else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    return run_cli(PaperRagConfig, run, argv, description=__doc__ or "", render=lambda r: r["markdown"])


if __name__ == "__main__":
    raise SystemExit(main())

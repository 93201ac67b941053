"""CLI: RAG answer quality (ROUGE-1/2/L F1) per retriever, with bootstrap intervals and paired differences.

    python -m eval.rouge --retriever none base lora [--data TEST.jsonl] [--generator gemma] [--k 3] [--limit 100]

`--data` is a question/reference jsonl (then `--corpus` names the functions to search) or a
CodeSearchNet-shaped split (question = docstring, reference = code, corpus = the split). Without it, the
test split of this Python's standard library is used: mined and split by file once (80/10/10, seed 0,
tests excluded, as `rag.ask` excludes them) and cached; a missing run such as `lora` is answered with the
command that trains it on the train split of the same corpus. `none` is the
no-retrieval floor; any other retriever is a `--retriever` of `rag.ask`,
one adapter per language included. Generations are cached, so re-running or adding a retriever only generates what is new.
Retrievers are compared as embedding models; `--rerank gemma` adds a row per retriever behind the reranker
that `rag.ask` uses, paired with the same questions.
"""

from __future__ import annotations

import hashlib
import logging
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from data import mine
from data.cache import DEFAULT_CACHE
from data.cli import InputError, list_option, run_cli
from data.corpus import DEFAULT_CORPUS_EXCLUDES, default_corpus
from data.loaders import load_records
from eval.answer_metrics import ROUGE_TYPES, bootstrap_ci, paired_bootstrap_ci, rouge_f1
from eval.answers import EvalItem, Generation, GenerationCache, load_eval_data
from eval.paper import paper_section
from eval.paper_protocol import PAPER_K, PAPER_MAX_NEW_TOKENS, PAPER_ROUGE_TYPES, paper_answers, question_seed
from eval.report import bar_chart, markdown_table, write_report
from rag.answer import Answer, answer_questions
from rag.generation import load_generator
from rag.opening import open_first_stage
from rag.options import (
    DEFAULT_K,
    DEFAULT_RERANK,
    GeneratorOptions,
    SearchOptions,
    check_generator_spec,
    check_reranker_spec,
    resolve_reranker,
)
from rag.prompts import PROMPTS_DIR
from rag.rerank import QueryLikelihoodReranker, load_reranker
from rag.search import Retriever
from rag.store.chroma import retriever_fingerprint
from retriever_finetune.peft_methods import PEFT_METHODS
from retriever_finetune.precision import resolve_precision
from retriever_finetune.precision_choice import HELP as PRECISION_HELP
from retriever_finetune.precision_choice import check_precision
from retriever_finetune.spec import HELP as RETRIEVER_HELP
from retriever_finetune.spec import parse_retriever

logger = logging.getLogger(__name__)


@dataclass
class RougeConfig:
    """Options of `python -m eval.rouge`."""

    retriever: list[str] = field(default_factory=lambda: ["none", "base"], metadata={
        "help": f"retrievers separated by spaces, each none (no retrieval) or {RETRIEVER_HELP}"})
    data: str = field(default="", metadata={
        "help": "question/reference jsonl, or a CodeSearchNet-shaped split (default: the standard library's test "
                "split, built once)"})
    corpus: str = field(default="", metadata={"help": "functions to search (default: the split given as --data)"})
    generator: str = field(default="gemma", metadata={"help": "gemma, hf:NAME_OR_PATH, openai:MODEL, ollama:MODEL"})
    base_url: str = field(default="", metadata={"help": "endpoint of an openai:/ollama: generator"})
    rerank: str = field(default=DEFAULT_RERANK, metadata={
        "help": "also score each retriever reranked by a local LM: none, gemma, hf:NAME; auto: gemma, except with an "
                "openai:/ollama: generator (as rag.ask)"})
    base: str = field(default="minilm", metadata={"help": "the encoder `base` stands for"})
    runs_dir: str = field(default="runs", metadata={"help": "where run names are looked up"})
    k: int = field(default=DEFAULT_K, metadata={"help": "functions retrieved per question"})
    limit: int = field(default=0, metadata={"help": "evaluate a seeded sample of N questions (0: all)"})
    max_new_tokens: int = field(default=64, metadata={"help": "answer length limit"})
    max_context_tokens: int = field(default=1024, metadata={"help": "prompt budget"})
    out: str = field(default="reports/rouge", metadata={"help": "report folder"})
    cache_dir: str = field(default=".cache/generations", metadata={"help": "generation cache"})
    persist: str = field(default=".cache/rouge-chroma", metadata={"help": "Chroma folder for the corpus indexes"})
    protocol: str = field(default="qa", metadata={
        "help": "qa: answer the question from the sources, greedy; paper: the paper's RAG protocol (its prompt, "
                "k=5, sampling at temperature 0.2 with repetition penalty 1.1, seeded, up to 512 new tokens, stopped "
                "at the end of the generated function; ROUGE-1/2/L/Lsum with stemming)", "choices": ["qa", "paper"]})
    batch_size: int = field(default=16, metadata={"help": "answers decoded together by a local generator (continuous batching)"})
    precision: str = field(default="auto", metadata={"help": PRECISION_HELP})
    n_resamples: int = field(default=2000, metadata={"help": "bootstrap resamples"})
    seed: int = field(default=0, metadata={"help": "seed of the sample and the bootstrap"})

    def __post_init__(self) -> None:
        self.retriever = list_option(self.retriever, required="--retriever is empty; e.g. --retriever none base lora")
        check_generator_spec(self.generator)
        if self.protocol == "paper" and self.rerank == "auto":
            self.rerank = "none"  # the paper's protocol has no reranker
        self.rerank = check_reranker_spec(resolve_reranker(self.rerank, self.generator))  # auto, as rag.ask
        check_precision(self.precision)
        if self.generator == "none":
            msg = "--generator none makes no answers to score; pick gemma, hf:..., openai:... or ollama:..."
            raise InputError(msg)
        if self.protocol not in ("qa", "paper"):
            msg = f"--protocol must be qa or paper, not {self.protocol!r}"
            raise InputError(msg)
        if self.protocol == "paper":
            self.k, self.max_new_tokens = PAPER_K, PAPER_MAX_NEW_TOKENS
        if self.k <= 0 or self.limit < 0 or self.max_new_tokens <= 0 or self.batch_size <= 0:
            msg = "--k, --max_new_tokens and --batch_size must be positive and --limit >= 0"
            raise InputError(msg)


def _same_code(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


ANSWER_PROMPTS = ("answer", "no_context", "source", "answer_base", "source_base")


def _prompts_digest(names: tuple[str, ...] = ANSWER_PROMPTS) -> str:
    """Digest of the templates that shape a generation (so editing one invalidates its cached answers)."""
    return hashlib.sha1(b"".join((PROMPTS_DIR / f"{n}.txt").read_bytes() for n in names)).hexdigest()[:12]


def _sample(items: list[EvalItem], limit: int, seed: int) -> list[EvalItem]:
    if not limit or limit >= len(items):
        return items
    chosen = sorted(random.Random(seed).sample(range(len(items)), limit))
    return [items[i] for i in chosen]


def _first_stage(config: RougeConfig, name: str, corpus_path: str, corpus: list) -> tuple[str, Retriever]:
    """The retriever's index of the corpus, synced, with its embedding fingerprint, as a dense search
    (the paper's protocol, and the figures measured before hybrid search)."""
    # the questions are the corpus's docstrings: embed code alone, or retrieval would be handed the answer
    options = SearchOptions(retriever=name, base=config.base, runs_dir=config.runs_dir, persist=config.persist,
                            document="code", precision=config.precision, corpus=[corpus_path], rerank="none",
                            lexical_weight=0)
    retriever = open_first_stage(options, records=corpus)
    return ",".join(retriever_fingerprint(part.spec) for _, part in retriever.index.parts()), retriever


def _pipelines(config: RougeConfig, corpus_path: str, corpus: list, reranker: QueryLikelihoodReranker | None
               ) -> Iterator[tuple[str, str, Retriever | None]]:
    """(label, cache key part, retriever) per row: `none`, then each retriever, and each again reranked."""
    specs = {s: None if s == "none" else parse_retriever(s, base=config.base, runs_dir=config.runs_dir)
             for s in config.retriever}  # resolve all first: a bad name fails before any work
    for name, spec in specs.items():
        if spec is None:
            yield "none", "none|none", None
            continue
        fingerprint, retriever = _first_stage(config, name, corpus_path, corpus)
        key = f"{name}|{fingerprint}"
        yield spec.label, key, retriever
        if reranker is not None:
            retriever = retriever.variant(reranker=reranker)
            yield (f"{spec.label} + rerank {config.rerank}",
                   f"{key}|rerank={config.rerank}|fusion={reranker.fusion_weight:g}|{_prompts_digest(('rerank',))}",
                   retriever)


def _bf16_key(config: RougeConfig, generator: object) -> str:
    """The cache key's part for bf16 (bf16 prefill moves the odd token): the phases `--precision` runs in bf16 on
    the generator's device, the encoder's and the generator's together (bf16 encoding can move a source too),
    the same string as when one policy held both; empty in float32."""
    precision = getattr(generator, "precision", None)
    if precision is None or not precision.bf16_phases:
        return ""
    phases = precision.bf16_phases | resolve_precision(config.precision, precision.device_type).bf16_phases
    return f"|bf16={','.join(sorted(phases))}"


def generate_all(config: RougeConfig, items: list[EvalItem], corpus_path: str, corpus: list, generator: object,
                 reranker: QueryLikelihoodReranker | None = None) -> dict[str, list[Generation]]:
    """Generations per row label (from the cache where present)."""
    results: dict[str, list[Generation]] = {}
    for label, pipeline_key, retriever in _pipelines(config, corpus_path, corpus, reranker):
        # an endpoint's model is named by the server too: the same name elsewhere is another model
        where = getattr(generator, "where", "")
        generator_id = f"{generator.name}@{where}" if where else generator.name
        paper = config.protocol == "paper"
        key = "|".join(map(str, (pipeline_key, corpus_path, generator_id, config.k, config.max_new_tokens,
                                 config.max_context_tokens, _prompts_digest())))
        if paper:  # v3: one seeded inverse-CDF sampler per question (continuous batching)
            key += f"|paper|seed={config.seed}|{_prompts_digest(('paper',))}|sampler=v3"
        key += _bf16_key(config, generator)
        cache = GenerationCache(Path(config.cache_dir), key)
        missing = [item for item in items if cache.get(item.id) is None]
        # each answer cached as it is final, so an interrupted run keeps what it finished
        with tqdm(total=len(items), initial=len(items) - len(missing), desc=f"Answering with {label}", unit="q",
                  disable=not logger.isEnabledFor(logging.INFO)) as bar:
            def keep(i: int, answer: Answer, missing: list[EvalItem] = missing, retriever: Retriever | None = retriever,
                     cache: GenerationCache = cache, bar: tqdm = bar) -> None:
                item = missing[i]
                hit = None if retriever is None else any(_same_code(s.code, item.reference) for s in answer.sources)
                cache.put(Generation(id=item.id, answer=answer.text, hit=hit, sources=[s.id for s in answer.sources]))
                bar.update(1)

            questions = [item.question for item in missing]
            if paper:
                paper_answers(questions, [question_seed(config.seed, item.id) for item in missing], retriever,
                              generator, k=config.k, batch_size=config.batch_size, on_answer=keep)
            else:
                answer_questions(questions, retriever, generator, k=config.k, max_new_tokens=config.max_new_tokens,
                                 max_context_tokens=config.max_context_tokens, batch_size=config.batch_size,
                                 on_answer=keep)
        results[label] = [cache.get(item.id) for item in items]  # type: ignore[misc]
    return results


SPLITS_DIR = DEFAULT_CACHE / "splits"


def default_split(name: str) -> Path:
    """The `name` split (train, valid, test) of this Python's standard library, mined and split once."""
    cache_dir = SPLITS_DIR
    corpus = cache_dir / f"stdlib-py{sys.version_info.major}.{sys.version_info.minor}.jsonl"
    target = mine.split_path(corpus, name)
    if not target.is_file():
        logger.info("no --data: mining and splitting the standard library (once) into %s", cache_dir)
        mine.run(mine.MineConfig(paths=default_corpus(), out=str(corpus), languages="python",
                                 exclude=",".join(DEFAULT_CORPUS_EXCLUDES), split="0.8,0.1,0.1", seed=0))
    return target


def check_runs_exist(config: RougeConfig) -> None:
    """Every retriever resolves; a missing run on the default data gets the exact command that trains it."""
    for name in config.retriever:
        if name == "none":
            continue
        try:
            parse_retriever(name, base=config.base, runs_dir=config.runs_dir)
        except InputError:
            if config.data or "/" in name or Path(name).exists():
                raise
            method = name if name in PEFT_METHODS else "lora"
            base = f" --base {config.base}" if config.base != RougeConfig.base else ""
            msg = (f"retriever {name!r}: {Path(config.runs_dir) / name} does not exist; train it with "
                   f"`python -m retriever_finetune.train{base} --method {method} --document code "
                   f"--train docstrings:{default_split('train')} --out {Path(config.runs_dir) / name}`")
            raise InputError(msg) from None


def run(config: RougeConfig) -> dict:
    """Generate (or reuse), score, and write report.json / report.md / rouge.png."""
    check_runs_exist(config)
    if not config.data:
        config.data = str(default_split("test"))
    items, records = load_eval_data(config.data)
    corpus_path = config.corpus or (config.data if records is not None else "")
    if not corpus_path:
        msg = f"{config.data} is a question/reference file: pass --corpus FILE.jsonl with the functions to search"
        raise InputError(msg)
    corpus = records if not config.corpus and records is not None else load_records(corpus_path)
    if not corpus:
        msg = f"the corpus {corpus_path} is empty: nothing to retrieve from"
        raise InputError(msg)
    items = _sample(items, config.limit, config.seed)
    if not items:
        msg = f"{config.data} holds no question with a reference"
        raise InputError(msg)
    options = GeneratorOptions(base_url=config.base_url or None, precision=config.precision)
    generator = load_generator(config.generator, options)
    reranker = load_reranker(config.rerank, options, reuse=generator if config.rerank == config.generator else None)
    generations = generate_all(config, items, corpus_path, corpus, generator, reranker)

    paper = config.protocol == "paper"
    types = PAPER_ROUGE_TYPES if paper else ROUGE_TYPES
    per_item = {label: [rouge_f1(item.reference, g.answer, types=types, stem=paper)
                        for item, g in zip(items, gens, strict=True)] for label, gens in generations.items()}
    scores = {label: {t: np.array([row[t] for row in rows]) for t in types} for label, rows in per_item.items()}
    summary: dict[str, dict] = {}
    for label, by_type in scores.items():
        hits = [g.hit for g in generations[label] if g.hit is not None]
        summary[label] = {t: dict(zip(("mean", "low", "high"), bootstrap_ci(v, n_resamples=config.n_resamples,
                                                                            seed=config.seed), strict=True))
                          for t, v in by_type.items()}
        summary[label]["hit_rate"] = float(np.mean(hits)) if hits else None
    reference_label = next((lbl for lbl in scores if lbl.endswith("(frozen)")), None)
    differences: dict[str, dict] = {}
    if reference_label and len(scores) > 1:
        for label in scores:
            if label != reference_label:
                differences[label] = {t: dict(zip(("mean", "low", "high"), paired_bootstrap_ci(
                    scores[label][t], scores[reference_label][t], n_resamples=config.n_resamples, seed=config.seed), strict=True))
                    for t in types}

    def cell(stats: dict) -> str:
        return f"{stats['mean']:.4f} [{stats['low']:.4f}, {stats['high']:.4f}]"

    rows = [[label, *[cell(s[t]) for t in types], "-" if s["hit_rate"] is None else f"{s['hit_rate']:.3f}"]
            for label, s in summary.items()]
    protocol = ("the paper's protocol (its prompt, sampled at T 0.2, seeded; stemmed ROUGE)" if paper
                else "QA protocol (greedy)")
    markdown = (f"## RAG answer ROUGE F1 (mean [95% bootstrap CI]), {len(items)} questions from {config.data}, "
                f"generator {generator.name}, k={config.k}, {protocol}\n\n"
                + markdown_table(["retriever", *types, f"hit@{config.k}"], rows))
    if differences:
        diff_rows = []
        for label, by_type in differences.items():
            outside = ["yes" if d["low"] > 0 or d["high"] < 0 else "no" for d in by_type.values()]
            diff_rows.append([f"{label} - {reference_label}",
                              *[f"{d['mean']:+.4f} [{d['low']:+.4f}, {d['high']:+.4f}] ({o})"
                                for d, o in zip(by_type.values(), outside, strict=True)]])
        markdown += ("\n\n### Paired difference against the frozen base (CI excludes 0?)\n\n"
                     + markdown_table(["difference", *types], diff_rows))
    markdown += "\n\n" + paper_section()
    payload = {"data": config.data, "corpus": corpus_path, "generator": generator.name, "k": config.k,
               "protocol": config.protocol,
               "rerank": config.rerank, "questions": len(items), "summary": summary, "paired_differences": differences,
               "reference": reference_label,
               "per_question": {label: [{"id": item.id, **row, "hit": g.hit}
                                        for item, g, row in zip(items, gens, per_item[label], strict=True)]
                                for label, gens in generations.items()}}
    out = Path(config.out)
    write_report(out, payload, markdown)
    bar_chart(out / "rouge.png", list(types), {lbl: [s[t]["mean"] for t in types] for lbl, s in summary.items()},
              errors={lbl: [(s[t]["low"], s[t]["high"]) for t in types] for lbl, s in summary.items()},
              ylabel="F1", title="RAG answer ROUGE (95% bootstrap CI)")
    payload["markdown"] = markdown
    return payload


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m eval.rouge`."""
    return run_cli(RougeConfig, run, argv, description=__doc__ or "", render=lambda report: report["markdown"])


if __name__ == "__main__":
    raise SystemExit(main())

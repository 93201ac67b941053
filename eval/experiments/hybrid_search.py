"""Experiment: hybrid search against dense search, on real web queries (CoSQA dev) and on the how-to questions
about the standard library, at several lexical weights, without a reranker.

    python -m eval.experiments.hybrid_search --cosqa ../shared/data/cosqa [--weights 0,0.1,0.2,0.3] [--out DIR]

The first stage as `rag.search.Retriever` builds it: the `HYBRID_POOL` functions nearest by cosine pooled with the
`HYBRID_POOL` best by BM25 (`rag.search.lexical`, over `lexical_text`), ordered by
``(1 - weight) * z(cosine) + weight * z(BM25)`` over the pool. Here cosine search is exact (numpy) rather than
Chroma's HNSW; a relevant function outside the pool counts as not found. Weight 0 is plain dense search over
everything. A CoSQA snippet's name and docstring summary come from the miner, as a mined function's would.
The how-to `dev` set may be used to choose the weight; `heldout` and CoSQA are reported, not tuned on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from data.cli import InputError, run_cli
from data.codebase import load_cosqa
from data.corpus import DEFAULT_CORPUS_EXCLUDES, default_corpus, mine_corpus
from data.documents import DEFAULT_DOCUMENT, document_text
from data.records import Record
from eval.experiments.question_retrieval import COSQA_CODE_BASE, COSQA_QUERIES, cosqa_records
from eval.howto import first_relevant_rank, load_howto
from eval.metrics import mrr, recall_at_k
from eval.report import markdown_table, write_report
from rag.search.lexical import LexicalIndex, fused_order, lexical_text
from rag.search.retriever import HYBRID_POOL
from retriever_finetune.models import load_retriever
from retriever_finetune.spec import parse_retriever

logger = logging.getLogger(__name__)


@dataclass
class HybridConfig:
    """Options of `python -m eval.experiments.hybrid_search`."""

    cosqa: str = field(default="", metadata={"help": f"folder with {COSQA_QUERIES} and {COSQA_CODE_BASE} (optional)"})
    weights: str = field(default="0,0.1,0.2,0.3", metadata={"help": "comma-separated lexical weights (0: dense)"})
    retriever: str = field(default="base", metadata={"help": "the retriever, as rag.ask --retriever"})
    max_query_length: int = field(default=64, metadata={"help": "query tokens (CoSQA protocol: 64)"})
    max_code_length: int = field(default=256, metadata={"help": "code tokens"})
    out: str = field(default="reports/hybrid_search", metadata={"help": "report folder"})

    def weight_list(self) -> list[float]:
        """The weights, each checked to lie in [0, 1]."""
        try:
            weights = [float(w) for w in self.weights.split(",") if w.strip()]
        except ValueError:
            msg = f"--weights must be comma-separated numbers, got {self.weights!r}"
            raise InputError(msg) from None
        if not weights or any(not 0 <= w <= 1 for w in weights):
            msg = f"--weights must be numbers in [0, 1], got {self.weights!r}"
            raise InputError(msg)
        return weights

    def __post_init__(self) -> None:
        self.weight_list()
        if self.cosqa and not (Path(self.cosqa) / COSQA_QUERIES).is_file():
            msg = f"--cosqa {self.cosqa}: no {COSQA_QUERIES} there"
            raise InputError(msg)


def hybrid_rank(cosine: np.ndarray, bm25: np.ndarray, relevant: list[int], weight: float, pool: int = HYBRID_POOL
                ) -> float:
    """Rank of the best relevant function in the hybrid first stage (inf when it is outside the pool)."""
    if weight == 0:
        return float(first_relevant_rank(cosine, relevant))
    dense_top = np.argsort(-cosine, kind="stable")[:pool]
    lexical_top = np.argsort(-bm25, kind="stable")[:pool]
    members = list(dict.fromkeys([*dense_top.tolist(), *lexical_top[bm25[lexical_top] > 0].tolist()]))
    order = [members[i] for i in fused_order(cosine[members].tolist(), bm25[members].tolist(), weight)[0]]
    return float(min((order.index(r) + 1 for r in relevant if r in order), default=np.inf))


def ranks_for(records: list[Record], questions: list[str], relevant: list[list[int]], weights: list[float],
              encoder, label: str) -> dict[float, np.ndarray]:  # noqa: ANN001
    """Per weight, the rank of each question's answer among `records`."""
    codes = encoder.encode_code([document_text(r, DEFAULT_DOCUMENT) for r in records])
    cosine = encoder.encode_queries(questions, show_progress=False) @ codes.T
    lexical = LexicalIndex([str(i) for i in range(len(records))],
                           [lexical_text(r.path, r.func_name, r.language, r.docstring, DEFAULT_DOCUMENT) for r in records])
    out: dict[float, list[float]] = {w: [] for w in weights}
    for row, question, wanted in tqdm(list(zip(cosine, questions, relevant, strict=True)), desc=label, unit="question"):
        bm25 = lexical.scores(question)
        for weight in weights:
            out[weight].append(hybrid_rank(row, bm25, wanted, weight))
    return {w: np.array(r) for w, r in out.items()}


def run(config: HybridConfig) -> dict:
    """Every figure, per weight; written to `config.out` as JSON and markdown."""
    weights = config.weight_list()
    encoder = load_retriever(parse_retriever(config.retriever), max_query_length=config.max_query_length,
                             max_code_length=config.max_code_length)
    rows: dict[str, dict[str, float]] = {f"{w:g}": {} for w in weights}
    if config.cosqa:
        benchmark = load_cosqa(Path(config.cosqa) / COSQA_QUERIES, Path(config.cosqa) / COSQA_CODE_BASE)
        answers = [[p] for p in benchmark.answer_positions()]
        for weight, ranks in ranks_for(cosqa_records(benchmark), benchmark.queries, answers, weights, encoder,
                                       "CoSQA").items():
            rows[f"{weight:g}"].update({"cosqa_mrr": mrr(ranks), "cosqa_r@1": recall_at_k(ranks, 1),
                                        "cosqa_r@10": recall_at_k(ranks, 10)})
    stdlib = mine_corpus(default_corpus(), exclude=DEFAULT_CORPUS_EXCLUDES, languages=["python"])
    howto = load_howto(stdlib)
    sets = np.array(howto.sets)
    for weight, ranks in ranks_for(stdlib, howto.questions, howto.relevant, weights, encoder, "how-to").items():
        for name in ("dev", "heldout"):
            chosen = ranks[sets == name]
            rows[f"{weight:g}"].update({f"howto_{name}_mrr": mrr(chosen), f"howto_{name}_hit@3": recall_at_k(chosen, 3),
                                        f"howto_{name}_hit@5": recall_at_k(chosen, 5)})
    result = {"config": vars(config), "pool": HYBRID_POOL, "functions": len(stdlib), "rows": rows}
    columns = sorted({c for row in rows.values() for c in row}, key=lambda c: (not c.startswith("cosqa"), c))
    table = markdown_table(["lexical weight", *columns], [[w, *(row.get(c, "-") for c in columns)] for w, row in rows.items()])
    write_report(Path(config.out), result, table)
    return result


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m eval.experiments.hybrid_search`."""
    return run_cli(HybridConfig, run, argv, description=__doc__ or "",
                   render=lambda result: f"{result['functions']} stdlib functions, pool {result['pool']}")


if __name__ == "__main__":
    raise SystemExit(main())

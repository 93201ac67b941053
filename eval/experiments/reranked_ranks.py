"""Reranked ranks for a retrieval experiment: the dense top candidates of each question reordered by the
reranker's fusion, its LM scores kept on disk so retrievers that share candidates score them once. Does not
handle: the dense scores (see `question_retrieval.evaluate`).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from data.documents import document_text
from data.records import Record
from eval.howto import first_relevant_rank
from rag.search.lexical import fuse_standardised
from rag.store import Source

logger = logging.getLogger(__name__)


class ScoreCache:
    """Reranker scores by (question, passage), kept on disk: retrievers share most of their candidates."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.scores: dict[str, float] = json.loads(path.read_text()) if path.is_file() else {}

    def rerank(self, reranker, question: str, sources: list[Source]) -> list[Source]:  # noqa: ANN001
        """`sources` ordered as the reranker orders them (its fusion of dense and LM scores), LM scores cached."""
        keys = [f"{question}\x00{document_text(s, 'docstring+code')}" for s in sources]
        missing = [i for i, k in enumerate(keys) if k not in self.scores]
        if missing:
            fresh = reranker.score(question, [sources[i] for i in missing])
            self.scores.update({keys[i]: v for i, v in zip(missing, fresh, strict=True)})
        fused = fuse_standardised([s.score for s in sources], [self.scores[k] for k in keys], reranker.fusion_weight)
        order = sorted(range(len(sources)), key=lambda i: -fused[i])  # stable: dense order breaks ties
        return [sources[i] for i in order]

    def save(self) -> None:
        """Write the scores (atomically)."""
        tmp = self.path.with_name(self.path.name + ".partial")
        tmp.write_text(json.dumps(self.scores))
        tmp.replace(self.path)


def reranked_ranks(scores: np.ndarray, relevant: list[list[int]], questions: list[str], records: list[Record],
                   reranker, cache: ScoreCache, candidates: int) -> np.ndarray:  # noqa: ANN001
    """Rank of each question's best relevant item after reranking the dense top `candidates`."""
    ranks = []
    for done, (row, wanted, question) in enumerate(tqdm(
            list(zip(scores, relevant, questions, strict=True)), desc="Reranking", unit="question",
            disable=not logger.isEnabledFor(logging.INFO))):
        if done and done % 25 == 0:
            cache.save()  # an interrupted run keeps what it scored
        dense = first_relevant_rank(row, wanted)
        top = np.argsort(-row, kind="stable")[:candidates]
        if dense > candidates:
            ranks.append(dense)  # outside the candidates: the reranker never sees it
            continue
        sources = [Source.from_record(records[i], float(row[i])) for i in top]
        order = cache.rerank(reranker, question, sources)
        position = {s.id: int(i) for s, i in zip(sources, top, strict=True)}
        ranks.append(min(r for r, s in enumerate(order, start=1) if position[s.id] in wanted))
    return np.array(ranks)

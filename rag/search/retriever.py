"""The first stage: question → the k best functions of one index, dense or hybrid, then an optional reranker.

Hybrid search (the default) pools the dense neighbours and the BM25 best (`lexical`), ordered by their fused
standardised scores. Does not handle: building the index (see `rag.store`) or loading models.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Protocol

from data.errors import InputError
from rag.search.lexical import LexicalIndex, fused_order
from rag.store import CodeIndex, Source
from retriever_finetune.encoder import Encoder

logger = logging.getLogger(__name__)


class Reranker(Protocol):
    """What the first stage hands its candidates to (`rag.rerank.QueryLikelihoodReranker`)."""

    candidates: int

    def rerank(self, question: str, sources: list[Source], k: int) -> list[Source]:
        """The k best of `sources` for the question, best first."""
        ...


DEFAULT_LEXICAL_WEIGHT = 0.1
HYBRID_POOL = 100


class Retriever:
    """Question → top-k functions, through the encoder's query side and the Chroma index; with a reranker,
    the first stage gives `reranker.candidates` functions (at least k) and the reranker keeps the best k.

    Hybrid search (`lexical_weight` > 0): the first stage pools the index's `HYBRID_POOL` nearest functions
    with the `HYBRID_POOL` best by BM25 over names and docstrings (`lexical`), and orders the pool by
    ``(1 - lexical_weight) * z(cosine) + lexical_weight * z(BM25)``; 0 is dense search alone.
    """

    def __init__(self, encoder: Encoder, index: CodeIndex, reranker: Reranker | None = None, *,
                 lexical_weight: float = DEFAULT_LEXICAL_WEIGHT) -> None:
        if not 0 <= lexical_weight <= 1:
            msg = f"lexical weight must be in [0, 1] (0: dense search alone), got {lexical_weight}"
            raise InputError(msg)
        self.encoder = encoder
        self.index = index
        self.reranker = reranker
        self.lexical_weight = lexical_weight
        self._lexical: LexicalIndex | None = None

    def forget_entries(self) -> None:
        """Drop what was read of the collection (its entries, the BM25 index): it has changed."""
        self.index.forget_entries()
        self._lexical = None

    def lexical(self) -> LexicalIndex:
        """The BM25 index of the collection's names and docstrings (built on first use, then kept)."""
        if self._lexical is None:
            self._lexical = LexicalIndex.of(self.index)
        return self._lexical

    def search(self, question: str, k: int, language: str | None = None) -> list[Source]:
        """The k best functions of the first stage (of one language when given): nearest in embedding space,
        fused with BM25 when hybrid."""
        tokens = len(self.encoder.tokenize([question], 10**6, self.encoder.prompts.query)[0])
        if tokens > self.encoder.max_query_length:
            logger.warning("question is %d tokens; the retriever reads only the first %d", tokens,
                           self.encoder.max_query_length)
        query = self.encoder.encode_queries([question], show_progress=False)[0]
        if not self.lexical_weight:
            return self.index.search(query, k, language)
        pool = self.index.search(query, max(k, HYBRID_POOL), language)
        lexical = self.lexical().search(question, max(k, HYBRID_POOL), language)
        dense_ids = {s.id for s in pool}
        pool += self.index.fetch([i for i in lexical if i not in dense_ids], query)
        lexical_scores = [lexical.get(s.id, 0.0) for s in pool]
        order, fused = fused_order([s.score for s in pool], lexical_scores, self.lexical_weight)
        return [replace(pool[i], lexical_score=lexical_scores[i], hybrid_score=fused[i]) for i in order[:k]]

    def retrieve(self, question: str, k: int, language: str | None = None) -> list[Source]:
        """The k best functions for the question (of one language when given)."""
        if self.reranker is None:
            return self.search(question, k, language)
        candidates = self.search(question, max(k, self.reranker.candidates), language)
        return self.reranker.rerank(question, candidates, k)

"""Search over a per-language index: the question embedded once per adapter in use, each language's
collection searched, the hits merged by cosine (every adapter's scores are cosines), then the optional
reranker. Does not handle: building the index (see `rag.store.routed`).
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.search.retriever import Reranker
from rag.store import LanguageRoutedIndex, Source


def merge_by_score(result_lists: Sequence[Sequence[Source]], k: int) -> list[Source]:
    """The k best sources of several searches by cosine, best first (ties keep the lists' order)."""
    keyed = [(source.score, source) for results in result_lists for source in results]
    return [source for _, source in sorted(keyed, key=lambda pair: -pair[0])[:k]]


class RoutedRetriever:
    """`Retriever`'s interface over a per-language index: dense search merged over languages, then the
    optional reranker over the merged candidates."""

    def __init__(self, index: LanguageRoutedIndex, reranker: Reranker | None = None) -> None:
        self.index, self.reranker = index, reranker

    def forget_entries(self) -> None:
        """Drop what was read of the collections (their entries): they have changed."""
        self.index.forget_entries()

    def search(self, question: str, k: int, language: str | None = None) -> list[Source]:
        """The k nearest functions over every language, or in one (first stage only)."""
        vectors: dict[int, object] = {}
        results = []
        for indexed, index in self.index.indexes.items():
            if index.count() == 0 or language not in (None, indexed):
                continue
            encoder = self.index.encoders.encoder_for(indexed)
            if id(encoder) not in vectors:
                vectors[id(encoder)] = encoder.encode_queries([question], show_progress=False)[0]
            results.append(index.search(vectors[id(encoder)], k))
        return merge_by_score(results, k)

    def retrieve(self, question: str, k: int, language: str | None = None) -> list[Source]:
        """The k best functions for the question (of one language when given)."""
        if self.reranker is None:
            return self.search(question, k, language)
        return self.reranker.rerank(question, self.search(question, max(k, self.reranker.candidates), language), k)

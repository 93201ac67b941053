"""A corpus indexed per language, each language embedded by its own adapter (`retriever_finetune.routing`).

Each language's functions go to their own collection ``<collection>-<language>``, embedded by that
language's adapter (or the fallback). A question is embedded once per adapter that has documents, searched in
that adapter's collections, and the hits are merged by cosine score (each adapter's scores are on the
same cosine scale; `merge_by_score`). Does not handle: mining (see `indexing`) or the Chroma calls (`store`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence

from data.errors import InputError
from data.miner import LANGUAGES
from data.records import Record
from rag.grounding import KnownNames
from rag.rerank import QueryLikelihoodReranker
from rag.store import CodeIndex, IndexStats, Source
from retriever_finetune.routing import LanguageEncoders

logger = logging.getLogger(__name__)


def language_collection(name: str, language: str) -> str:
    """The collection of one language's functions."""
    return f"{name}-{language}"


def merge_by_score(result_lists: Sequence[Sequence[Source]], k: int) -> list[Source]:
    """The k highest-scoring sources of several searches, best first (ties keep the lists' order)."""
    merged = [source for results in result_lists for source in results]
    return sorted(merged, key=lambda s: -s.score)[:k]


class LanguageRoutedIndex:
    """Per-language collections of one corpus, each embedded by its language's encoder."""

    def __init__(self, client, name: str, encoders: LanguageEncoders, *, document: str,  # noqa: ANN001
                 create_languages: Sequence[str] = ()) -> None:
        """Open every language collection of `name` that exists, and create those of `create_languages`."""
        self.name, self.encoders = name, encoders
        self.indexes: dict[str, CodeIndex] = {}
        existing = {c if isinstance(c, str) else c.name for c in client.list_collections()}
        for language in sorted(LANGUAGES):
            collection = language_collection(name, language)
            if collection in existing or language in create_languages:
                self.indexes[language] = CodeIndex(client, collection, encoders.spec_for(language), document=document)
        if not self.indexes:
            msg = f"no per-language index {name!r} yet; build it with `python -m rag.index PATH... --retriever LANG=RUN,...`"
            raise InputError(msg)

    def sync(self, records: Sequence[Record], *, batch_size: int = 256) -> IndexStats:
        """Bring every language's collection up to date; counts are summed over languages."""
        by_language: dict[str, list[Record]] = defaultdict(list)
        for record in records:
            by_language[record.language].append(record)
        total = IndexStats(collection=self.name)
        for language, index in self.indexes.items():
            stats = index.sync(by_language.get(language, []), self.encoders.encoder_for(language),
                               batch_size=batch_size)
            for field in ("added", "deleted", "updated", "unchanged", "total"):
                setattr(total, field, getattr(total, field) + getattr(stats, field))
        return total

    def count(self) -> int:
        """Functions in all languages' collections."""
        return sum(index.count() for index in self.indexes.values())

    def search_question(self, question: str, k: int) -> list[Source]:
        """The k best functions over every language: the question embedded once per encoder in use."""
        vectors: dict[int, object] = {}
        results = []
        for language, index in self.indexes.items():
            if index.count() == 0:
                continue
            encoder = self.encoders.encoder_for(language)
            if id(encoder) not in vectors:
                vectors[id(encoder)] = encoder.encode_queries([question], show_progress=False)[0]
            results.append(index.search(vectors[id(encoder)], k))
        return merge_by_score(results, k)

    def known_names(self) -> KnownNames:
        """Every language's qualified names, for the grounding check."""
        entries = []
        for index in self.indexes.values():
            got = index.collection.get(include=["metadatas"])
            entries += [(m["repo"], m["path"], m["func_name"], m["language"]) for m in got["metadatas"]]
        return KnownNames.from_corpus(entries)


class RoutedRetriever:
    """`chain.Retriever`'s interface over a per-language index: dense search merged over languages, then the
    optional reranker over the merged candidates."""

    def __init__(self, index: LanguageRoutedIndex, reranker: QueryLikelihoodReranker | None = None) -> None:
        self.index, self.reranker = index, reranker

    def search(self, question: str, k: int) -> list[Source]:
        """The k nearest functions over every language (first stage only)."""
        return self.index.search_question(question, k)

    def retrieve(self, question: str, k: int) -> list[Source]:
        """The k best functions for the question."""
        if self.reranker is None:
            return self.search(question, k)
        return self.reranker.rerank(question, self.search(question, max(k, self.reranker.candidates)), k)

"""A corpus indexed per language, each language embedded by its own adapter (`retriever_finetune.routing`).

Each language's functions go to their own collection ``<collection>-<language>``, embedded by that
language's adapter (or the fallback). A question is embedded once per adapter that has documents, searched in
that adapter's collections, and the hits are merged by cosine score (`merge_by_score`). Merging by per-list
z-scores instead (``calibrated``) was measured worse: MRR@10 0.536 against 0.651 by cosine on a mixed
Python + lodash pool (`eval.experiments.per_language`). Does not handle: mining (see `indexing`) or the Chroma calls (`store`).
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


MERGES = ("score", "calibrated")
CALIBRATION_CANDIDATES = 20  # hits per collection whose score spread standardises that collection's scores


def _standardised(scores: Sequence[float]) -> list[float]:
    mean = sum(scores) / len(scores)
    spread = (sum((v - mean) ** 2 for v in scores) / len(scores)) ** 0.5
    return [(v - mean) / spread if spread > 0 else 0.0 for v in scores]


def merge_by_score(result_lists: Sequence[Sequence[Source]], k: int, *, merge: str = "score") -> list[Source]:
    """The k best sources of several searches, best first (ties keep the lists' order).

    ``score``: by cosine, as every adapter's scores are cosines. ``calibrated``: by each list's z-scores (over
    the hits it returned), for adapters whose cosine scales differ. Sources keep their cosine `score`.
    """
    if merge not in MERGES:
        msg = f"unknown merge {merge!r}: choose from {MERGES}"
        raise InputError(msg)
    keyed = []
    for results in result_lists:
        keys = _standardised([s.score for s in results]) if merge == "calibrated" and results else [
            s.score for s in results]
        keyed.extend(zip(keys, results, strict=True))
    return [source for _, source in sorted(keyed, key=lambda pair: -pair[0])[:k]]


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

    def search_question(self, question: str, k: int, *, merge: str = "score") -> list[Source]:
        """The k best functions over every language: the question embedded once per encoder in use, each
        collection searched for `k` hits (at least `CALIBRATION_CANDIDATES` for a calibrated merge)."""
        per_collection = max(k, CALIBRATION_CANDIDATES) if merge == "calibrated" else k
        vectors: dict[int, object] = {}
        results = []
        for language, index in self.indexes.items():
            if index.count() == 0:
                continue
            encoder = self.encoders.encoder_for(language)
            if id(encoder) not in vectors:
                vectors[id(encoder)] = encoder.encode_queries([question], show_progress=False)[0]
            results.append(index.search(vectors[id(encoder)], per_collection))
        return merge_by_score(results, k, merge=merge)

    def known_names(self) -> KnownNames:
        """Every language's qualified names, for the grounding check."""
        return KnownNames.from_corpus(entry for index in self.indexes.values() for entry in index.name_entries())


class RoutedRetriever:
    """`chain.Retriever`'s interface over a per-language index: dense search merged over languages, then the
    optional reranker over the merged candidates."""

    def __init__(self, index: LanguageRoutedIndex, reranker: QueryLikelihoodReranker | None = None, *,
                 merge: str = "score") -> None:
        self.index, self.reranker, self.merge = index, reranker, merge

    def forget_entries(self) -> None:
        """Drop what was read of the collections (their entries): they have changed."""
        for index in self.index.indexes.values():
            index._entries = None  # noqa: SLF001

    def search(self, question: str, k: int) -> list[Source]:
        """The k nearest functions over every language (first stage only)."""
        return self.index.search_question(question, k, merge=self.merge)

    def retrieve(self, question: str, k: int) -> list[Source]:
        """The k best functions for the question."""
        if self.reranker is None:
            return self.search(question, k)
        return self.reranker.rerank(question, self.search(question, max(k, self.reranker.candidates)), k)

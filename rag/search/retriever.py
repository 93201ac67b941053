"""The first stage: question → the k best functions of an index, dense or hybrid, then an optional reranker.

One path for every index (`rag.store.SearchIndex`): a single collection is an index of one part that holds
every language; a per-language index (`rag.store.routed`) has a part per language, each embedded by its own
adapter. The question is embedded once per encoder its parts need, each part searched, the hits merged by
cosine. Hybrid search (the default) pools those dense neighbours and the BM25 best (`lexical`), ordered by
their fused standardised scores. Does not handle: building the index (see `rag.store`) or loading models.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np

from data.cli import InputError
from data.languages import is_test_path
from rag.options import DEFAULT_LEXICAL_WEIGHT
from rag.search.lexical import LexicalIndex, fused_order
from rag.store import SearchIndex, Source
from retriever_finetune.encoder import Encoder

logger = logging.getLogger(__name__)


class Reranker(Protocol):
    """What the first stage hands its candidates to (`rag.rerank.QueryLikelihoodReranker`)."""

    candidates: int

    def rerank(self, question: str, sources: list[Source], k: int) -> list[Source]:
        """The k best of `sources` for the question, best first."""
        ...


class QueryEncoders(Protocol):
    """The encoder that embeds a question for the part of an index that holds `language` (None: every
    language): an `Encoder` is its own, `retriever_finetune.routing.LanguageEncoders` routes per language."""

    def encoder_for(self, language: str | None) -> Encoder:
        """The encoder of that part."""
        ...


TEST_CODE_PENALTY = 1.0  # subtracted from a test file's fused score (z units) unless the question asks about tests (docs/RESULTS.md)
_ASKS_ABOUT_TESTS = re.compile(r"\b(tests?|testing|tested|specs?|fixtures?|mocks?)\b", re.IGNORECASE)
HYBRID_POOL = 100
_ONE_PER_NAME_KINDS = ("function",)  # kinds whose entries of one name in one file are one answer to a question


def one_per_name(sources: Sequence[Source]) -> list[Source]:
    """`sources` (best first) keeping the best of each function name in a file: overloads (Swift's two
    `bit24`), a property's getter and setter, a definition per platform. Classes (Swift extensions of one
    type, Rust impl blocks), sections and configuration windows each stay: one name can hold different text."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for source in sources:
        if source.kind in _ONE_PER_NAME_KINDS and source.path and source.func_name:
            if (source.path, source.func_name) in seen:
                continue
            seen.add((source.path, source.func_name))
        kept.append(source)
    return kept


def merge_by_score(result_lists: Sequence[Sequence[Source]], k: int) -> list[Source]:
    """The k best sources of several searches by cosine, best first (ties keep the lists' order)."""
    keyed = [(source.score, source) for results in result_lists for source in results]
    return [source for _, source in sorted(keyed, key=lambda pair: -pair[0])[:k]]


class Retriever:
    """Question → top-k functions, through the encoders' query side and the index's parts; with a reranker,
    the first stage gives `reranker.candidates` functions (at least k) and the reranker keeps the best k.

    Hybrid search (`lexical_weight` > 0): the first stage pools the index's `HYBRID_POOL` nearest functions
    with the `HYBRID_POOL` best by BM25 over names and docstrings (`lexical`), and orders the pool by
    ``(1 - lexical_weight) * z(cosine) + lexical_weight * z(BM25)``; 0 is dense search alone. In hybrid search,
    test code (`data.languages.is_test_path`) scores `test_code_penalty` lower unless the question asks about
    tests: a how-to question wants the code the tests exercise. A function name takes one place per file
    (`one_per_name`), so overloads leave the other places to other answers. `kinds` keeps only those kinds of entry.
    """

    def __init__(self, encoders: QueryEncoders, index: SearchIndex, reranker: Reranker | None = None, *,
                 lexical_weight: float = DEFAULT_LEXICAL_WEIGHT, kinds: Sequence[str] = (),
                 test_code_penalty: float = TEST_CODE_PENALTY,
                 references: Callable[[], Mapping[str, float]] | None = None) -> None:
        if not 0 <= lexical_weight <= 1:
            msg = f"lexical weight must be in [0, 1] (0: dense search alone), got {lexical_weight}"
            raise InputError(msg)
        self.encoders = encoders
        self.index = index
        self.reranker = reranker
        self.lexical_weight = lexical_weight
        self.kinds = tuple(kinds)  # the kinds of entry searched when a call names none (all when empty)
        self.test_code_penalty = test_code_penalty
        self._lexical: LexicalIndex | None = None
        self.references = references  # the index's stored reference ranks (`rag.store.stored_references`)
        self._ranks: Mapping[str, float] | None = None

    def variant(self, **changes: object) -> Retriever:
        """The same first stage (encoders, index, what was read of it) with other settings, e.g. ``reranker=``
        or ``lexical_weight=``: nothing is loaded or opened again."""
        copied = copy.copy(self)
        for name, value in changes.items():
            if not hasattr(self, name):
                msg = f"a Retriever has no setting {name!r}"
                raise TypeError(msg)
            setattr(copied, name, value)
        return copied

    def forget_entries(self) -> None:
        """Drop what was read of the collection (its entries, the BM25 index): it has changed."""
        self.index.forget_entries()
        self._lexical = None
        self._ranks = None

    def reference_ranks(self) -> Mapping[str, float]:
        """How central each definition is in the index's code base, by id (`rag.store.stored_references`, read on
        first use, then kept until the index changes; empty without a store)."""
        if self._ranks is None:
            self._ranks = self.references() if self.references is not None else {}
        return self._ranks

    def lexical(self) -> LexicalIndex:
        """The BM25 index of the collection's names and docstrings (built on first use, then kept)."""
        if self._lexical is None:
            self._lexical = LexicalIndex.of(self.index)
        return self._lexical

    def search(self, question: str, k: int, language: str | None = None, kinds: Sequence[str] = ()) -> list[Source]:
        """The k best entries of the first stage (of one language, and of `kinds` (default: the retriever's),
        when given): nearest in embedding space over the index's parts, fused with BM25 when hybrid."""
        kinds = tuple(kinds) or self.kinds
        vectors: dict[int, np.ndarray] = {}

        def query(part_language: str | None) -> np.ndarray:  # each encoder embeds the question once
            encoder = self.encoders.encoder_for(part_language)
            if id(encoder) not in vectors:
                tokens = len(encoder.tokenize([question], 10**6, encoder.prompts.query)[0])
                if tokens > encoder.max_query_length:
                    logger.warning("question is %d tokens; the retriever reads only the first %d", tokens,
                                   encoder.max_query_length)
                vectors[id(encoder)] = encoder.encode_queries([question], show_progress=False)[0]
            return vectors[id(encoder)]

        searched = [(held, part) for held, part in self.index.parts() if held is None or language in (None, held)]
        if len(searched) > 1:  # a language with nothing indexed is skipped (a lone part that is empty says so)
            searched = [(held, part) for held, part in searched if part.count()] or searched[:1]
        n = max(k, HYBRID_POOL) if self.lexical_weight else 2 * k  # room for the repeats `one_per_name` drops
        pool = merge_by_score([part.search(query(held), n, language, kinds) for held, part in searched], n)
        if not self.lexical_weight:
            return one_per_name(pool)[:k]
        lexical = self.lexical().search(question, n, language, kinds)
        dense_ids = {s.id for s in pool}
        missing = [i for i in lexical if i not in dense_ids]
        fetched = {s.id: s for held, part in searched for s in part.fetch(missing, query(held))} if missing else {}
        pool += [fetched[i] for i in missing if i in fetched]
        lexical_scores = [lexical.get(s.id, 0.0) for s in pool]
        order, fused = fused_order([s.score for s in pool], lexical_scores, self.lexical_weight)
        if self.test_code_penalty and not _ASKS_ABOUT_TESTS.search(question):
            fused = [score - self.test_code_penalty * is_test_path(s.path) for s, score in zip(pool, fused, strict=True)]
            order = sorted(range(len(fused)), key=lambda i: -fused[i])
        return one_per_name([replace(pool[i], lexical_score=lexical_scores[i], hybrid_score=fused[i])
                             for i in order])[:k]

    def retrieve(self, question: str, k: int, language: str | None = None, kinds: Sequence[str] = ()) -> list[Source]:
        """The k best entries for the question (of one language, and of `kinds`, when given)."""
        if self.reranker is None:
            return self.search(question, k, language, kinds)
        candidates = self.search(question, max(k, self.reranker.candidates), language, kinds)
        if getattr(self.reranker, "uses_reference_ranks", False):
            ranks = self.reference_ranks()
            candidates = [replace(c, reference_rank=ranks.get(c.id)) for c in candidates]
        return self.reranker.rerank(question, candidates, k)

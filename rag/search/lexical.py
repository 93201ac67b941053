"""Lexical half of hybrid search: BM25 over each indexed function's qualified name and docstring, and the
fusion of standardised scores that merges it with the dense scores (and, in `rerank`, the LM's).

Questions name what they want in words a function's name often holds ("parse json" → `json.loads`,
"wrap text" → `textwrap.wrap`), and a bi-encoder does not always put those functions first. Each entry's
text is its qualified name and docstring, tokenized as identifiers (`read_file` → `read`, `file`,
`read_file`; `DictReader` → `dict`, `reader`, `dictreader`), scored by BM25 (Lucene's variant, the `bm25s`
package). Fusion is a weighted sum of z-scores over the candidates (rank fusion measured worse on CoSQA's
web queries; docs/RESULTS.md). Does not handle: the dense search or where the entries come from (see `retriever.Retriever`,
`rag.store.CodeIndex`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import numpy as np

from data.cli import InputError
from data.documents import qualified_name
from rag.store import CodeIndex

_WORD = re.compile(r"[A-Za-z0-9]+")
_PART = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
STOP_WORDS = frozenset(
    "a an and are as at be by can do does for from get how i in into is it its my of on or that the this to use "
    "using what when which with you your".split())


def identifier_tokens(text: str) -> list[str]:
    """Lower-case words of `text`, identifiers split at underscores and case changes (the whole kept too),
    without English stop words and one-letter words.

        >>> identifier_tokens("how to use DictReader.read_file")
        ['dict', 'reader', 'dictreader', 'read', 'file', 'read_file']
    """
    tokens: list[str] = []
    for word in re.findall(r"[A-Za-z0-9_]+", text):
        parts = [p.lower() for piece in _WORD.findall(word) for p in (_PART.findall(piece) or [piece])]
        tokens.extend(parts)
        whole = word.strip("_").lower()
        if len(parts) > 1 and whole:
            tokens.append(whole)
    return [t for t in tokens if len(t) > 1 and t not in STOP_WORDS]


def lexical_text(path: str, func_name: str, language: str, docstring: str, document: str) -> str:
    """What hybrid search matches a question's words against: the qualified name, and the docstring when the
    document format embeds it too (`code`, the format for docstring queries, leaves it out as its vectors do)."""
    name = qualified_name(path, func_name, language)
    return f"{name} {docstring}" if document != "code" and docstring else name


class LexicalIndex:
    """BM25 over short texts (one per indexed entry), queried by question."""

    def __init__(self, ids: Sequence[str], texts: Sequence[str], *, languages: Sequence[str] = (),
                 kinds: Sequence[str] = (), k1: float = 1.2, b: float = 0.75) -> None:
        """`languages` and `kinds`, one per entry when given, let `search` keep one language's or some kinds'
        entries."""
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each build at DEBUG, whatever the root says
        if len(ids) != len(texts):
            msg = f"lexical index: {len(ids)} ids for {len(texts)} texts"
            raise InputError(msg)
        self.ids, self.texts = list(ids), list(texts)
        self.languages = np.asarray(languages) if len(languages) else None
        self.kinds = np.asarray(kinds) if len(kinds) else None
        self._bm25 = bm25s.BM25(method="lucene", k1=k1, b=b)
        if self.ids:
            self._bm25.index([identifier_tokens(t) for t in texts], show_progress=False)

    @classmethod
    def of(cls, index: CodeIndex) -> LexicalIndex:
        """The BM25 index of a collection's names and docstrings (`lexical_text` of each entry)."""
        ids, metadatas = index.entries()
        return cls(ids, [lexical_text(m["path"], m["func_name"], m["language"], m["docstring"], index.document)
                         for m in metadatas], languages=[m["language"] for m in metadatas],
                   kinds=[m.get("kind") or "function" for m in metadatas])

    def scores(self, question: str) -> np.ndarray:
        """BM25 score of every entry for the question (zeros when none of its words is indexed)."""
        if not self.ids:
            return np.zeros(0, dtype=np.float32)
        tokens = [t for t in identifier_tokens(question) if t in self._bm25.vocab_dict]
        if not tokens:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def search(self, question: str, n: int, language: str | None = None, kinds: Sequence[str] = ()) -> dict[str, float]:
        """The n best entries with a positive score (of `language` only, and of `kinds` only, when given),
        id → score, best first (ties: index order)."""
        scores = self.scores(question)
        if language is not None and self.languages is not None and len(scores):
            scores = np.where(self.languages == language, scores, 0.0)
        if kinds and self.kinds is not None and len(scores):
            scores = np.where(np.isin(self.kinds, list(kinds)), scores, 0.0)
        order = np.argsort(-scores, kind="stable")[:n]
        return {self.ids[i]: float(scores[i]) for i in order if scores[i] > 0}


def standardised(values: Sequence[float]) -> list[float]:
    """z-scores over the list (a constant or empty list scores 0 each).

        >>> standardised([1.0, 3.0])
        [-1.0, 1.0]
    """
    if not values:
        return []
    mean = sum(values) / len(values)
    spread = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
    return [(v - mean) / spread if spread > 0 else 0.0 for v in values]


def fuse_standardised(first: Sequence[float], second: Sequence[float], weight: float) -> list[float]:
    """``(1 - weight) * z(first) + weight * z(second)``, z-scores over the list (a constant list scores 0).

        >>> fuse_standardised([3.0, 1.0], [1.0, 3.0], 0.25)  # z-scores: first [1, -1], second [-1, 1]
        [0.5, -0.5]
    """
    if len(first) != len(second):
        msg = f"score lists to fuse differ in length: {len(first)} and {len(second)}"
        raise InputError(msg)
    if not first:
        return []
    return [(1 - weight) * a + weight * b for a, b in zip(standardised(first), standardised(second), strict=True)]


def fused_order(first: Sequence[float], second: Sequence[float], weight: float) -> tuple[list[int], list[float]]:
    """Positions by `fuse_standardised` score, best first (stable: ties keep the given order), and the scores.

        >>> fused_order([1.0, 2.0, 3.0], [3.0, 2.0, 1.0], 0.5)  # every fused score is 0: the given order
        ([0, 1, 2], [0.0, 0.0, 0.0])
    """
    fused = fuse_standardised(first, second, weight)
    return sorted(range(len(fused)), key=lambda i: -fused[i]), fused

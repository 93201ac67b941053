"""What a search returns per function (`Source`) and what a sync did (`IndexStats`). Does not handle: the
collections themselves (see `chroma`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from data.records import Record, line_range


@dataclass(frozen=True)
class Source:
    """One retrieved function."""

    id: str
    repo: str
    path: str
    func_name: str
    language: str
    start_line: int
    url: str
    code: str
    docstring: str
    score: float  # cosine similarity
    rerank_score: float | None = None  # set by a reranker (higher is better)
    lexical_score: float | None = None  # BM25 of the question over its name and docstring (hybrid search)
    hybrid_score: float | None = None  # the fused first-stage score of hybrid search (standardised, unitless)
    kind: str = "function"  # function, class, section, config or script (`data.languages.KINDS`)
    fused_score: float | None = None  # set by a reranker: its fusion of the first stage and the LM (the final order)
    name_score: float | None = None  # set by a reranker: how likely the LM finds the name as the answer
    reference_rank: float | None = None  # set by the retriever: how central it is in its code base (`data.references`)

    @property
    def first_stage_score(self) -> float:
        """What the first stage ranked it by: the hybrid score when there was one, else the cosine."""
        return self.score if self.hybrid_score is None else self.hybrid_score

    @property
    def order_score(self) -> float:
        """What the final order is by (higher first): the reranker's fused score, else the first stage's."""
        return self.first_stage_score if self.fused_score is None else self.fused_score

    @classmethod
    def from_record(cls, record: Record, score: float) -> Source:
        """A mined record as a search result (what the index would return for it)."""
        return cls(id=record_id(record), repo=record.repo, path=record.path, func_name=record.func_name,
                   language=record.language, start_line=record.start_line or 0, url=record.url, code=record.code,
                   docstring=record.docstring, score=score, kind=record.kind)

    @property
    def location(self) -> str:
        """``path:line``."""
        return f"{self.path}:{self.start_line}" if self.start_line else self.path

    @property
    def end_line(self) -> int | None:
        """Last line of the function in its file (from its url), None where unknown."""
        return line_range(self.url)[1]


@dataclass
class IndexStats:
    """What one indexing pass changed."""

    collection: str
    added: int = 0
    deleted: int = 0
    updated: int = 0
    unchanged: int = 0
    total: int = 0
    mined: str = ""  # what mining the corpus found and skipped, by reason (`data.miner.MineReport.summary`)

    @property
    def changed(self) -> bool:
        """Whether the pass added, deleted or updated anything."""
        return bool(self.added or self.deleted or self.updated)

    def add(self, part: IndexStats) -> None:
        """Count a part's pass (one language of a per-language index) into this, the whole index's."""
        for name in ("added", "deleted", "updated", "unchanged", "total"):
            setattr(self, name, getattr(self, name) + getattr(part, name))


def record_id(record: Record) -> str:
    """Content hash of the function (not its line number, which moves when code above it changes)."""
    key = "\x00".join((record.repo, record.path, record.func_name, record.code, record.docstring))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()

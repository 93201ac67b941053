"""The reference graph's ranks stored with an index: how central each definition is in its code base
(`data.references`), kept beside the index's manifests for the rerank's prior. A build or refresh that changes
the index drops them (`forget_references`); the first search that wants them works them out again from the
index's own documents, every part's (a per-language index is one code base), and stores them
(`stored_references`), so they always describe what the index holds and a search that does not use them (the
default on a `--corpus`) never pays for them. An evaluation's index has no store: no ranks, a neutral prior.
Does not handle: using the ranks (see `rag.rerank`).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from data.references import Definition, reference_ranks
from rag.store.refresh import manifest_path
from rag.store.searchable import SearchIndex

logger = logging.getLogger(__name__)


def references_path(store: object, name: str) -> Path:
    """Where the ranks of index `name` live: beside its manifests."""
    return manifest_path(store, name).with_name(f"{name}.references.json")


def index_definitions(index: SearchIndex) -> list[Definition]:
    """Every entry of every part of `index`, with its document (read page by page)."""
    definitions: list[Definition] = []
    for _, part in index.parts():
        for got in part.pages(["documents", "metadatas"]):
            definitions += [Definition(i, m.get("path", ""), m.get("func_name", ""), m.get("kind") or "function",
                                       document or "")
                            for i, m, document in zip(got["ids"], got["metadatas"], got["documents"], strict=True)]
    return definitions


def write_references(store: object, index: SearchIndex) -> dict[str, float]:
    """Work out the ranks of what `index` holds and replace its stored ones atomically; the ranks. Where they
    cannot be stored (a read-only store), they are used all the same and worked out again next time."""
    ranks = reference_ranks(index_definitions(index))
    try:
        _store(ranks, references_path(store, index.name))
    except OSError as error:
        logger.warning("reference ranks not stored (%s): worked out again by the next process", error)
    return ranks


def _store(ranks: dict[str, float], target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(json.dumps(ranks), encoding="utf-8")
    os.replace(partial, target)
    logger.debug("reference ranks of %d definitions written to %s", len(ranks), target)


def forget_references(store: object, name: str) -> None:
    """Drop the stored ranks of index `name`: it has changed."""
    references_path(store, name).unlink(missing_ok=True)


def stored_references(store: object, index: SearchIndex) -> dict[str, float]:
    """The stored ranks of `index`, worked out and stored first when there are none."""
    if not references_path(store, index.name).exists():
        return write_references(store, index)
    return read_references(store, index.name)


def read_references(store: object, name: str) -> dict[str, float]:
    """The stored ranks of index `name` by entry id; empty (neutral) when there are none or they cannot be read."""
    try:
        ranks = json.loads(references_path(store, name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return ranks if isinstance(ranks, dict) else {}

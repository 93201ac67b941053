"""Which retriever each corpus was indexed with, so a later question about it needs no `--retriever`.

`rag.index ~/repo --retriever embeddinggemma` (or a first `rag.ask` with an explicit retriever) records the
retriever, its base and its vector size for that corpus in one small JSON file beside the indexes' manifests;
a command that names no retriever reads it back. One entry per corpus (its resolved paths): the latest
explicit choice wins. Does not handle: the indexes themselves (see `chroma`), or choosing between two indexes
of one corpus that both exist (the latest choice is used; `--retriever` picks another).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from rag.options import IndexChoice
from rag.store.refresh import manifest_path
from retriever_finetune.spec import DEFAULT_BASE, DEFAULT_RETRIEVER, RetrieverSpec

logger = logging.getLogger(__name__)

RECORD = "_retrievers"  # no collection name starts with "_" (Chroma's rule), so no manifest is called so


def _corpus_key(paths: Sequence[str]) -> str:
    return "|".join(sorted(str(Path(p).resolve()) for p in paths))


def recall_retriever(store: object, paths: Sequence[str]) -> dict | None:
    """The choice recorded for this corpus: ``{"retriever", "base", "dim"}``, or None."""
    record = manifest_path(store, RECORD)
    if not record.is_file():
        return None
    try:
        choices = json.loads(record.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, OSError):
        logger.warning("%s is unreadable; ignoring the retrievers recorded there", record)
        return None
    found = choices.get(_corpus_key(paths))
    return found if isinstance(found, dict) and found.get("retriever") else None


def remember_retriever(store: object, paths: Sequence[str], choice: dict) -> None:
    """Record `choice` for this corpus (replacing the file atomically, so a reader never sees half of it)."""
    record = manifest_path(store, RECORD)
    record.parent.mkdir(parents=True, exist_ok=True)
    try:
        choices = json.loads(record.read_text(encoding="utf-8")) if record.is_file() else {}
    except (json.JSONDecodeError, OSError):
        choices = {}
    choices[_corpus_key(paths)] = choice
    partial = record.with_name(f"{record.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(choices, indent=1), encoding="utf-8")
    os.replace(partial, record)


def recall_chosen_retriever(choice: IndexChoice, paths: Sequence[str]) -> None:
    """With no `--retriever` in `choice`, take the one `rag.index` last indexed `paths` with (and its base and
    size, unless given), and say so in one log line."""
    if choice.retriever:
        return
    recorded = recall_retriever(choice.store_options(), paths)
    if recorded is None:
        return
    choice.retriever = recorded["retriever"]
    if choice.base == DEFAULT_BASE:
        choice.base = recorded.get("base") or choice.base
    choice.dim = choice.dim or int(recorded.get("dim") or 0)
    size = f", --dim {choice.dim}" if choice.dim else ""
    logger.info("retriever %s (base %s%s): the one %s was indexed with; --retriever picks another",
                choice.retriever, choice.base, size, ", ".join(paths))


def remember_chosen_retriever(choice: IndexChoice, paths: Sequence[str]) -> None:
    """Record `choice`'s retriever as the one `paths` is indexed with (a run name as its folder, so it is found
    from any working directory)."""
    spec = choice.spec()
    text = choice.retriever or DEFAULT_RETRIEVER
    if isinstance(spec, RetrieverSpec) and spec.run_dir and not Path(text).is_absolute():
        text = str(Path(spec.run_dir).resolve())
    remember_retriever(choice.store_options(), paths, {"retriever": text, "base": choice.base, "dim": choice.dim})

"""Open (or build) the index of a corpus for a retriever: the steps `rag.index` and `rag.ask` share.

Everything that can fail on user input (paths, corpus with nothing to index, mismatched retriever) is
checked before the collection is created or changed. Does not handle: the Chroma calls (see `store`).
"""

from __future__ import annotations

import logging
import sysconfig
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from data.errors import InputError
from data.miner import DEFAULT_EXCLUDED_DIRS, LANGUAGES, MineReport, mine_tree
from data.records import Record
from data.splits import dedup_records
from rag.store import DEFAULT_DOCUMENT, CodeIndex, IndexStats, check_document_format, collection_name, open_client
from retriever_finetune.encoder import Encoder
from retriever_finetune.models import RetrieverSpec

logger = logging.getLogger(__name__)

DEFAULT_CORPUS_EXCLUDES = ("test", "tests", "idlelib")  # the stdlib's own tests are noise for questions


def default_corpus() -> list[str]:
    """The running interpreter's standard library."""
    return [sysconfig.get_paths()["stdlib"]]


@dataclass(frozen=True)
class StoreOptions:
    """Where the index lives, and what each function's vector embeds (see `rag.store.DOCUMENT_FORMATS`)."""

    persist: str
    chroma_host: str = ""
    chroma_port: int = 8000
    document: str = DEFAULT_DOCUMENT

    def __post_init__(self) -> None:
        check_document_format(self.document)


def mine_corpus(paths: Sequence[str], *, exclude: Sequence[str] = (), languages: Sequence[str] = ()) -> list[Record]:
    """Documented functions of every path, deduplicated.

    Raises:
        FileNotFoundError: a path does not exist.
        InputError: nothing to index.
    """
    for path in paths:
        if not Path(path).exists():
            msg = f"corpus path does not exist: {path}"
            raise FileNotFoundError(msg)
    report = MineReport()
    excluded = DEFAULT_EXCLUDED_DIRS | set(exclude)
    records: list[Record] = []
    for path in paths:
        records.extend(mine_tree(path, excluded_dirs=excluded, languages=frozenset(languages) or None, report=report))
    records, duplicates = dedup_records(records)
    logger.info("%s; %d duplicates dropped", report.summary(), duplicates)
    if not records:
        msg = (f"no documented functions to index in {', '.join(map(str, paths))} "
               f"({report.files_read} supported files read; supported languages: {', '.join(sorted(LANGUAGES))})")
        raise InputError(msg)
    return records


def open_index(paths: Sequence[str], spec: RetrieverSpec, store: StoreOptions, *, rebuild: bool = False,
               create: bool = True) -> CodeIndex:
    """The collection of (corpus, retriever); `rebuild` drops it first."""
    client = open_client(store.persist, host=store.chroma_host or None, port=store.chroma_port)
    name = collection_name(paths, spec, store.document)
    if rebuild and name in {c if isinstance(c, str) else c.name for c in client.list_collections()}:
        logger.warning("--rebuild: dropping index %s", name)
        client.delete_collection(name)
    return CodeIndex(client, name, spec, document=store.document, create=create)


def index_exists(paths: Sequence[str], spec: RetrieverSpec, store: StoreOptions) -> bool:
    """True when (corpus, retriever) already has a non-empty collection."""
    client = open_client(store.persist, host=store.chroma_host or None, port=store.chroma_port)
    name = collection_name(paths, spec, store.document)
    if name not in {c if isinstance(c, str) else c.name for c in client.list_collections()}:
        return False
    return client.get_collection(name, embedding_function=None).count() > 0


def build_index(paths: Sequence[str], spec: RetrieverSpec, encoder: Encoder, store: StoreOptions, *,
                exclude: Sequence[str] = (), languages: Sequence[str] = (), rebuild: bool = False,
                batch_size: int = 256) -> IndexStats:
    """Mine the corpus, then bring its collection up to date (incremental unless `rebuild`)."""
    records = mine_corpus(paths, exclude=exclude, languages=languages)  # validate before touching the index
    index = open_index(paths, spec, store, rebuild=rebuild)
    if index.spec.label != spec.label:
        msg = f"index {index.name} belongs to {index.spec.label}, not {spec.label}"
        raise InputError(msg)
    return index.sync(records, encoder, batch_size=batch_size)

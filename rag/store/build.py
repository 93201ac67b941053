"""Open (or build) the index of a corpus for a retriever: the steps `rag.index` and `rag.ask` share.

Everything that can fail on user input (paths, corpus with nothing to index, mismatched retriever) is
checked before the collection is created or changed. Does not handle: the Chroma calls (see `chroma`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from data.cli import InputError
from data.corpus import mine_corpus
from data.languages import path_languages
from data.miner import LANGUAGES, MineReport
from data.records import Record
from rag.options import StoreOptions
from rag.store.chroma import CHROMA_BATCH, CodeIndex, collection_name, store_client
from rag.store.lock import writer_lock
from rag.store.references import forget_references
from rag.store.refresh import corpus_options, current_manifest, refresh_index, write_manifest
from rag.store.routed import LanguageRoutedIndex
from rag.store.searchable import SearchIndex
from rag.store.source import IndexStats
from retriever_finetune.encoder import Encoder
from retriever_finetune.routing import LanguageEncoders
from retriever_finetune.spec import PerLanguageSpec, RetrieverSpec

logger = logging.getLogger(__name__)

def open_index(paths: Sequence[str], spec: RetrieverSpec, store: StoreOptions, *, create: bool = True) -> CodeIndex:
    """The collection of (corpus, retriever)."""
    return CodeIndex(store_client(store), collection_name(paths, spec, store.document), spec, document=store.document,
                     create=create)


def index_exists(paths: Sequence[str], spec: RetrieverSpec, store: StoreOptions) -> bool:
    """True when (corpus, retriever) already has a non-empty collection."""
    client = store_client(store)
    name = collection_name(paths, spec, store.document)
    if name not in {c if isinstance(c, str) else c.name for c in client.list_collections()}:
        return False
    return client.get_collection(name, embedding_function=None).count() > 0


def _mine(paths: Sequence[str], exclude: Sequence[str], languages: Sequence[str], include_ignored: bool, workers: int,
          announce: str) -> tuple[list[Record], MineReport]:
    """The corpus's records and what mining saw (what it skipped, by reason); `announce` logged once found."""
    report = MineReport()
    records = mine_corpus(paths, exclude=exclude, languages=languages, include_ignored=include_ignored,
                          workers=workers, report=report)
    if announce:
        logger.info("%s: building it (once)", announce)
    return records, report


def _routed_name(paths: Sequence[str], spec: PerLanguageSpec, encoders: LanguageEncoders, store: StoreOptions) -> str:
    """The name a per-language index's collections start with (`collection_name` of the spec as typed)."""
    return collection_name(paths, RetrieverSpec(label=spec.text, base=encoders.base), store.document)


def open_routed_index(paths: Sequence[str], spec: PerLanguageSpec, encoders: LanguageEncoders,
                      store: StoreOptions, *, create_languages: Sequence[str] = ()) -> LanguageRoutedIndex:
    """The per-language collections of (corpus, routing spec) that exist, and those of `create_languages`."""
    client = store_client(store)
    name = _routed_name(paths, spec, encoders, store)
    return LanguageRoutedIndex(client, name, encoders, document=store.document, create_languages=create_languages)


def routed_index_exists(paths: Sequence[str], spec: PerLanguageSpec, encoders: LanguageEncoders, store: StoreOptions) -> bool:
    """True when (corpus, routing spec) has at least one non-empty language collection."""
    try:
        return open_routed_index(paths, spec, encoders, store).count() > 0
    except InputError:
        return False


# one entry per step for every kind of index: the spec decides here, and nowhere above the store
def open_search_index(paths: Sequence[str], spec: RetrieverSpec | PerLanguageSpec, encoders: Encoder | LanguageEncoders,
                      store: StoreOptions, *, create_languages: Sequence[str] = ()) -> SearchIndex:
    """The existing index of (corpus, spec): one collection, or one per language (and those of `create_languages`)."""
    if isinstance(spec, PerLanguageSpec):
        return open_routed_index(paths, spec, encoders, store, create_languages=create_languages)  # type: ignore[arg-type]
    return open_index(paths, spec, store, create=bool(create_languages))


def search_index_exists(paths: Sequence[str], spec: RetrieverSpec | PerLanguageSpec,
                        encoders: Encoder | LanguageEncoders, store: StoreOptions) -> bool:
    """True when (corpus, spec) has a non-empty index."""
    if isinstance(spec, PerLanguageSpec):
        return routed_index_exists(paths, spec, encoders, store)  # type: ignore[arg-type]
    return index_exists(paths, spec, store)


def search_index_name(paths: Sequence[str], spec: RetrieverSpec | PerLanguageSpec,
                      encoders: Encoder | LanguageEncoders, store: StoreOptions) -> str:
    """The index's name, and its writer lock's: its collection's, or what a per-language index's start with."""
    if isinstance(spec, PerLanguageSpec):
        return _routed_name(paths, spec, encoders, store)  # type: ignore[arg-type]
    return collection_name(paths, spec, store.document)


def _drop(client, name: str, spec: RetrieverSpec | PerLanguageSpec) -> None:  # noqa: ANN001
    """Delete the index's collections (--rebuild): its one collection, or one per language."""
    existing = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    for collection in existing:
        per_language = collection.startswith(f"{name}-") and collection.rpartition("-")[2] in LANGUAGES
        if (per_language if isinstance(spec, PerLanguageSpec) else collection == name):
            logger.warning("--rebuild: dropping index %s", collection)
            client.delete_collection(collection)


def build_search_index(paths: Sequence[str], spec: RetrieverSpec | PerLanguageSpec, encoders: Encoder | LanguageEncoders,
                       store: StoreOptions, *, exclude: Sequence[str] = (), languages: Sequence[str] = (),
                       rebuild: bool = False, batch_size: int = CHROMA_BATCH, break_lock: bool = False,
                       include_ignored: bool = False, workers: int = 1, announce: str = "") -> IndexStats:
    """Mine the corpus (in `workers` processes), then bring every part of its index up to date (one collection,
    or one per language, each embedded by its language's encoder; from scratch with `rebuild`), holding the
    index's writer lock (`lock.writer_lock`: a second writer refuses instead of racing this one); then write
    each part's manifest, so the next question refreshes only what changed. `announce`: logged once mining
    has found something to index (a first build). The one build for every kind of index."""
    # the files' state before mining (listed and hashed once): an edit made meanwhile is picked up by the next refresh
    files = current_manifest(paths, exclude, languages, include_ignored) if Path(paths[0]).exists() else {}
    # mined first: bad input fails before the index is touched
    records, report = _mine(paths, exclude, languages, include_ignored, workers, announce)
    present = sorted({r.language for r in records})
    for language in present:
        encoders.encoder_for(language)  # an unrouted language with no fallback fails before the index changes
    client = store_client(store)
    name = search_index_name(paths, spec, encoders, store)
    with writer_lock(client, name, break_lock=break_lock):
        if rebuild:
            _drop(client, name, spec)
        index = open_search_index(paths, spec, encoders, store, create_languages=present)
        stats = sync_search_index(index, records, encoders, batch_size=batch_size)
    for language, part in index.parts():  # a `.h` file is in the C and the C++ manifests
        share = files if language is None else \
            {file: entry for file, entry in files.items() if language in path_languages(Path(file))}
        write_manifest(store, part.name, corpus_options(paths, exclude, [language] if language else languages,
                                                        include_ignored), share)
    stats.mined = report.summary()
    return stats


def sync_search_index(index: SearchIndex, records: Sequence[Record], encoders: Encoder | LanguageEncoders, *,
                      batch_size: int = CHROMA_BATCH) -> IndexStats:
    """Make each part of `index` hold exactly its share of `records` (a part with a language: that language's;
    one that holds every language: all), embedded by its language's encoder; the counts summed over the parts."""
    by_language: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        by_language[record.language].append(record)
    total = IndexStats(index.name)
    for language, part in index.parts():
        share = records if language is None else by_language.get(language, [])
        total.add(part.sync(share, encoders.encoder_for(language), batch_size=batch_size))
    return total


def refresh_search_index(paths: Sequence[str], spec: RetrieverSpec | PerLanguageSpec,
                         encoders: Encoder | LanguageEncoders, store: StoreOptions, *, exclude: Sequence[str] = (),
                         languages: Sequence[str] = (), include_ignored: bool = False,
                         index: SearchIndex | None = None) -> IndexStats | None:
    """Bring the index of (corpus, spec) up to date with the files changed since, each part against its own
    manifest (`refresh.refresh_index`) under the whole index's writer lock; the counts summed over the parts.
    None when a part has no manifest or one made with other options: the caller builds in full
    (`build_search_index`). `index`: the one already open. A language that had no collection when a
    per-language index was built is picked up by that full build (`rag.index`)."""
    opened = index or open_search_index(paths, spec, encoders, store)
    total = IndexStats(opened.name)
    for language, part in opened.parts():
        if language and languages and language not in languages:
            continue  # --languages names others: this part is left as it is
        stats = refresh_index(paths, part, encoders.encoder_for(language), store, exclude=exclude,
                              languages=[language] if language else languages, include_ignored=include_ignored,
                              lock=opened.name)
        if stats is None:
            return None
        total.add(stats)
    return total


def update_search_index(paths: Sequence[str], spec: RetrieverSpec | PerLanguageSpec,
                        encoders: Encoder | LanguageEncoders, store: StoreOptions, *, full: bool = False,
                        index: SearchIndex | None = None, exclude: Sequence[str] = (), languages: Sequence[str] = (),
                        include_ignored: bool = False, **build: object) -> IndexStats:
    """The one policy every command follows to bring an index up to date with its corpus: with no index yet, build
    it (saying so once mining finds something); else refresh the files changed since, each part against its
    manifest, and build in full only when a part has no manifest made with these options (or with `full`:
    `rebuild` among `build`, or `rag.index --no_refresh`, which checks every file). `index`: the one already open.
    `build`: `build_search_index`'s other options (rebuild, batch_size, break_lock, workers).

    Raises:
        IndexBusy: another process writes the index (callers that only read may answer from it as it is).
    """
    corpus = {"exclude": exclude, "languages": languages, "include_ignored": include_ignored}
    exists = index is not None or search_index_exists(paths, spec, encoders, store)
    stats = None
    if exists and not full and not build.get("rebuild"):
        stats = refresh_search_index(paths, spec, encoders, store, index=index, **corpus)  # type: ignore[arg-type]
        if stats is None:
            logger.info("no record of the corpus files for this index: checking every file once")
    if stats is None:
        announce = "" if exists else f"no index of {', '.join(paths)} for {spec.label} yet"
        stats = build_search_index(paths, spec, encoders, store, announce=announce, **corpus, **build)  # type: ignore[arg-type]
    if stats.changed:  # the graph follows the index: worked out again when next wanted
        forget_references(store, stats.collection)
    return stats


def index_records(paths: Sequence[str], spec: RetrieverSpec | PerLanguageSpec, encoders: Encoder | LanguageEncoders,
                  store: StoreOptions, records: Sequence[Record]) -> SearchIndex:
    """The index of (corpus, spec) holding exactly `records` (an evaluation's corpus: synced, not mined)."""
    index = open_search_index(paths, spec, encoders, store, create_languages=sorted({r.language for r in records}))
    sync_search_index(index, records, encoders)
    return index

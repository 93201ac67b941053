"""Open the first stage a question goes through: the encoder(s) and the index of a corpus, built on first use
and refreshed with the files edited since, with an optional reranker. Shared by `rag.ask` and the LangChain
`CodeSearchRetriever`.

Does not handle: loading the reranker or the generator (see `rag.rerank`, `rag.generation`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from data.errors import InputError
from rag.search.retriever import DEFAULT_LEXICAL_WEIGHT, Reranker, Retriever
from rag.search.routed import RoutedRetriever
from rag.store import (
    DEFAULT_CORPUS_EXCLUDES,
    CodeIndex,
    IndexChoice,
    LanguageRoutedIndex,
    StoreOptions,
    build_index,
    build_routed_index,
    check_corpus,
    default_corpus,
    index_exists,
    open_index,
    open_routed_index,
    refresh_index,
    routed_index_exists,
)
from retriever_finetune.encoder import Encoder
from retriever_finetune.models import load_retriever
from retriever_finetune.routing import LanguageEncoders, load_language_encoders
from retriever_finetune.spec import PerLanguageSpec, RetrieverSpec, refuse_for_per_language

logger = logging.getLogger(__name__)


def open_retriever(choice: IndexChoice, corpus: Sequence[str] = (), *, reranker: Reranker | None = None,
                   device: str | None = None, build: bool = True,
                   lexical_weight: float | None = None) -> Retriever | RoutedRetriever:
    """The retriever `choice.retriever` names over `corpus` (default: the standard library, its tests excluded);
    with none named, the one `rag.index` last indexed the corpus with (`IndexChoice.recall_retriever`).

    A per-language spec gives a `RoutedRetriever` over one collection per language (dense search; a
    `lexical_weight` is refused); any other spec a `Retriever` over one collection, hybrid with `lexical_weight`
    (default `DEFAULT_LEXICAL_WEIGHT`; 0 is dense search alone).

    Raises:
        InputError: no index yet and `build` is False, or what parsing the retriever raises.
    """
    paths = list(corpus) or default_corpus()
    check_corpus(paths)
    choice.recall_retriever(paths)
    store = choice.store_options()
    excludes = () if corpus else DEFAULT_CORPUS_EXCLUDES
    spec = choice.spec()
    refuse_for_per_language(spec, lexical_weight=lexical_weight is not None)
    if isinstance(spec, PerLanguageSpec):
        encoders = load_language_encoders(spec, device=device, precision=choice.precision)
        if not routed_index_exists(paths, spec, encoders, store):
            _refuse_unless(build, paths, spec.label)
            build_routed_index(paths, spec, encoders, store, exclude=excludes, include_ignored=choice.include_ignored)
        elif choice.refresh:
            _refresh_routed(paths, spec, encoders, store, excludes, choice.include_ignored)
        return RoutedRetriever(open_routed_index(paths, spec, encoders, store), reranker)
    encoder = load_retriever(spec, device=device, precision=choice.precision)
    if not index_exists(paths, spec, store):
        _refuse_unless(build, paths, spec.label)
        build_index(paths, spec, encoder, store, exclude=excludes, include_ignored=choice.include_ignored)
    elif choice.refresh:
        _refresh(paths, spec, encoder, store, excludes, choice.include_ignored)
    weight = DEFAULT_LEXICAL_WEIGHT if lexical_weight is None else lexical_weight
    return Retriever(encoder, open_index(paths, spec, store, create=False), reranker, lexical_weight=weight)


def refresh_retriever(choice: IndexChoice, corpus: Sequence[str], retriever: Retriever | RoutedRetriever) -> None:
    """Bring an open retriever's index up to date with `corpus` again (a long-lived retriever, before each
    question); what it had read of the collection is dropped when something changed."""
    paths = list(corpus) or default_corpus()
    excludes = () if corpus else DEFAULT_CORPUS_EXCLUDES
    spec = choice.spec()
    if isinstance(retriever, RoutedRetriever):
        changed = _refresh_routed(paths, spec, retriever.index.encoders, choice.store_options(), excludes,  # type: ignore[arg-type]
                                  choice.include_ignored, index=retriever.index)
    else:
        changed = _refresh(paths, spec, retriever.encoder, choice.store_options(), excludes,  # type: ignore[arg-type]
                           choice.include_ignored, index=retriever.index)
    if changed:
        retriever.forget_entries()


def _refresh(paths: Sequence[str], spec: RetrieverSpec, encoder: Encoder, store: StoreOptions,
             excludes: Sequence[str], include_ignored: bool, index: CodeIndex | None = None) -> bool:
    """Bring the index up to date with the corpus (`refresh.refresh_index`; in full when it has no manifest).
    Returns whether the index changed."""
    def run() -> bool:
        stats = refresh_index(paths, index or open_index(paths, spec, store, create=False), encoder, store,
                              exclude=excludes, include_ignored=include_ignored)
        if stats is None:
            logger.info("no record of the corpus files for this index: checking every file once")
            stats = build_index(paths, spec, encoder, store, exclude=excludes, include_ignored=include_ignored)
        return stats.changed

    return _unless_being_written(run)


def _refresh_routed(paths: Sequence[str], spec: PerLanguageSpec, encoders: LanguageEncoders, store: StoreOptions,
                    excludes: Sequence[str], include_ignored: bool, index: LanguageRoutedIndex | None = None) -> bool:
    """`_refresh` for a per-language index: each language's collection against its own manifest, under the
    whole index's writer lock; the whole corpus once when a manifest is missing. Returns whether it changed.
    A language that had no collection when the index was built is picked up by `rag.index` (a full sync)."""
    def run() -> bool:
        routed = index or open_routed_index(paths, spec, encoders, store)
        changed = False
        for language, language_index in routed.indexes.items():
            stats = refresh_index(paths, language_index, encoders.encoder_for(language), store, exclude=excludes,
                                  languages=[language], include_ignored=include_ignored, lock=routed.name)
            if stats is None:
                logger.info("no record of the corpus files for this index: checking every file once")
                return build_routed_index(paths, spec, encoders, store, exclude=excludes,
                                          include_ignored=include_ignored).changed
            changed |= stats.changed
        return changed

    return _unless_being_written(run)


def _unless_being_written(refresh: Callable[[], bool]) -> bool:
    """Run a refresh; while another process writes the index, answer from it as it is (False: unchanged)."""
    try:
        return refresh()
    except InputError as error:
        if "being written by another process" not in str(error):
            raise
        logger.warning("not refreshed: %s; searching the index as it is", error)
        return False


def _refuse_unless(build: bool, paths: Sequence[str], label: str) -> None:
    if not build:
        msg = f"no index of {', '.join(paths)} for {label} yet; build it with `python -m rag.index` (or build=True)"
        raise InputError(msg)
    logger.info("no index of %s for %s yet: building it (once)", ", ".join(paths), label)

"""Open the first stage a question goes through: the encoder(s) and the index of a corpus, built on first use
and refreshed with the files edited since, with an optional reranker. Called through
`rag.opening.open_first_stage`, the one place an entry point opens it.

One path for a single and a per-language retriever: the spec picks the encoders
(`retriever_finetune.routing.load_encoders`) and the index (`rag.store.open_search_index`); the
search and the refresh run over the index's parts. Does not handle: loading the reranker or the generator
(see `rag.rerank`, `rag.generation`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from data.cli import InputError
from data.corpus import DEFAULT_CORPUS_EXCLUDES, check_corpus, default_corpus
from data.records import Record
from rag.options import DEFAULT_LEXICAL_WEIGHT, IndexChoice, StoreOptions
from rag.search.retriever import QueryEncoders, Reranker, Retriever
from rag.store import (
    IndexBusy,
    SearchIndex,
    index_records,
    open_search_index,
    recall_chosen_retriever,
    search_index_exists,
    stored_references,
    update_search_index,
)
from retriever_finetune.routing import load_encoders
from retriever_finetune.spec import PerLanguageSpec, RetrieverSpec

logger = logging.getLogger(__name__)


def open_retriever(choice: IndexChoice, corpus: Sequence[str] = (), *, reranker: Reranker | None = None,
                   device: str | None = None, build: bool = True, lexical_weight: float | None = None,
                   records: Sequence[Record] | None = None) -> Retriever:
    """The retriever `choice.retriever` names over `corpus` (default: the standard library, its tests excluded);
    with none named, the one `rag.index` last indexed the corpus with (`rag.store.recall_chosen_retriever`). Hybrid
    with `lexical_weight` (default `DEFAULT_LEXICAL_WEIGHT`; 0 is dense search alone).

    `records`: the index holds exactly these (an evaluation's corpus, `corpus` then only names it): synced,
    never mined or refreshed.

    Raises:
        InputError: no index yet and `build` is False, or what parsing the retriever raises.
    """
    weight = DEFAULT_LEXICAL_WEIGHT if lexical_weight is None else lexical_weight
    store = choice.store_options()
    if records is not None:
        spec = choice.spec()
        encoders = load_encoders(spec, device=device, precision=choice.precision)
        return Retriever(encoders, index_records(list(corpus), spec, encoders, store, records), reranker,
                         lexical_weight=weight)
    paths = list(corpus) or default_corpus()
    check_corpus(paths)
    recall_chosen_retriever(choice, paths)
    spec = choice.spec()
    excludes = () if corpus else DEFAULT_CORPUS_EXCLUDES
    encoders = load_encoders(spec, device=device, precision=choice.precision)
    if not search_index_exists(paths, spec, encoders, store):
        _refuse_unless(build, paths, spec.label)
        update_search_index(paths, spec, encoders, store, exclude=excludes, include_ignored=choice.include_ignored)
    elif choice.refresh:
        _refresh(paths, spec, encoders, store, excludes, choice.include_ignored)
    index = open_search_index(paths, spec, encoders, store)
    return Retriever(encoders, index, reranker, lexical_weight=weight,
                     references=lambda: stored_references(store, index))


def refresh_retriever(choice: IndexChoice, corpus: Sequence[str], retriever: Retriever) -> None:
    """Bring an open retriever's index up to date with `corpus` again (a long-lived retriever, before each
    question); what it had read of the collection is dropped when something changed."""
    paths = list(corpus) or default_corpus()
    excludes = () if corpus else DEFAULT_CORPUS_EXCLUDES
    if _refresh(paths, choice.spec(), retriever.encoders, choice.store_options(), excludes, choice.include_ignored,
                index=retriever.index):
        retriever.forget_entries()


def _refresh(paths: Sequence[str], spec: RetrieverSpec | PerLanguageSpec, encoders: QueryEncoders, store: StoreOptions,
             excludes: Sequence[str], include_ignored: bool, index: SearchIndex | None = None) -> bool:
    """Bring the existing index up to date with the corpus (`rag.store.update_search_index`, the one policy).
    Returns whether it changed."""
    return _unless_being_written(lambda: update_search_index(  # type: ignore[arg-type]
        paths, spec, encoders, store, exclude=excludes, include_ignored=include_ignored,
        index=index or open_search_index(paths, spec, encoders, store)).changed)


def _unless_being_written(refresh: Callable[[], bool]) -> bool:
    """Run a refresh; while another process writes the index, answer from it as it is (False: unchanged)."""
    try:
        return refresh()
    except IndexBusy as error:
        logger.warning("not refreshed: %s; searching the index as it is", error)
        return False


def _refuse_unless(build: bool, paths: Sequence[str], label: str) -> None:
    if not build:
        msg = f"no index of {', '.join(paths)} for {label} yet; build it with `python -m rag.index` (or build=True)"
        raise InputError(msg)

"""Open what the options name (`rag.options`): `open_first_stage`, the one function that opens the first stage
every command searches, and `OpenedModels`, the generator and first stage kept open between questions (the warm
server's). Does not handle: answering (see `rag.answer`).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence

from data.cli import InputError
from data.corpus import check_corpus, default_corpus
from data.records import Record
from rag.generation import Generator, load_generator
from rag.generation.endpoints import ChatEndpointGenerator
from rag.lead_choice import EndpointLeadChoice
from rag.options import AnswerOptions, SearchOptions
from rag.rerank import load_reranker
from rag.search import Reranker, Retriever, open_retriever, refresh_retriever
from rag.store import recall_chosen_retriever


def open_first_stage(options: SearchOptions, generator: Generator | None = None, *, build: bool = True,
                     records: Sequence[Record] | None = None) -> Retriever:
    """The one way into the first stage: the retriever over the corpus's index (built on first use unless
    `build` is False, refreshed), with the reranker the options name; a reranker that is the generator's own
    model reuses the loaded `generator`. `records`: index exactly these instead of mining the corpus
    (an evaluation's corpus, see `rag.search.open_retriever`)."""
    rerank = options.reranker()
    if rerank == "endpoint":  # the endpoint generator chooses the first source (`rag.lead_choice`)
        if not isinstance(generator, ChatEndpointGenerator):
            msg = "--rerank endpoint needs an openai:/ollama: --generator to choose the first source"
            raise InputError(msg)
        reranker: Reranker | None = EndpointLeadChoice(generator)
    else:
        reranker = load_reranker(rerank, options.generator_options(), candidates=options.rerank_candidates,
                                 fusion_weight=options.rerank_fusion, name_weight=options.name_weight(),
                                 reuse=generator if rerank == getattr(options, "generator", None) else None)
    retriever = open_retriever(options, options.corpus, reranker=reranker, device=options.device or None, build=build,
                               lexical_weight=options.lexical_weight, records=records)
    return retriever.variant(kinds=tuple(options.kinds)) if options.kinds else retriever


class OpenedModels:
    """The generator and first stage of the last options they were opened for, kept for the next question with the
    same options (the warm server, `rag.serve`); reused, the index is refreshed first, as opening it would.
    Options that load other models drop the ones held, so one set stays in memory."""

    def __init__(self) -> None:
        self._key: str | None = None
        self._opened: tuple[Generator | None, Retriever] | None = None

    def open(self, options: AnswerOptions) -> tuple[Generator | None, Retriever]:
        """The generator (None with ``--generator none``) and the first stage for `options`."""
        key = _models_key(options)
        if self._opened is not None and key == self._key:
            generator, retriever = self._opened
            recall_chosen_retriever(options, options.corpus or default_corpus())  # the spec the refresh reads
            if options.refresh:
                refresh_retriever(options, options.corpus, retriever)
            return generator, retriever
        self._key, self._opened = None, None  # the old models can go before the new ones load
        check_corpus(options.corpus or default_corpus())  # bad input fails before a model loads (Gemma's
        options.spec()  # first load converts it for minutes), not after
        generator = load_generator(options.generator, options.generator_options())
        retriever = open_first_stage(options, generator)
        self._key, self._opened = key, (generator, retriever)
        return generator, retriever


def _models_key(options: AnswerOptions) -> str:
    """The options that decide what `open` loads, folder names made absolute (questions come from anywhere)."""
    values = {f.name: getattr(options, f.name) for f in dataclasses.fields(AnswerOptions)}
    values.update(corpus=[os.path.abspath(path) for path in options.corpus], persist=os.path.abspath(options.persist),
                  runs_dir=os.path.abspath(options.runs_dir), cwd_retriever=os.path.abspath(options.retriever or "."),
                  max_new_tokens=None, max_context_tokens=None, refresh=None)
    return repr(sorted(values.items()))

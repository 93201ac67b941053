"""The options every command that searches or answers derives from (`SearchOptions`, `AnswerOptions`: `rag.ask`,
`rag.mcp`, `eval.rouge`'s first stage, the LangChain `CodeSearchRetriever`), checked once, with their defaults
stated once; and `open_first_stage`, the one function that opens the first stage they search. Does not
handle: answering (see `rag.answer`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from data.cli import InputError, list_option
from data.corpus import check_corpus, default_corpus
from data.languages import KINDS
from data.records import Record
from rag.generation import ENDPOINT_KINDS, Generator, GeneratorOptions, check_generator_spec, load_generator
from rag.rerank import DEFAULT_CANDIDATES, DEFAULT_FUSION_WEIGHT, check_reranker_spec, load_reranker
from rag.search import DEFAULT_K, DEFAULT_LEXICAL_WEIGHT, Retriever, check_k, open_retriever, refresh_retriever
from rag.store import IndexChoice

logger = logging.getLogger(__name__)

# The defaults, chosen by measurement (docs/RESULTS.md, "Which retriever and reranker ship"): the fused Gemma
# rerank; k: `rag.search.DEFAULT_K`.
DEFAULT_RERANK = "auto"


def check_kinds(kinds: Sequence[str]) -> list[str]:
    """The kinds of entry asked for (`data.languages.KINDS`), lower-cased; one comma-separated string is split.

    Raises:
        InputError: an unknown kind.
    """
    wanted = [k.strip().lower() for item in kinds for k in item.split(",") if k.strip()]
    unknown = sorted(set(wanted) - set(KINDS))
    if unknown:
        msg = f"unknown kind(s) {', '.join(unknown)}; choose from {', '.join(KINDS)}"
        raise InputError(msg)
    return wanted


def resolve_reranker(rerank: str, generator: str = "") -> str:
    """The reranker `--rerank` asks for: ``auto`` is the packaged Gemma, unless `generator` is an endpoint (it
    would load a local model only to rerank; then none)."""
    if rerank != "auto":
        return rerank
    if generator.partition(":")[0] in ENDPOINT_KINDS:
        logger.info("generator %s is an endpoint: no local reranker (ask for one with --rerank gemma)", generator)
        return "none"
    return "gemma"


@dataclass
class SearchOptions(IndexChoice):
    """The corpus, the number of functions, the reranker and the first-stage options of every command that
    searches."""

    corpus: list[str] = field(default_factory=list, metadata={"help": "source trees (default: the Python standard library)"})
    k: int = field(default=DEFAULT_K, metadata={"help": "functions to retrieve"})
    rerank: str = field(default=DEFAULT_RERANK, metadata={
        "help": "local LM that reranks the candidates: gemma, hf:NAME_OR_PATH, none; auto: gemma, except with an "
                "openai:/ollama: generator, where it would load a local model only to rerank (then none)"})
    rerank_candidates: int = field(default=DEFAULT_CANDIDATES, metadata={"help": "functions the index gives the reranker"})
    rerank_fusion: float = field(default=DEFAULT_FUSION_WEIGHT, metadata={
        "help": "weight of the LM score against the dense score in the final order (0: dense, 1: LM alone)"})
    lexical_weight: float | None = field(default=None, metadata={
        "help": f"hybrid search: weight of BM25 over names and docstrings against the dense score in the first "
                f"stage (default {DEFAULT_LEXICAL_WEIGHT}; 0: dense search alone)"})
    device: str = field(default="", metadata={"help": "cpu or cuda (default: cuda when present)"})
    kinds: list[str] = field(default_factory=list, metadata={
        "help": f"search only these kinds of entry: {', '.join(KINDS)} (default: all)"})

    def __post_init__(self) -> None:
        super().__post_init__()
        self.corpus = list_option(self.corpus)
        self.kinds = check_kinds(list_option(self.kinds))
        if self.rerank != "auto":
            check_reranker_spec(self.rerank)
        if not 0 <= self.rerank_fusion <= 1:
            msg = f"--rerank_fusion must be in [0, 1] (0: dense order, 1: LM alone), got {self.rerank_fusion}"
            raise InputError(msg)
        if self.lexical_weight is not None and not 0 <= self.lexical_weight <= 1:
            msg = f"--lexical_weight must be in [0, 1] (0: dense search alone), got {self.lexical_weight}"
            raise InputError(msg)
        check_k(self.k)
        if self.rerank_candidates <= 0:
            msg = f"--rerank_candidates must be positive, got {self.rerank_candidates}"
            raise InputError(msg)

    def reranker(self) -> str:
        """The reranker `--rerank` asks for: ``auto`` is the packaged Gemma."""
        return resolve_reranker(self.rerank)

    def generator_options(self) -> GeneratorOptions:
        """How the reranker (and a generator) load."""
        return GeneratorOptions(device=self.device or None, precision=self.precision)


@dataclass
class AnswerOptions(SearchOptions):
    """`SearchOptions` and the generator's, shared by the commands that answer."""

    generator: str = field(default="gemma", metadata={
        "help": "gemma (offline default), none (sources only), hf:NAME_OR_PATH, openai:MODEL, ollama:MODEL"})
    base_url: str = field(default="", metadata={"help": "endpoint of an openai:/ollama: generator"})
    max_new_tokens: int = field(default=200, metadata={"help": "answer length limit"})
    max_context_tokens: int = field(default=1536, metadata={"help": "prompt budget (sources are trimmed to fit)"})
    api_key: str = field(default="", metadata={"help": "API key of an openai: endpoint (default: $OPENAI_API_KEY)"})

    def __post_init__(self) -> None:
        super().__post_init__()
        check_generator_spec(self.generator)
        if min(self.max_new_tokens, self.max_context_tokens) <= 0:
            msg = "--max_new_tokens and --max_context_tokens must be positive"
            raise InputError(msg)

    def reranker(self) -> str:
        """``auto`` is the packaged Gemma unless the generator is an endpoint (a local model only to rerank)."""
        return resolve_reranker(self.rerank, self.generator)

    def generator_options(self) -> GeneratorOptions:
        """How the generator and the reranker load."""
        return GeneratorOptions(base_url=self.base_url or None, device=self.device or None,
                                api_key=self.api_key or None, precision=self.precision)


def open_first_stage(options: SearchOptions, generator: Generator | None = None, *, build: bool = True,
                     records: Sequence[Record] | None = None) -> Retriever:
    """The one way into the first stage: the retriever over the corpus's index (built on first use unless
    `build` is False, refreshed), with the reranker the options name; a reranker that is the generator's own
    model reuses the loaded `generator`. `records`: index exactly these instead of mining the corpus
    (an evaluation's corpus, see `rag.search.open_retriever`)."""
    rerank = options.reranker()
    reranker = load_reranker(rerank, options.generator_options(), candidates=options.rerank_candidates,
                             fusion_weight=options.rerank_fusion,
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
            options.recall_retriever(options.corpus or default_corpus())  # the spec the refresh reads
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

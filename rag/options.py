"""Every option a user gives a command that searches or answers (`IndexChoice`, `SearchOptions`, `AnswerOptions`:
`rag.ask`, `rag.index`, `rag.mcp`, `eval.rouge`'s first stage, the LangChain `CodeSearchRetriever`), with its
default stated once and its check made once, when the options are built.

Imports no model library (no torch, transformers or chromadb): `python -m rag.ask` parses its options here and
refuses bad ones before it reaches or starts a warm server. Does not handle: opening what the options name (see
`rag.opening`) or where the index lives (see `rag.store`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from data.cache import DEFAULT_CACHE
from data.cli import InputError, list_option
from data.documents import DEFAULT_DOCUMENT, DOCUMENT_FORMATS, check_document_format
from data.languages import KINDS
from retriever_finetune.precision_choice import HELP as PRECISION_HELP
from retriever_finetune.precision_choice import check_precision
from retriever_finetune.spec import DEFAULT_BASE, DEFAULT_RETRIEVER, PerLanguageSpec, RetrieverSpec, parse_retriever
from retriever_finetune.spec import HELP as RETRIEVER_HELP

logger = logging.getLogger(__name__)

# The defaults, chosen by measurement (docs/RESULTS.md: "Which retriever and reranker ship", "Answers").
DEFAULT_K = 5  # functions per question: the setting `bench/answers.py` measures
MAX_K = 100
DEFAULT_LEXICAL_WEIGHT = 0.1  # BM25's weight against the dense score in the first stage
DEFAULT_RERANK = "auto"  # the packaged Gemma, fused with the first stage's order
DEFAULT_CANDIDATES = 20  # functions the first stage gives the reranker
DEFAULT_FUSION_WEIGHT = 0.5  # the LM score's weight against the first stage's in the final order
DEFAULT_NAME_WEIGHT = 0.5  # the LM's likelihood of each name as the answer, against that order, on the standard library
MAX_NEW_TOKENS = 200  # answer length limit
MAX_CONTEXT_TOKENS = 1536  # the prompt's budget: sources are trimmed to fit
GENERATOR_KINDS = ("gemma", "hf", "openai", "ollama")
ENDPOINT_KINDS = ("openai", "ollama")


def check_k(k: int) -> int:
    """`k` when it is a number of sources one may ask for (1 to `MAX_K`): the one check every entry point makes.

    Raises:
        InputError: out of range.
    """
    if not 1 <= k <= MAX_K:
        msg = f"k must be between 1 and {MAX_K}, got {k}"
        raise InputError(msg)
    return k


def check_generator_spec(spec: str) -> tuple[str, str]:
    """Split ``kind:name`` and check the kind, before anything is loaded."""
    kind, _, name = spec.partition(":")
    if spec != "none" and kind not in GENERATOR_KINDS:
        msg = f"unknown generator {spec!r}: use none, gemma, hf:NAME_OR_PATH, openai:MODEL or ollama:MODEL"
        raise InputError(msg)
    return kind, name


def check_reranker_spec(spec: str) -> str:
    """``none``, ``gemma``, ``hf:NAME_OR_PATH`` (a local causal LM) or ``endpoint`` (an openai:/ollama: generator
    chooses the first source); checked before anything loads."""
    kind, _, name = spec.partition(":")
    if spec not in ("none", "gemma", "endpoint") and not (kind == "hf" and name):
        msg = (f"unknown reranker {spec!r}: use gemma (default), hf:NAME_OR_PATH (a causal LM), endpoint (an "
               f"openai:/ollama: generator chooses the first source) or none")
        raise InputError(msg)
    return spec


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


@dataclass(frozen=True)
class GeneratorOptions:
    """Where generators (and a reranker, a local generator) come from."""

    base_url: str | None = None
    cache_dir: Path = DEFAULT_CACHE
    device: str | None = None
    api_key: str | None = None
    precision: str = "auto"  # see `rag.generation.precision`


@dataclass(frozen=True)
class StoreOptions:
    """Where the index lives, and what each function's vector embeds (see `data.documents`); the Chroma client
    is `rag.store.chroma.store_client`."""

    persist: str
    chroma_host: str = ""
    chroma_port: int = 8000
    document: str = DEFAULT_DOCUMENT
    chroma_ssl: bool = False
    chroma_token: str = ""

    def __post_init__(self) -> None:
        check_document_format(self.document)


@dataclass
class IndexChoice:
    """CLI options that pick an index: the retriever, where its collection lives, and the precision its encoder
    runs in (`rag.ask`, `rag.index`). With no `--retriever`, `rag.store.recall_chosen_retriever` fills in the one
    the corpus was indexed with."""

    retriever: str = field(default="", metadata={
        "help": f"{RETRIEVER_HELP}. Default: the retriever `rag.index` last indexed this corpus with, else "
                f"{DEFAULT_RETRIEVER}"})
    base: str = field(default=DEFAULT_BASE, metadata={"help": "the encoder `base` stands for"})
    dim: int = field(default=0, metadata={
        "help": "vector size of a Matryoshka model (embeddinggemma: 768, 512, 256 or 128); 0: its full size"})
    runs_dir: str = field(default="runs", metadata={"help": "where run names are looked up"})
    persist: str = field(default=str(DEFAULT_CACHE / "chroma"), metadata={"help": "embedded Chroma folder"})
    chroma_host: str = field(default="", metadata={"help": "use a Chroma server at this host instead"})
    chroma_port: int = field(default=8000, metadata={"help": "Chroma server port"})
    chroma_ssl: bool = field(default=False, metadata={"help": "reach the Chroma server over HTTPS"})
    chroma_token: str = field(default="", metadata={
        "help": "token the Chroma server asks for (Chroma's token authentication)"})
    document: str = field(default=DEFAULT_DOCUMENT, metadata={
        "help": "what each function's vector embeds: docstring+code, or code alone (CodeSearchNet format)",
        "choices": list(DOCUMENT_FORMATS)})
    precision: str = field(default="auto", metadata={"help": PRECISION_HELP})
    refresh: bool = field(default=True, metadata={
        "help": "before searching, find the corpus files edited, added or deleted since the last build and update "
                "their entries (--no_refresh: use the index as it is, read-only)"})
    include_ignored: bool = field(default=False, metadata={
        "help": "inside a git work tree, also index the files .gitignore excludes (default: what git tracks or "
                "could add)"})

    def __post_init__(self) -> None:
        check_precision(self.precision)
        if self.dim < 0:
            msg = f"--dim must be a positive vector size (or 0: full size), got {self.dim}"
            raise InputError(msg)

    def spec(self) -> RetrieverSpec | PerLanguageSpec:
        """The retriever `--retriever` names (one encoder, or one adapter per language)."""
        return parse_retriever(self.retriever or DEFAULT_RETRIEVER, base=self.base, runs_dir=self.runs_dir,
                               dim=self.dim or None)

    def store_options(self) -> StoreOptions:
        """Where the collection lives and what it embeds."""
        return StoreOptions(self.persist, self.chroma_host, self.chroma_port, self.document, self.chroma_ssl,
                            self.chroma_token)


@dataclass
class SearchOptions(IndexChoice):
    """The corpus, the number of functions, the reranker and the first-stage options of every command that
    searches."""

    corpus: list[str] = field(default_factory=list, metadata={"help": "source trees (default: the Python standard library)"})
    k: int = field(default=DEFAULT_K, metadata={"help": "functions to retrieve"})
    rerank: str = field(default=DEFAULT_RERANK, metadata={
        "help": "local LM that reranks the candidates: gemma, hf:NAME_OR_PATH, none; auto: gemma, except with an "
                "openai:/ollama: generator, where it would load a local model only to rerank (then none); "
                "endpoint: that generator chooses which of the first five sources leads"})
    rerank_candidates: int = field(default=DEFAULT_CANDIDATES, metadata={"help": "functions the index gives the reranker"})
    rerank_fusion: float = field(default=DEFAULT_FUSION_WEIGHT, metadata={
        "help": "weight of the LM score against the dense score in the final order (0: dense, 1: LM alone)"})
    rerank_name: float | None = field(default=None, metadata={
        "help": f"weight of how likely the LM finds each candidate's name as the answer (`To parse json, use "
                f"`json.loads``) against the fused order (0: not asked, 1: the name alone; default "
                f"{DEFAULT_NAME_WEIGHT} on the standard library, whose names the LM has read used, 0 on a --corpus)"})
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
        if self.rerank_name is not None and not 0 <= self.rerank_name <= 1:
            msg = f"--rerank_name must be in [0, 1] (0: names not asked, 1: the name alone), got {self.rerank_name}"
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

    def name_weight(self) -> float:
        """`--rerank_name`, else its default: on for the standard library, whose public names a base LM has read
        in use, off on a user's code base, whose names it has not (there it lowered the repository set's hit@5,
        docs/RESULTS.md)."""
        if self.rerank_name is not None:
            return self.rerank_name
        return 0.0 if self.corpus else DEFAULT_NAME_WEIGHT

    def generator_options(self) -> GeneratorOptions:
        """How the reranker (and a generator) load."""
        return GeneratorOptions(device=self.device or None, precision=self.precision)


@dataclass
class AnswerOptions(SearchOptions):
    """`SearchOptions` and the generator's, shared by the commands that answer."""

    generator: str = field(default="gemma", metadata={
        "help": "gemma (offline default), none (sources only), hf:NAME_OR_PATH, openai:MODEL, ollama:MODEL"})
    base_url: str = field(default="", metadata={"help": "endpoint of an openai:/ollama: generator"})
    max_new_tokens: int = field(default=MAX_NEW_TOKENS, metadata={"help": "answer length limit"})
    max_context_tokens: int = field(default=MAX_CONTEXT_TOKENS, metadata={"help": "prompt budget (sources are trimmed to fit)"})
    api_key: str = field(default="", metadata={"help": "API key of an openai: endpoint (default: $OPENAI_API_KEY)"})

    def __post_init__(self) -> None:
        super().__post_init__()
        check_generator_spec(self.generator)
        if self.rerank == "endpoint" and self.generator.partition(":")[0] not in ENDPOINT_KINDS:
            msg = (f"--rerank endpoint lets an openai:/ollama: generator choose the first source, and the generator "
                   f"is {self.generator!r}: name an endpoint with --generator, or use --rerank gemma")
            raise InputError(msg)
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

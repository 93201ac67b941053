"""CLI: answer a code question from an indexed corpus, streaming the answer, then citing the sources.

    python -m rag.ask "how to parse json" [--retriever base|minilm-questions|lora|RUN_DIR] [--k 5] \\
        [--generator gemma|none|hf:NAME|openai:MODEL|ollama:MODEL] [--rerank auto|gemma|hf:NAME|none] \\
        [--corpus PATH...]

With no index yet, the first run builds one from the corpus (default: this Python's standard library).
The first stage is hybrid: the index's nearest functions and the best by BM25 over names and docstrings,
ordered by their standardised scores fused with --lexical_weight (0: dense search alone). It gives
--rerank_candidates functions; a local LM (default: the packaged Gemma, shared with the
generator) scores how likely it finds the question for each, and the k best by the fused dense and LM
scores are kept (`rag.rerank`); --rerank none skips that, and an openai:/ollama: generator skips it unless
--rerank names a reranker. An answer that breaks off mid-stream is kept, the sources are listed, and the
exit code is 1. After the answer, every code identifier it uses is looked up in its sources and the indexed
corpus: unknown ones are listed as `unverified:`, and an answer that uses them, starts repeating itself or is
empty is followed by an extractive answer built from the top sources.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from data.cli import Positional, run_cli
from data.errors import InputError
from rag.answer import Answer, review_answer, stream_answer
from rag.generation import ENDPOINT_KINDS, GenerationInterrupted, GeneratorOptions, check_generator_spec, load_generator
from rag.grounding import KnownNames
from rag.question import check_question
from rag.rerank import DEFAULT_CANDIDATES, DEFAULT_FUSION_WEIGHT, check_reranker_spec, load_reranker
from rag.search import DEFAULT_LEXICAL_WEIGHT, open_retriever
from rag.store import IndexChoice

logger = logging.getLogger(__name__)


@dataclass
class AskConfig(IndexChoice):
    """Options of `python -m rag.ask`."""

    question: str = field(default="", metadata={"help": "the question"})
    k: int = field(default=5, metadata={"help": "functions to retrieve"})
    generator: str = field(default="gemma", metadata={"help": "gemma (offline default), none, hf:NAME_OR_PATH, openai:MODEL, ollama:MODEL"})
    base_url: str = field(default="", metadata={"help": "endpoint of an openai:/ollama: generator"})
    rerank: str = field(default="auto", metadata={
        "help": "local LM that reranks the candidates: gemma, hf:NAME_OR_PATH, none; auto: gemma, except with an "
                "openai:/ollama: generator, where it would load a local model only to rerank (then none)"})
    rerank_candidates: int = field(default=DEFAULT_CANDIDATES, metadata={"help": "functions the index gives the reranker"})
    rerank_fusion: float = field(default=DEFAULT_FUSION_WEIGHT, metadata={
        "help": "weight of the LM score against the dense score in the final order (0: dense, 1: LM alone)"})
    lexical_weight: float | None = field(default=None, metadata={
        "help": f"hybrid search: weight of BM25 over names and docstrings against the dense score in the first "
                f"stage (default {DEFAULT_LEXICAL_WEIGHT}; 0: dense search alone; not taken by a per-language retriever)"})
    corpus: list[str] = field(default_factory=list, metadata={"help": "source trees (default: the Python standard library)"})
    max_new_tokens: int = field(default=200, metadata={"help": "answer length limit"})
    max_context_tokens: int = field(default=1536, metadata={"help": "prompt budget (sources are trimmed to fit)"})
    device: str = field(default="", metadata={"help": "cpu or cuda (default: cuda when present)"})
    api_key: str = field(default="", metadata={"help": "API key of an openai: endpoint (default: $OPENAI_API_KEY)"})

    def __post_init__(self) -> None:
        if isinstance(self.corpus, str):
            self.corpus = [self.corpus]
        self.question = check_question(self.question)
        check_generator_spec(self.generator)
        if self.rerank != "auto":
            check_reranker_spec(self.rerank)
        if not 0 <= self.rerank_fusion <= 1:
            msg = f"--rerank_fusion must be in [0, 1] (0: dense order, 1: LM alone), got {self.rerank_fusion}"
            raise InputError(msg)
        if self.lexical_weight is not None and not 0 <= self.lexical_weight <= 1:
            msg = f"--lexical_weight must be in [0, 1] (0: dense search alone), got {self.lexical_weight}"
            raise InputError(msg)
        if min(self.k, self.max_new_tokens, self.max_context_tokens, self.rerank_candidates) <= 0:
            msg = "--k, --max_new_tokens, --max_context_tokens and --rerank_candidates must be positive"
            raise InputError(msg)


def run(config: AskConfig, emit: Callable[[str], None] | None = None) -> Answer:
    """Answer the question; the answer's text is passed to `emit` as it streams (stdout by default)."""
    emit = emit or (lambda text: (sys.stdout.write(text), sys.stdout.flush()))
    options = GeneratorOptions(base_url=config.base_url or None, device=config.device or None,
                               api_key=config.api_key or None, precision=config.precision)
    generator = load_generator(config.generator, options)
    rerank = reranker_for(config.rerank, config.generator)
    reranker = load_reranker(rerank, options, candidates=config.rerank_candidates, fusion_weight=config.rerank_fusion,
                             reuse=generator if rerank == config.generator else None)
    retriever = open_retriever(config, config.corpus, reranker=reranker, device=config.device or None,
                               lexical_weight=config.lexical_weight)
    sources = retriever.retrieve(config.question, config.k)
    answer = Answer(text="", sources=sources)
    if generator is not None:
        try:
            for piece in stream_answer(config.question, sources, generator, max_new_tokens=config.max_new_tokens,
                                       max_context_tokens=config.max_context_tokens, answer=answer):
                emit(piece)
        except GenerationInterrupted as error:  # keep what arrived, still list the sources, exit non-zero
            answer.error = str(error)
        emit("\n")
        if not answer.error:
            emit(review_note(review_answer(answer, KnownNames.from_corpus(retriever.index.name_entries()))))
    return answer


def review_note(answer: Answer) -> str:
    """What the grounding review adds after the streamed answer: unknown names, and the extractive answer."""
    lines = []
    if answer.unverified:
        lines.append(f"unverified: {', '.join(answer.unverified)} (in neither the sources nor the indexed corpus)")
    if answer.fallback:
        why = "started repeating itself" if answer.degenerate else \
            "uses names the sources do not have" if answer.unverified else "is empty"
        lines += [f"The generated answer {why}; here is what the sources say instead.", answer.fallback]
    return "\n".join(lines) + "\n" if lines else ""


def reranker_for(rerank: str, generator: str) -> str:
    """The reranker `--rerank` asks for; ``auto`` is the packaged Gemma unless the generator is an endpoint."""
    if rerank != "auto":
        return rerank
    if generator.partition(":")[0] in ENDPOINT_KINDS:
        logger.info("generator %s is an endpoint: no local reranker (ask for one with --rerank gemma)", generator)
        return "none"
    return "gemma"


def render(answer: Answer) -> str:
    """The cited sources, after the streamed answer."""
    lines = ["", "Sources:"]
    for number, source in enumerate(answer.sources, start=1):
        rerank = "" if source.rerank_score is None else f", rerank {source.rerank_score:.2f}"
        rerank = ("" if source.lexical_score is None else f", bm25 {source.lexical_score:.2f}") + rerank
        lines.append(f"  [{number}] {source.repo}/{source.location}  {source.func_name}  (score {source.score:.3f}{rerank})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m rag.ask`."""
    argv = sys.argv[1:] if argv is None else argv
    if "--api_key" not in argv and os.environ.get("OPENAI_API_KEY"):
        argv = [*argv, "--api_key", os.environ["OPENAI_API_KEY"]]
    return run_cli(AskConfig, run, argv, description=__doc__ or "", render=render,
                   positional=Positional("question", None, "the question, in quotes"),
                   failure=lambda answer: answer.error or None)


if __name__ == "__main__":
    raise SystemExit(main())

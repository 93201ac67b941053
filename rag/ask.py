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

The first question starts a warm server (`rag.serve`) that answers it and the next ones with the models kept
loaded; `python -m rag.ask` reaches a running one before importing torch (`rag.warm`). --server none answers
in this process.
"""

# ruff: noqa: E402  (the options are checked and the warm server tried before the heavy imports)
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

from data.cli import InputError, Positional, parse_cli, run_cli
from data.corpus import check_corpus
from rag.options import AnswerOptions
from rag.question import check_question


@dataclass
class AskConfig(AnswerOptions):
    """Options of `python -m rag.ask`."""

    question: str = field(default="", metadata={"help": "the question"})
    server: str = field(default="auto", metadata={
        "help": "auto: a warm background server answers, keeping the models loaded for the next questions (started "
                "by the first, stops after 15 idle minutes; `python -m rag.serve --stop`); none: answer in this "
                "process (also CODESEARCH_SERVER=none)"})

    def __post_init__(self) -> None:
        super().__post_init__()
        self.question = check_question(self.question)
        if self.server not in {"auto", "none"}:
            msg = f"--server must be auto or none, got {self.server!r}"
            raise InputError(msg)


QUESTION = Positional("question", None, "the question, in quotes")


def check_paths(config: AskConfig) -> None:
    """What else needs no model: the corpus paths exist, and a retriever named is one there is."""
    check_corpus(config.corpus)
    if config.retriever:  # none given: the one the corpus was indexed with, read when the index opens
        config.spec()


def parse(argv: list[str]) -> tuple[AskConfig, bool] | int:
    """The checked options (and --quiet) of `argv`, or the exit code once they are refused or --help is printed:
    everything that needs no model, so a bad question fails at once."""
    return parse_cli(AskConfig, argv, description=__doc__ or "", positional=QUESTION, check=check_paths)


if __name__ == "__main__":  # refuse bad options, then let a running warm server answer, before importing torch
    _parsed = parse(sys.argv[1:])
    if isinstance(_parsed, int):
        raise SystemExit(_parsed)
    from rag.warm import answer_through_server

    _served = answer_through_server("rag.ask", sys.argv[1:])
    if _served is not None:
        raise SystemExit(_served)

import logging
from collections.abc import Callable

from rag.answer import Answer, answer_question
from rag.opening import OpenedModels

logger = logging.getLogger(__name__)


def run(config: AskConfig, emit: Callable[[str], None] | None = None, warm: OpenedModels | None = None) -> Answer:
    """Answer the question; the answer's text is passed to `emit` as it streams (stdout by default), then what
    the review found. `warm` holds the models of the previous question (the warm server's); without it they
    load for this one."""
    emit = emit or (lambda text: (sys.stdout.write(text), sys.stdout.flush()))
    config.api_key = config.api_key or os.environ.get("OPENAI_API_KEY", "")  # part of the options the models are kept for
    generator, retriever = (warm or OpenedModels()).open(config)
    answer = answer_question(config.question, retriever, generator, k=config.k, max_new_tokens=config.max_new_tokens,
                             max_context_tokens=config.max_context_tokens, emit=emit)
    if generator is not None:
        emit("\n")
        if not answer.error:  # an answer that broke off keeps what arrived, lists the sources, exits non-zero
            emit(review_note(answer))
    return answer


def review_note(answer: Answer) -> str:
    """What the grounding review adds after the streamed answer: unknown names, and the extractive answer."""
    lines = []
    if answer.unverified:
        lines.append(f"unverified: {', '.join(answer.unverified)} (in neither the sources nor the indexed corpus)")
    if answer.miscited:
        lines.append(f"miscited: {', '.join(answer.miscited)} (that source is another function)")
    if answer.fallback:
        why = "started repeating itself" if answer.degenerate else \
            "uses names the sources do not have" if answer.unverified else \
            "cites a source for another function" if answer.miscited else "is empty"
        lines += [f"The generated answer {why}; here is what the sources say instead.", answer.fallback]
    return "\n".join(lines) + "\n" if lines else ""


def render(answer: Answer) -> str:
    """The cited sources, after the streamed answer, in the order used: each with the score that ordered them (the
    fused score when there was a fusion) and, after it, the scores fused (cosine, BM25, the LM's, the name's)."""
    lines = ["", "Sources:"]
    for number, source in enumerate(answer.sources, start=1):
        fused = source.hybrid_score is not None or source.fused_score is not None
        parts = [f"cosine {source.score:.3f}"] if fused else []
        parts += [] if source.lexical_score is None else [f"bm25 {source.lexical_score:.2f}"]
        parts += [] if source.rerank_score is None else [f"rerank {source.rerank_score:.2f}"]
        parts += [] if source.name_score is None else [f"name {source.name_score:.2f}"]
        scores = f"score {source.order_score:.3f}" + (f": {', '.join(parts)}" if parts else "")
        lines.append(f"  [{number}] {source.repo}/{source.location}  {source.func_name}  ({scores})")
    return "\n".join(lines)


def main(argv: list[str] | None = None, warm: OpenedModels | None = None,
         parsed: tuple[AskConfig, bool] | None = None) -> int:
    """Entry point of `python -m rag.ask` (in this process; `warm`: the server's models, see `rag.serve`;
    `parsed`: argv already parsed by `parse`)."""
    argv = sys.argv[1:] if argv is None else argv
    if parsed is None:
        outcome = parse(argv)
        if isinstance(outcome, int):
            return outcome
        parsed = outcome
    return run_cli(AskConfig, lambda config: run(config, warm=warm), argv, description=__doc__ or "", render=render,
                   positional=QUESTION, failure=lambda answer: answer.error or None, parsed=parsed)


if __name__ == "__main__":
    raise SystemExit(main(parsed=_parsed))

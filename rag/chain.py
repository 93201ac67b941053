"""Retrieve → prompt → generate: the answer to a code question, with the sources it was given.

Prompts are the template files in `prompts/` (found next to the code, not the working directory). Retrieved
code goes inside numbered delimiters and the template says it is reference material, not instructions. The
context is trimmed to the generator's window (lowest-ranked sources go first, then the last one is cut).
Does not handle: building the index (see `store`) or loading models.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from data.errors import InputError
from rag.generate import Generator
from rag.store import CodeIndex, Source
from retriever_finetune.encoder import Encoder

if TYPE_CHECKING:
    from rag.rerank import QueryLikelihoodReranker

logger = logging.getLogger(__name__)

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"
STOP_MARKERS = ("\nQuestion:", "<<<SOURCE", "\n\n\n\n")


def read_prompt(name: str) -> str:
    """A template from prompts/."""
    path = PROMPTS_DIR / f"{name}.txt"
    if not path.is_file():
        msg = f"missing prompt template {path}; reinstall the project (pip install -e .)"
        raise FileNotFoundError(msg)
    return path.read_text(encoding="utf-8")


@dataclass
class Answer:
    """The generated text and the sources the prompt carried."""

    text: str
    sources: list[Source] = field(default_factory=list)
    prompt: str = ""
    error: str = ""  # set when generation broke off: `text` is then what arrived before


class Retriever:
    """Question → top-k functions, through the encoder's query side and the Chroma index; with a reranker,
    the index gives `reranker.candidates` functions (at least k) and the reranker keeps the best k."""

    def __init__(self, encoder: Encoder, index: CodeIndex, reranker: QueryLikelihoodReranker | None = None) -> None:
        self.encoder = encoder
        self.index = index
        self.reranker = reranker

    def search(self, question: str, k: int) -> list[Source]:
        """The k functions nearest to the question in embedding space (first stage only)."""
        tokens = len(self.encoder.tokenize([question], 10**6)[0])
        if tokens > self.encoder.max_query_length:
            logger.warning("question is %d tokens; the retriever reads only the first %d", tokens,
                           self.encoder.max_query_length)
        return self.index.search(self.encoder.encode_queries([question], show_progress=False)[0], k)

    def retrieve(self, question: str, k: int) -> list[Source]:
        """The k best functions for the question."""
        if self.reranker is None:
            return self.search(question, k)
        candidates = self.search(question, max(k, self.reranker.candidates))
        return self.reranker.rerank(question, candidates, k)


def check_question(question: str) -> str:
    """A non-empty question, whitespace-trimmed."""
    if not isinstance(question, str) or not question.strip():
        msg = "the question is empty; ask something, e.g. \"how to parse json\""
        raise InputError(msg)
    return question.strip()


def build_prompt(question: str, sources: list[Source], *, budget_tokens: int,
                 count_tokens: callable) -> tuple[str, list[Source]]:  # type: ignore[valid-type]
    """Fill the template with as many sources as fit in `budget_tokens`; return the prompt and the sources used."""
    if not sources:
        return read_prompt("no_context").format(question=question), []
    template, block = read_prompt("answer"), read_prompt("source")
    used: list[Source] = []
    blocks: list[str] = []
    for number, source in enumerate(sources, start=1):
        text = block.format(number=number, location=source.location, func_name=source.func_name,
                            code=source.code.strip()).strip()
        candidate = template.format(context="\n\n".join([*blocks, text]), question=question)
        if count_tokens(candidate) <= budget_tokens:
            blocks.append(text)
            used.append(source)
            continue
        if not blocks:  # even the best source alone is too long: cut its code to fit
            lines = source.code.strip().splitlines()
            while lines and count_tokens(template.format(context=block.format(
                    number=1, location=source.location, func_name=source.func_name, code="\n".join(lines)),
                    question=question)) > budget_tokens:
                lines = lines[: max(1, len(lines) * 3 // 4)] if len(lines) > 1 else []
            if lines:
                blocks.append(block.format(number=1, location=source.location, func_name=source.func_name,
                                           code="\n".join(lines)).strip())
                used.append(source)
        break
    if len(used) < len(sources):
        logger.info("context trimmed to %d of %d sources to fit %d tokens", len(used), len(sources), budget_tokens)
    return template.format(context="\n\n".join(blocks), question=question), used


def stream_answer(question: str, sources: list[Source], generator: Generator, *, max_new_tokens: int = 200,
                  max_context_tokens: int = 1536, answer: Answer | None = None) -> Iterator[str]:
    """Yield the answer's text as it is generated, stopping at the template's markers; fills `answer`."""
    question = check_question(question)
    budget = min(max_context_tokens, generator.context_window - max_new_tokens)
    prompt, used = build_prompt(question, sources, budget_tokens=budget, count_tokens=generator.count_tokens)
    if answer is not None:
        answer.prompt, answer.sources = prompt, used
    produced = ""
    try:
        for piece in generator.stream(prompt, max_new_tokens=max_new_tokens, stop=STOP_MARKERS):
            produced += piece
            cut = min((produced.find(m) for m in STOP_MARKERS if m in produced), default=-1)
            if cut >= 0:
                tail = produced[:cut]
                emitted = len(produced) - len(piece)
                if len(tail) > emitted:
                    yield tail[emitted:]
                produced = tail
                break
            yield piece
    finally:  # a stream that breaks off still leaves what arrived in `answer`
        if answer is not None:
            answer.text = produced.strip()


def answer_question(question: str, retriever: Retriever | None, generator: Generator, *, k: int = 5,
                    max_new_tokens: int = 200, max_context_tokens: int = 1536) -> Answer:
    """Retrieve (unless `retriever` is None: the no-context floor), prompt, generate; the whole answer."""
    question = check_question(question)
    sources = retriever.retrieve(question, k) if retriever is not None else []
    result = Answer(text="")
    for _ in stream_answer(question, sources, generator, max_new_tokens=max_new_tokens,
                           max_context_tokens=max_context_tokens, answer=result):
        pass
    return result

"""Retrieve → prompt → generate: the answer to a code question, with the sources it was given.

Retrieval is hybrid by default: the dense neighbours and the BM25 best (`lexical`) pooled, ordered by their
fused standardised scores, then optionally reranked.

Prompts are the template files in `prompts/` (found next to the code, not the working directory), in two
styles: instructions for instruction-tuned generators (retrieved code inside numbered delimiters, which the
template calls reference material, not instructions), and a worked example to continue for a base model.
The context is trimmed to the generator's window (lowest-ranked sources go first, then the last one is cut).
The stream stops at the template's markers and at runaway repetition; the finished answer is reviewed
against its sources and the corpus (`grounding`), with an extractive answer when it fails. Does not handle:
building the index (see `store`) or loading models.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from data.documents import qualified_name
from data.errors import InputError
from rag.generate import Generator, complete_all
from rag.grounding import KnownNames, check_grounding, extractive_answer, find_loop
from rag.lexical import LexicalIndex, fused_order
from rag.store import CodeIndex, Source
from retriever_finetune.encoder import Encoder

if TYPE_CHECKING:
    from rag.rerank import QueryLikelihoodReranker

logger = logging.getLogger(__name__)

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"
STOP_MARKERS = ("\nQuestion:", "<<<SOURCE", "\nSources:", "\n# [", "\n\n\n\n")


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
    degenerate: bool = False  # the stream was stopped because it started repeating itself
    unverified: list[str] = field(default_factory=list)  # identifiers neither the sources nor the corpus know
    fallback: str = ""  # the extractive answer, when the generated one failed review

    @property
    def shown(self) -> str:
        """What a reader should take as the answer: the extractive one when the generated one failed."""
        return self.fallback or self.text


DEFAULT_LEXICAL_WEIGHT = 0.1
HYBRID_POOL = 100


class Retriever:
    """Question → top-k functions, through the encoder's query side and the Chroma index; with a reranker,
    the first stage gives `reranker.candidates` functions (at least k) and the reranker keeps the best k.

    Hybrid search (`lexical_weight` > 0): the first stage pools the index's `HYBRID_POOL` nearest functions
    with the `HYBRID_POOL` best by BM25 over names and docstrings (`lexical`), and orders the pool by
    ``(1 - lexical_weight) * z(cosine) + lexical_weight * z(BM25)``; 0 is dense search alone.
    """

    def __init__(self, encoder: Encoder, index: CodeIndex, reranker: QueryLikelihoodReranker | None = None, *,
                 lexical_weight: float = DEFAULT_LEXICAL_WEIGHT) -> None:
        if not 0 <= lexical_weight <= 1:
            msg = f"lexical weight must be in [0, 1] (0: dense search alone), got {lexical_weight}"
            raise InputError(msg)
        self.encoder = encoder
        self.index = index
        self.reranker = reranker
        self.lexical_weight = lexical_weight
        self._lexical: LexicalIndex | None = None

    def forget_entries(self) -> None:
        """Drop what was read of the collection (its entries, the BM25 index): it has changed."""
        self.index._entries = None  # noqa: SLF001
        self._lexical = None

    def lexical(self) -> LexicalIndex:
        """The BM25 index of the collection's names and docstrings (built on first use, then kept)."""
        if self._lexical is None:
            self._lexical = LexicalIndex(*self.index.lexical_entries())
        return self._lexical

    def search(self, question: str, k: int) -> list[Source]:
        """The k best functions of the first stage: nearest in embedding space, fused with BM25 when hybrid."""
        tokens = len(self.encoder.tokenize([question], 10**6)[0])
        if tokens > self.encoder.max_query_length:
            logger.warning("question is %d tokens; the retriever reads only the first %d", tokens,
                           self.encoder.max_query_length)
        query = self.encoder.encode_queries([question], show_progress=False)[0]
        if not self.lexical_weight:
            return self.index.search(query, k)
        pool = self.index.search(query, max(k, HYBRID_POOL))
        lexical = self.lexical().search(question, max(k, HYBRID_POOL))
        dense_ids = {s.id for s in pool}
        pool += self.index.fetch([i for i in lexical if i not in dense_ids], query)
        lexical_scores = [lexical.get(s.id, 0.0) for s in pool]
        order, fused = fused_order([s.score for s in pool], lexical_scores, self.lexical_weight)
        return [replace(pool[i], lexical_score=lexical_scores[i], hybrid_score=fused[i]) for i in order[:k]]

    def retrieve(self, question: str, k: int) -> list[Source]:
        """The k best functions for the question."""
        if self.reranker is None:
            return self.search(question, k)
        candidates = self.search(question, max(k, self.reranker.candidates))
        return self.reranker.rerank(question, candidates, k)


MAX_QUESTION_CHARS = 10_000


def check_question(question: str) -> str:
    """A non-empty question of at most `MAX_QUESTION_CHARS` characters, whitespace-trimmed."""
    if not isinstance(question, str) or not question.strip():
        msg = "the question is empty; ask something, e.g. \"how to parse json\""
        raise InputError(msg)
    if len(question.strip()) > MAX_QUESTION_CHARS:
        msg = (f"the question is {len(question.strip()):,} characters long; ask in at most {MAX_QUESTION_CHARS:,} "
               "(the retriever reads only its first tokens, and the prompt must leave room for the sources)")
        raise InputError(msg)
    return question.strip()


@dataclass(frozen=True)
class PromptStyle:
    """The templates of one kind of generator, and how its answer starts.

    Instruction-tuned models get instructions (`answer.txt`); a base model (the packaged Gemma) gets two
    worked examples to continue (`answer_base.txt`), the sources as code with their qualified names, and the
    start of a one-line answer, which it completes by copying a name from the sources and saying what it does.
    """

    answer: str
    source: str
    answer_start: str = ""  # formatted with the top source's `name`
    stop: tuple[str, ...] = STOP_MARKERS
    see_also: int = 0  # the next sources named after the generated line
    source_lines: int = 0  # code lines shown per source (0: all), so that every source fits the budget

    def start(self, sources: list[Source]) -> str:
        """The answer's given first words."""
        if not self.answer_start or not sources:
            return ""
        top = sources[0]
        return self.answer_start.format(name=qualified_name(top.path, top.func_name, top.language))

    def ending(self, sources: list[Source]) -> str:
        """The line after the generated one that names the next sources (empty when there are none)."""
        others = [f"`{qualified_name(s.path, s.func_name, s.language)}` [{n}]"
                  for n, s in enumerate(sources[1 : 1 + self.see_also], start=2)]
        return f"\nSee also: {', '.join(others)}." if others else ""


INSTRUCTION_STYLE = PromptStyle("answer", "source")
BASE_MODEL_STYLE = PromptStyle("answer_base", "source_base", answer_start=" Use `{name}` [1]:",
                               stop=(*STOP_MARKERS, "\n"), see_also=2, source_lines=12)


def prompt_style(generator: Generator) -> PromptStyle:
    """The style a generator is prompted in (instruction-tuned unless it says otherwise)."""
    return INSTRUCTION_STYLE if getattr(generator, "instruction_tuned", True) else BASE_MODEL_STYLE


def _source_block(template: str, number: int, source: Source, code: str) -> str:
    docstring = " ".join(source.docstring.split())
    return template.format(number=number, location=source.location, func_name=source.func_name,
                           qualified_name=qualified_name(source.path, source.func_name, source.language),
                           docstring_comment=f"# {docstring}\n" if docstring else "", code=code).strip()


def build_prompt(question: str, sources: list[Source], *, budget_tokens: int,
                 count_tokens: callable, style: PromptStyle = INSTRUCTION_STYLE,  # type: ignore[valid-type]
                 ) -> tuple[str, list[Source]]:
    """Fill the template with as many sources as fit in `budget_tokens`; return the prompt and the sources used."""
    if not sources:
        return read_prompt("no_context").format(question=question), []
    template, block = read_prompt(style.answer), read_prompt(style.source)

    def fill(context: str) -> str:
        return template.format(context=context, question=question).rstrip("\n") + style.start(sources)

    used: list[Source] = []
    blocks: list[str] = []
    for number, source in enumerate(sources, start=1):
        code = source.code.strip()
        if style.source_lines and code.count("\n") >= style.source_lines:
            code = "\n".join([*code.splitlines()[: style.source_lines], "    ..."])
        text = _source_block(block, number, source, code)
        if count_tokens(fill("\n\n".join([*blocks, text]))) <= budget_tokens:
            blocks.append(text)
            used.append(source)
            continue
        if not blocks:  # even the best source alone is too long: cut its code to fit
            lines = source.code.strip().splitlines()
            while lines and count_tokens(fill(_source_block(block, 1, source, "\n".join(lines)))) > budget_tokens:
                lines = lines[: max(1, len(lines) * 3 // 4)] if len(lines) > 1 else []
            if lines:
                blocks.append(_source_block(block, 1, source, "\n".join(lines)))
                used.append(source)
        break
    if len(used) < len(sources):
        logger.info("context trimmed to %d of %d sources to fit %d tokens", len(used), len(sources), budget_tokens)
    return fill("\n\n".join(blocks)), used


def answer_cut(produced: str, start: int, style: PromptStyle, *, stop_loops: bool = True) -> tuple[int, bool]:
    """Where an answer ends (-1: not yet) and whether it ends in a loop: the first stop marker after the given
    `start` characters, or the start of runaway repetition (`grounding.find_loop`) when that comes first."""
    cut = min((produced.find(m, start) for m in style.stop if m in produced[start:]), default=-1)
    loop = find_loop(produced) if stop_loops else None
    if loop is not None and (cut < 0 or loop < cut):
        return loop, True
    return cut, False


def prepare_answer(question: str, sources: list[Source], generator: Generator, *, max_new_tokens: int,
                   max_context_tokens: int, style: PromptStyle | None = None) -> tuple[str, list[Source], PromptStyle]:
    """The prompt for a question and its sources, the sources that fit, and the style it was written in."""
    style = (style or prompt_style(generator)) if sources else INSTRUCTION_STYLE
    budget = min(max_context_tokens, generator.context_window - max_new_tokens)
    prompt, used = build_prompt(question, sources, budget_tokens=budget, count_tokens=generator.count_tokens,
                                style=style)
    return prompt, used, style


def stream_answer(question: str, sources: list[Source], generator: Generator, *, max_new_tokens: int = 200,
                  max_context_tokens: int = 1536, answer: Answer | None = None, style: PromptStyle | None = None,
                  stop_loops: bool = True) -> Iterator[str]:
    """Yield the answer's text as it is generated, stopping at the template's markers and at runaway
    repetition (`grounding.find_loop`, which marks the answer degenerate); fills `answer`.

    `style` overrides the generator's prompt style and `stop_loops=False` lets loops run (both for
    benchmarks that compare against the earlier behaviour)."""
    question = check_question(question)
    prompt, used, style = prepare_answer(question, sources, generator, max_new_tokens=max_new_tokens,
                                         max_context_tokens=max_context_tokens, style=style)
    if answer is not None:
        answer.prompt, answer.sources = prompt, used
    start = style.start(used).lstrip()
    produced = start
    if start:
        yield start
    finished = False
    try:
        for piece in generator.stream(prompt, max_new_tokens=max_new_tokens, stop=style.stop):
            emitted = len(produced)
            produced += piece
            cut, degenerate = answer_cut(produced, len(start), style, stop_loops=stop_loops)
            if degenerate and answer is not None:
                answer.degenerate = True
            if cut >= 0:
                if cut > emitted:
                    yield produced[emitted:cut]
                produced = produced[:cut]
                break
            yield piece
        finished = True
    finally:  # a stream that breaks off still leaves what arrived in `answer`
        ending = style.ending(used) if finished else ""
        produced = produced.rstrip() + ending
        if answer is not None:
            answer.text = produced.strip()
    if ending:
        yield ending


def review_answer(answer: Answer, known: KnownNames) -> Answer:
    """Check the generated answer against its sources and the corpus (`grounding.check_grounding`); when it
    uses unknown identifiers, degenerated or is empty, attach the extractive answer built from the sources."""
    grounding = check_grounding(answer.text, known.with_sources(answer.sources))
    answer.unverified = grounding.unverified
    if answer.sources and (answer.unverified or answer.degenerate or not answer.text.strip(" `")):
        answer.fallback = extractive_answer(answer.sources)
    return answer


def answer_question(question: str, retriever: Retriever | None, generator: Generator, *, k: int = 5,
                    max_new_tokens: int = 200, max_context_tokens: int = 1536,
                    known: KnownNames | None = None) -> Answer:
    """Retrieve (unless `retriever` is None: the no-context floor), prompt, generate; the whole answer,
    reviewed against `known` (see `review_answer`) when it is given."""
    question = check_question(question)
    sources = retriever.retrieve(question, k) if retriever is not None else []
    result = Answer(text="")
    for _ in stream_answer(question, sources, generator, max_new_tokens=max_new_tokens,
                           max_context_tokens=max_context_tokens, answer=result):
        pass
    return review_answer(result, known) if known is not None else result


def answer_questions(questions: list[str], retriever: Retriever | None, generator: Generator, *, k: int = 5,
                     max_new_tokens: int = 200, max_context_tokens: int = 1536, batch_size: int = 8,
                     on_answer: Callable[[int, Answer], None] | None = None) -> list[Answer]:
    """`answer_question` for many questions, their answers decoded `batch_size` at a time (`generate.complete_all`);
    each answer is cut exactly where the streamed one would be (`answer_cut`); `on_answer(index, answer)` is
    called as each is final. Not reviewed."""
    questions = [check_question(q) for q in questions]
    answers: list[Answer] = []
    starts: list[str] = []
    styles: list[PromptStyle] = []
    for question in questions:
        sources = retriever.retrieve(question, k) if retriever is not None else []
        prompt, used, style = prepare_answer(question, sources, generator, max_new_tokens=max_new_tokens,
                                             max_context_tokens=max_context_tokens)
        answers.append(Answer(text="", sources=used, prompt=prompt))
        starts.append(style.start(used).lstrip())
        styles.append(style)
    degenerate: set[int] = set()

    def stop(i: int, text: str, piece: str) -> int | None:  # noqa: ARG001
        cut, loop = answer_cut(starts[i] + text, len(starts[i]), styles[i])
        if cut < 0:
            return None
        if loop:
            degenerate.add(i)
        return max(cut - len(starts[i]), 0)

    def finish(i: int, text: str) -> None:
        answer = answers[i]
        answer.degenerate = i in degenerate
        answer.text = ((starts[i] + text).rstrip() + styles[i].ending(answer.sources)).strip()
        if on_answer is not None:
            on_answer(i, answer)

    complete_all(generator, [a.prompt for a in answers], max_new_tokens=max_new_tokens, batch_size=batch_size,
                 stop=stop, on_done=finish)
    return answers

"""Prompt → generate → review: the answer to a code question from the sources retrieved for it.

The stream stops at the template's markers and at runaway repetition (`prompts.answer_cut`); the finished
answer is reviewed against its sources and the corpus (`grounding`), with an extractive answer when it fails.
`answer_question` is the one flow every entry point answers through. Does not handle: retrieval (see
`search`) or loading models (see `rag.options`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rag.generation import GenerationInterrupted, Generator, complete_all
from rag.grounding import KnownNames, check_grounding, extractive_answer, miscited
from rag.options import DEFAULT_K, MAX_CONTEXT_TOKENS, MAX_NEW_TOKENS
from rag.prompts import PromptStyle, answer_cut, finish_answer, finished_prefix, prepare_answer
from rag.question import check_question
from rag.search import Retriever
from rag.store import Source


@dataclass
class Answer:
    """The generated text and the sources the prompt carried."""

    text: str
    sources: list[Source] = field(default_factory=list)
    prompt: str = ""
    error: str = ""  # set when generation broke off: `text` is then what arrived before
    degenerate: bool = False  # the stream was stopped because it started repeating itself
    unverified: list[str] = field(default_factory=list)  # identifiers neither the sources nor the corpus know
    miscited: list[str] = field(default_factory=list)  # citations `name` [n] whose source n is another function
    fallback: str = ""  # the extractive answer, when the generated one failed review

    @property
    def shown(self) -> str:
        """What a reader should take as the answer: the extractive one when the generated one failed."""
        return self.fallback or self.text


def stream_answer(question: str, sources: list[Source], generator: Generator, *, max_new_tokens: int = MAX_NEW_TOKENS,
                  max_context_tokens: int = MAX_CONTEXT_TOKENS, answer: Answer | None = None) -> Iterator[str]:
    """Yield the answer's text as it is generated, stopping at the template's markers and at runaway
    repetition (`grounding.find_loop`, which marks the answer degenerate); an answer cut inside a code span ends
    at the words before it (`prompts.finish_answer`); fills `answer`. The question is
    taken as checked (`question.check_question`, which every entry point runs once)."""
    prompt, used, style = prepare_answer(question, sources, generator, max_new_tokens=max_new_tokens,
                                         max_context_tokens=max_context_tokens)
    if answer is not None:
        answer.prompt, answer.sources = prompt, used
    start = style.start(used).lstrip()
    produced = start
    if start:
        yield start
    shown = len(start)  # characters yielded: words are held back while a code span is open (`finished_prefix`)
    finished = False
    try:
        for piece in generator.stream(prompt, max_new_tokens=max_new_tokens, stop=style.stop):
            produced += piece
            cut, degenerate = answer_cut(produced, len(start), style)
            if degenerate and answer is not None:
                answer.degenerate = True
            if cut >= 0:
                produced = produced[:cut]
                break
            safe = finished_prefix(produced)
            if safe > shown:
                yield produced[shown:safe]
                shown = safe
        finished = True
    finally:  # a stream that breaks off still leaves what arrived in `answer`
        ending = style.ending(used) if finished else ""
        produced = finish_answer(produced.rstrip(), shown)
        if answer is not None:
            answer.text = (produced + ending).strip()
    if len(produced) > shown:
        yield produced[shown:]
    if ending:
        yield ending


def review_answer(answer: Answer, known: KnownNames) -> Answer:
    """Check the generated answer against its sources and the corpus (`grounding.check_grounding`) and its
    citations against the sources (`grounding.miscited`); when it uses unknown identifiers, cites a source for
    another function, degenerated or is empty, attach the extractive answer built from the sources."""
    grounding = check_grounding(answer.text, known.with_sources(answer.sources))
    answer.unverified = grounding.unverified
    answer.miscited = miscited(answer.text, answer.sources)
    if answer.sources and (answer.unverified or answer.miscited or answer.degenerate or not answer.text.strip(" `")):
        answer.fallback = extractive_answer(answer.sources)
    return answer


def answer_question(question: str, retriever: Retriever | None, generator: Generator | None, *, k: int = DEFAULT_K,
                    max_new_tokens: int = MAX_NEW_TOKENS, max_context_tokens: int = MAX_CONTEXT_TOKENS,
                    emit: Callable[[str], None] | None = None, known: KnownNames | None = None, review: bool = True,
                    sources: list[Source] | None = None) -> Answer:
    """The one answer flow (`rag.ask`, `rag.mcp`, the benches): retrieve (unless `retriever` is None: the
    no-context floor), prompt, generate, passing the text to `emit` as it streams; then review the answer
    against its sources and the corpus (`review_answer`; `known`: the corpus's names, read from the retriever's
    index when not given; with neither, the sources and the standard library). `sources`: answer from these
    instead of retrieving (a LangChain chain's documents). With no generator the answer is the sources alone. A
    stream that breaks off (`GenerationInterrupted`) leaves what arrived, the sources and `error` set, unreviewed.
    The question is taken as checked (`question.check_question`, which every entry point runs once)."""
    if sources is None:
        sources = retriever.retrieve(question, k) if retriever is not None else []
    answer = Answer(text="", sources=sources)
    if generator is None:
        return answer
    try:
        for piece in stream_answer(question, answer.sources, generator, max_new_tokens=max_new_tokens,
                                   max_context_tokens=max_context_tokens, answer=answer):
            if emit is not None:
                emit(piece)
    except GenerationInterrupted as error:
        answer.error = str(error)
        return answer
    if review:
        if known is None:
            known = KnownNames.from_corpus(retriever.index.name_entries() if retriever is not None else [])
        review_answer(answer, known)
    return answer


def answer_questions(questions: list[str], retriever: Retriever | None, generator: Generator, *, k: int = DEFAULT_K,
                     max_new_tokens: int = MAX_NEW_TOKENS, max_context_tokens: int = MAX_CONTEXT_TOKENS, batch_size: int = 8,
                     on_answer: Callable[[int, Answer], None] | None = None) -> list[Answer]:
    """`answer_question` for many questions, their answers decoded `batch_size` at a time (`rag.generation.complete_all`);
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
        answer.text = (finish_answer((starts[i] + text).rstrip()) + styles[i].ending(answer.sources)).strip()
        if on_answer is not None:
            on_answer(i, answer)

    complete_all(generator, [a.prompt for a in answers], max_new_tokens=max_new_tokens, batch_size=batch_size,
                 stop=stop, on_done=finish)
    return answers

"""The paper's RAG protocol (Galliamov et al., code: leiluk1/CodeSearcher, `src/models/rag.py`), for
`eval.rouge --protocol paper`.

The question is a CodeSearchNet docstring; the top-5 retrieved functions are the context, as
``Document i:::`` blocks after "Extracted documents:"; the prompt is the paper's system and user messages
(`prompts/paper.txt`, as one plain text for a base model); the generator samples at temperature 0.2 with
repetition penalty 1.1 and up to 512 new tokens; the answer is scored against the ground-truth code with
ROUGE-1/2/L/Lsum and stemming. Differences, to keep CPU runs affordable and reruns equal: sampling is
seeded per question, generation stops at the end of the first generated function (`function_end`), at the end
of the opened code block, at a ``Document i:::`` the model writes itself, or where the stream starts to repeat
itself (`rag.grounding.find_loop`), and a generator whose window cannot hold all
five documents gets fewer (lowest-ranked dropped first). A base model (the packaged Gemma) gets the same
prompt followed by an opened Python code block (`CODE_OPENER`), so that it continues with code, as the
paper's instruction-tuned generator answered; without it Gemma 270M base writes prose until the token limit.
Does not handle: retrieval or scoring (see `eval.rouge`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from rag.answer import Answer
from rag.generation import Generator, Sampling, complete_all
from rag.grounding import find_loop
from rag.prompts import read_prompt
from rag.question import check_question
from rag.search import Retriever

PAPER_K = 5
PAPER_MAX_NEW_TOKENS = 512
PAPER_ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
MIN_NEW_TOKENS = 64  # room kept for the answer when a generator's window is too small for all five documents
CODE_OPENER = "\n```python\n"  # appended to the prompt of a base model: its answer starts as code
_CONTINUED_CONTEXT = re.compile(r"Document \d+:::|^```", re.M)  # the model closing its block or writing the next source
_DEF = re.compile(r"^([ \t]*)(?:async\s+)?def\s+\w+", re.M)


def paper_prompt(question: str, codes: list[str], *, base_model: bool = False) -> str:
    """The paper's prompt with its context layout; for a base model, followed by an opened code block."""
    context = "\nExtracted documents:\n" + "".join(f"Document {i}:::\n{code}" for i, code in enumerate(codes))
    prompt = read_prompt("paper").format(context=context, question=question)
    return prompt.rstrip("\n") + CODE_OPENER if base_model else prompt


def function_end(text: str) -> int | None:
    """Where the first complete Python function in `text` ends: the first non-blank line after its body that is
    indented no deeper than its `def`, or a closing code fence; None while it is still open."""
    match = _DEF.search(text)
    if match is None:
        return None
    indent = len(match.group(1).expandtabs())
    offset = text.index("\n", match.end()) + 1 if "\n" in text[match.end():] else len(text)
    seen_body = False
    for line in text[offset:].splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("```"):
            return offset
        if stripped:
            depth = len(line) - len(line.lstrip())
            if depth <= indent and seen_body and not stripped.startswith((")", "]", "}")):
                return offset
            seen_body = seen_body or depth > indent
        if not line.endswith("\n"):
            return None  # the last line may still grow
        offset += len(line)
    return None


def question_seed(seed: int, question_id: str) -> int:
    """A per-question sampling seed that does not depend on the order questions are asked in."""
    return seed + int(hashlib.sha1(question_id.encode()).hexdigest()[:8], 16)


def paper_cut(produced: str, piece: str, *, base_model: bool) -> int | None:
    """Where a paper-protocol answer ends, given the text so far and its newest piece: after its first function,
    where a base model closes its code block or writes the next document, or at a loop (checked once a line is
    complete); None while it goes on."""
    end = function_end(produced)
    if end is None and base_model:
        block_end = _CONTINUED_CONTEXT.search(produced)
        end = block_end.start() if block_end else None
    if end is None and piece.count("\n"):
        end = find_loop(produced)  # a degenerate stream stops early
    return end


def paper_prompt_for(question: str, retriever: Retriever | None, generator: Generator, *, k: int = PAPER_K,
                     max_new_tokens: int = PAPER_MAX_NEW_TOKENS) -> tuple[str, list, int]:
    """Retrieve k functions (none for the floor) and write the paper's prompt with as many as the window holds;
    returns the prompt, the sources in it and the new-token limit left."""
    question = check_question(question)
    sources = retriever.retrieve(question, k) if retriever is not None else []
    base_model = not getattr(generator, "instruction_tuned", True)
    prompt = paper_prompt(question, [s.code for s in sources], base_model=base_model)
    while sources and generator.count_tokens(prompt) > generator.context_window - MIN_NEW_TOKENS:
        sources = sources[:-1]  # a small window: the lowest-ranked documents go first
        prompt = paper_prompt(question, [s.code for s in sources], base_model=base_model)
    limit = min(max_new_tokens, generator.context_window - generator.count_tokens(prompt) - 8)  # specials
    return prompt, sources, limit


def paper_answer(question: str, retriever: Retriever | None, generator: Generator, *, seed: int,
                 k: int = PAPER_K, max_new_tokens: int = PAPER_MAX_NEW_TOKENS) -> Answer:
    """Retrieve k functions (none for the floor), prompt as the paper does, sample, stop after the function
    or at a loop; one question at a time, streamed (`paper_answers` batches many)."""
    prompt, sources, limit = paper_prompt_for(question, retriever, generator, k=k, max_new_tokens=max_new_tokens)
    base_model = not getattr(generator, "instruction_tuned", True)
    produced = ""
    for piece in generator.stream(prompt, max_new_tokens=limit, sampling=Sampling(seed=seed)):
        produced += piece
        end = paper_cut(produced, piece, base_model=base_model)
        if end is not None:
            produced = produced[:end]
            break
    return Answer(text=produced.strip(), sources=sources, prompt=prompt)


def paper_answers(questions: list[str], seeds: list[int], retriever: Retriever | None, generator: Generator, *,
                  k: int = PAPER_K, max_new_tokens: int = PAPER_MAX_NEW_TOKENS, batch_size: int = 8,
                  on_answer: Callable[[int, Answer], None] | None = None) -> list[Answer]:
    """`paper_answer` for many questions, each sampled with its own seed, decoded `batch_size` at a time
    (`rag.generation.complete_all`) and cut where `paper_cut` says; `on_answer(index, answer)` is called as each
    is final."""
    prepared = [paper_prompt_for(q, retriever, generator, k=k, max_new_tokens=max_new_tokens) for q in questions]
    base_model = not getattr(generator, "instruction_tuned", True)
    answers = [Answer(text="", sources=sources, prompt=prompt) for prompt, sources, _ in prepared]

    def finish(i: int, text: str) -> None:
        answers[i].text = text.strip()
        if on_answer is not None:
            on_answer(i, answers[i])

    complete_all(generator, [p for p, _, _ in prepared], max_new_tokens=[n for _, _, n in prepared],
                 sampling=Sampling(), seeds=seeds, batch_size=batch_size, on_done=finish,
                 stop=lambda _i, text, piece: paper_cut(text, piece, base_model=base_model))
    return answers

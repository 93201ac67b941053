"""The one check every entry point makes of a question before any work: non-empty, of bounded length."""

from __future__ import annotations

from data.cli import InputError

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

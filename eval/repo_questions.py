"""Questions a developer new to a repository asks, each with where its answer is (a file and a line), and the
scores of a ranked list of sources against them: hit@k, MRR@k and precision at 1, per repository, per kind of
answer and overall. A source answers when it is in the expected file and its line range holds the expected line.
Does not handle: retrieving (the caller ranks), or where the repositories come from (`bench/repo_retrieval.py`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from data.cli import InputError


@dataclass(frozen=True)
class RepoQuestion:
    """One question about one repository; `answers`: (path in the repository, line) pairs, any of which answers it;
    `kind`: the kind of entry the first answer is (function, class, section, config)."""

    repo: str
    question: str
    kind: str
    answers: tuple[tuple[str, int], ...]


class Located(Protocol):
    """A retrieved source's place: its file and line range."""

    path: str
    start_line: int

    @property
    def end_line(self) -> int | None: ...


def load_repo_questions(path: str | Path) -> list[RepoQuestion]:
    """The questions of a JSON list of ``{"repo", "question", "kind", "answers": [[path, line], ...]}``.

    Raises:
        InputError: a question without an answer.
    """
    questions = []
    for item in json.loads(Path(path).read_text(encoding="utf-8")):
        answers = tuple((str(p), int(line)) for p, line in item["answers"])
        if not answers:
            msg = f"{path}: question {item['question']!r} has no answer"
            raise InputError(msg)
        questions.append(RepoQuestion(item["repo"], item["question"], item["kind"], answers))
    return questions


def answers_question(source: Located, answers: Sequence[tuple[str, int]]) -> bool:
    """Whether the source is in an expected file and its lines hold the expected line."""
    end = source.end_line or source.start_line
    return any(source.path == path and source.start_line <= line <= end for path, line in answers)


def answer_rank(sources: Sequence[Located], answers: Sequence[tuple[str, int]]) -> int | None:
    """1-based rank of the first source that answers, None when none does."""
    return next((rank for rank, source in enumerate(sources, start=1) if answers_question(source, answers)), None)


def summarise(questions: Sequence[RepoQuestion], ranks: Sequence[int | None], k: int = 5) -> dict[str, dict]:
    """hit@k, MRR@k and P@1 (with the question count) overall, per repository and per kind of answer.

        >>> qs = [RepoQuestion("a", "q1", "function", (("f", 1),)), RepoQuestion("a", "q2", "section", (("g", 1),))]
        >>> summarise(qs, [2, None])["all"]
        {'questions': 2, 'hit@5': 0.5, 'mrr@5': 0.25, 'p@1': 0.0}
    """
    groups: dict[str, list[int | None]] = defaultdict(list)
    for question, rank in zip(questions, ranks, strict=True):
        for group in ("all", f"repo:{question.repo}", f"kind:{question.kind}"):
            groups[group].append(rank if rank is not None and rank <= k else None)
    return {group: {"questions": len(found), f"hit@{k}": sum(r is not None for r in found) / len(found),
                    f"mrr@{k}": sum(1 / r for r in found if r) / len(found),
                    "p@1": sum(r == 1 for r in found) / len(found)}
            for group, found in groups.items()}

"""Labelled question–code pairs (StaQC and CoSQA shape): positives become pairs, label-0 codes hard negatives.

The files are JSON lists (or JSON lines) of ``{doc, code, label}``: ``doc`` is a question as a person wrote
it, ``label`` 1 when ``code`` answers it and 0 when it does not; an optional ``docstring`` is the code's own
summary (files of synthetic questions carry it, so training can embed the code as the index does). Each
positive becomes a `QuestionPair`; the label-0 codes of a question become the hard negatives of that
question's own pairs and of no other. Does not
handle: questions with no positive (their negatives have nothing to be a negative for, and are dropped),
or CodeSearchNet records (see `loaders`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from data.cli import InputError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class QuestionPair:
    """A question, a code that answers it, and codes judged not to answer it."""

    question: str
    code: str
    negatives: tuple[str, ...] = ()
    docstring: str = ""  # the code's own summary, when the file has one (synthetic questions over a corpus)


def _rows(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    try:
        if text.lstrip().startswith("["):
            rows = json.loads(text)
        else:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as error:
        msg = f"{path}: not valid JSON ({error.msg}); expected a JSON list or JSON lines of {{doc, code, label}}"
        raise InputError(msg) from None
    for number, row in enumerate(rows, start=1):
        if not (isinstance(row, dict) and isinstance(row.get("doc"), str) and isinstance(row.get("code"), str)
                and row.get("label") in (0, 1, "0", "1")):
            msg = f"{path}: item {number} is not a {{doc, code, label}} object with label 0 or 1"
            raise InputError(msg)
    return rows


def load_labelled_pairs(path: str | Path, *, exclude_questions: Iterable[str] = ()) -> list[QuestionPair]:
    """The positive pairs of a labelled file, each carrying its own question's label-0 codes as negatives.

    Args:
        path: a StaQC/CoSQA-shaped JSON list or JSON lines file.
        exclude_questions: questions to drop (e.g. the evaluation queries), compared whitespace-folded
            and case-insensitively.

    Raises:
        FileNotFoundError: no such file.
        InputError: a malformed file, or one with no positive pair left.
    """
    path = Path(path)
    if not path.is_file():
        msg = f"no such pairs file: {path}"
        raise FileNotFoundError(msg)
    excluded = {_fold(q) for q in exclude_questions}
    positives: dict[str, list[str]] = {}
    negatives: dict[str, list[str]] = {}
    docstrings: dict[str, str] = {}
    dropped = 0
    for row in _rows(path):
        question, code = row["doc"].strip(), row["code"]
        if _fold(question) in excluded:
            dropped += 1
            continue
        if not question or not code.strip():
            continue
        bucket = positives if int(row["label"]) == 1 else negatives
        if code not in bucket.setdefault(question, []):
            bucket[question].append(code)
        if isinstance(row.get("docstring"), str):
            docstrings[code] = row["docstring"]
    pairs = [QuestionPair(question, code, tuple(n for n in negatives.get(question, []) if n not in codes),
                          docstrings.get(code, ""))
             for question, codes in positives.items() for code in codes]
    if not pairs:
        msg = f"{path} has no positive pairs (label 1) left{' after excluding the evaluation questions' if dropped else ''}"
        raise InputError(msg)
    logger.info("%s: %d positive pairs of %d questions, %d hard negatives, %d excluded rows", path, len(pairs),
                len(positives), sum(len(p.negatives) for p in pairs), dropped)
    return pairs


def _fold(question: str) -> str:
    return " ".join(question.lower().split())

"""Training sources: what each `--train` entry names, and the pairs it gives, mixed by weight.

An entry is ``KIND:PATH`` with an optional ``@WEIGHT`` (pairs drawn per epoch = weight x the source's size):

- ``docstrings:FILE.jsonl``: CodeSearchNet records, (docstring, code). The code side is always the code
  alone: the docstring *is* the query, so embedding it with the code would hand the model the answer.
- ``questions:FILE.jsonl``: CodeSearchNet records, each docstring rewritten into web-style questions
  (`data.questions`), against the function in the served document format.
- ``pairs:FILE.json``: labelled question–code pairs (StaQC/CoSQA shape, or what `retriever_finetune.synthetic` writes),
  label-0 codes as hard negatives of their own question.

A bare path is ``docstrings:PATH``. Does not handle: batching (see `batches`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from data.cli import InputError
from data.documents import document_text
from data.loaders import load_records
from data.pairs import load_labelled_pairs
from data.questions import rewrite_corpus
from retriever_finetune.batches import Pair

logger = logging.getLogger(__name__)

SourceKind = Literal["docstrings", "questions", "pairs"]
SOURCE_KINDS: tuple[SourceKind, ...] = ("docstrings", "questions", "pairs")


@dataclass(frozen=True)
class TrainingSource:
    """One `--train` entry."""

    kind: SourceKind
    path: str
    weight: float = 1.0

    @classmethod
    def parse(cls, entry: str) -> TrainingSource:
        """``KIND:PATH[@WEIGHT]`` (a bare path is a docstrings source).

        Raises:
            InputError: an unknown kind, an empty path, or a weight that is not a positive number.
        """
        text = entry.strip()
        weight = 1.0
        if "@" in text:
            head, _, tail = text.rpartition("@")
            try:
                weight = float(tail)
            except ValueError:
                head = text  # an '@' that is part of the path
            else:
                text = head
                if not weight > 0:
                    msg = f"--train {entry!r}: the weight after '@' must be positive, got {tail}"
                    raise InputError(msg)
        kind, sep, path = text.partition(":")
        if not sep or kind not in SOURCE_KINDS:
            if sep and len(kind) > 1 and kind.isalpha():
                msg = f"--train {entry!r}: unknown source kind {kind!r}; use one of {', '.join(SOURCE_KINDS)}"
                raise InputError(msg)
            kind, path = "docstrings", text
        if not path:
            msg = f"--train {entry!r}: no path after '{kind}:'"
            raise InputError(msg)
        return cls(kind=kind, path=path, weight=weight)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return f"{self.kind}:{self.path}" + (f"@{self.weight:g}" if self.weight != 1.0 else "")


def read_questions(path: str | Path) -> list[str]:
    """Questions to keep out of training: a CoSQA/StaQC-style JSON list of ``{doc}`` or one question a line."""
    path = Path(path)
    if not path.is_file():
        msg = f"no such questions file: {path}"
        raise FileNotFoundError(msg)
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as error:
            msg = f"{path}: not valid JSON ({error.msg})"
            raise InputError(msg) from None
        return [str(r["doc"]) if isinstance(r, dict) else str(r) for r in rows]
    return [line.strip() for line in text.splitlines() if line.strip()]


def source_pairs(source: TrainingSource, *, document: str, language: str | None = None,
                 questions_per_function: int = 1, seed: int = 0, exclude_questions: Iterable[str] = ()
                 ) -> list[Pair]:
    """The pairs of one source.

    Args:
        document: the served document format (`data.documents`) for question sources.
        language: keep only records of this language (record sources).
        questions_per_function: rewritten questions per function (``questions`` sources).
        seed: seed of the rewriting choices.
        exclude_questions: questions never to train on (``pairs`` sources).

    Raises:
        InputError: a source that gives no pair.
    """
    if source.kind == "pairs":
        labelled = load_labelled_pairs(source.path, exclude_questions=exclude_questions)
        pairs = [Pair(p.question, document_text(p, document), p.negatives) for p in labelled]
    else:
        records = load_records(source.path, languages=[language] if language else None)
        if source.kind == "docstrings":
            pairs = [Pair(r.docstring, r.code) for r in records if r.docstring and r.code]
        else:
            pairs = [Pair(question, document_text(r, document))
                     for r, question in rewrite_corpus(records, per_function=questions_per_function, seed=seed)]
    if not pairs:
        what = {"docstrings": "records with both a docstring and code",
                "questions": "docstrings that suggest a question", "pairs": "positive pairs"}[source.kind]
        msg = f"--train {source}: no {what}"
        raise InputError(msg)
    logger.info("%s: %d pairs (weight %g)", source, len(pairs), source.weight)
    return pairs


@dataclass
class TrainingData:
    """Every source's pairs, concatenated, with each source's size and weight (for `batches.epoch_batches`)."""

    pairs: list[Pair]
    sizes: list[int]
    weights: list[float]


def load_training_data(entries: Iterable[str], *, document: str, language: str | None = None,
                       questions_per_function: int = 1, seed: int = 0, exclude_questions: Iterable[str] = (),
                       max_pairs: int = 0) -> TrainingData:
    """Parse the `--train` entries and load their pairs; `max_pairs` keeps only the first N overall (0: all)."""
    excluded = list(exclude_questions)
    data = TrainingData([], [], [])
    for entry in entries:
        source = TrainingSource.parse(entry)
        pairs = source_pairs(source, document=document, language=language,
                             questions_per_function=questions_per_function, seed=seed, exclude_questions=excluded)
        if max_pairs:
            pairs = pairs[: max_pairs - len(data.pairs)]
        if pairs:
            data.pairs.extend(pairs)
            data.sizes.append(len(pairs))
            data.weights.append(source.weight)
    return data

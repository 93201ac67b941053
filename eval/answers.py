"""Evaluation sets for RAG answers and the on-disk cache of generations.

An evaluation set is jsonl of ``question``, ``reference`` (optional ``language``, ``id``). From a
CodeSearchNet-shaped split it is built as retrieval-augmented code generation: the question is the
docstring summary, the reference is the function's code, and the corpus is the split's functions.
Generations are cached per (retriever, generator, question) in append-only jsonl, flushed per answer, so
an interrupted run resumes and adding a retriever regenerates nothing else. Does not handle: scoring.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from data.cli import InputError
from data.records import Record, read_jsonl

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvalItem:
    """One question with its reference answer."""

    id: str
    question: str
    reference: str
    language: str = ""


def _item_id(question: str, reference: str) -> str:
    return hashlib.sha1(f"{question}\x00{reference}".encode()).hexdigest()[:16]


def items_from_records(records: list[Record]) -> list[EvalItem]:
    """The code-generation setup: docstring summary → the function's code."""
    return [EvalItem(id=_item_id(r.docstring, r.code), question=r.docstring, reference=r.code, language=r.language)
            for r in records if r.docstring.strip() and r.code.strip()]


def load_eval_data(path: str) -> tuple[list[EvalItem], list[Record] | None]:
    """Items from a question/reference file, or (items, corpus records) from a CodeSearchNet-shaped split.

    Raises:
        InputError: a line that is not JSON, or lacks question/reference (named by line).
    """
    source = Path(path)
    if not source.is_file():
        msg = f"no such evaluation file: {path}"
        raise FileNotFoundError(msg)
    with source.open(encoding="utf-8") as handle:
        first = next((line for line in handle if line.strip()), "")
    try:
        is_qa = "question" in json.loads(first) if first else False
    except json.JSONDecodeError:
        msg = f"{path}:1: not valid JSON; expected one JSON object per line"
        raise InputError(msg) from None
    if not is_qa:
        records = list(read_jsonl(source))
        if not records:
            msg = f"{path} holds no records"
            raise InputError(msg)
        return items_from_records(records), records
    items = []
    with source.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                msg = f"{path}:{number}: not valid JSON"
                raise InputError(msg) from None
            missing = [k for k in ("question", "reference") if not isinstance(row.get(k), str) or not row[k].strip()]
            if missing:
                msg = f"{path}:{number}: missing or empty field(s) {missing}; each line needs question and reference"
                raise InputError(msg)
            items.append(EvalItem(id=str(row.get("id") or _item_id(row["question"], row["reference"])),
                                  question=row["question"], reference=row["reference"],
                                  language=str(row.get("language", ""))))
    return items, None


@dataclass
class Generation:
    """A cached answer: its text, whether the reference was retrieved, and the sources' ids."""

    id: str
    answer: str
    hit: bool | None  # None for the no-retrieval floor
    sources: list[str]


class GenerationCache:
    """Append-only jsonl of generations for one (retriever, generator, settings) key."""

    def __init__(self, folder: Path, key: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{hashlib.sha1(key.encode()).hexdigest()[:16]}.jsonl"
        self.key = key
        self.entries: dict[str, Generation] = {}
        if self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:  # a line cut by a kill: regenerate that one
                    continue
                self.entries[row["id"]] = Generation(**row)

    def get(self, item_id: str) -> Generation | None:
        """The cached generation, if any."""
        return self.entries.get(item_id)

    def put(self, generation: Generation) -> None:
        """Append and flush one generation."""
        self.entries[generation.id] = generation
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(generation)) + "\n")
            handle.flush()

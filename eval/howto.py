"""How-to questions about the Python standard library, each with the functions that answer it.

`howto_queries.json` holds hand-written questions ("how to parse json") with their answers as
``path:func_name`` of this interpreter's standard library, in two sets: `dev` (used while choosing
settings) and `heldout` (written after, never used to choose). Does not handle: mining the library or
encoding (callers do both), or questions whose answers this Python lacks (they are skipped).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from data.records import Record

HOWTO_QUERIES = Path(__file__).with_name("howto_queries.json")


@dataclass(frozen=True)
class HowtoSet:
    """The answerable questions, the positions of their answers among the records, and their set names."""

    questions: list[str]
    relevant: list[list[int]]
    sets: list[str]
    skipped: list[str]


def load_howto(records: list[Record], path: Path = HOWTO_QUERIES) -> HowtoSet:
    """Match each question's answers to `records` (by ``path:func_name``); questions with none are skipped."""
    position = {f"{r.path}:{r.func_name}": i for i, r in enumerate(records)}
    questions, relevant, sets, skipped = [], [], [], []
    for item in json.loads(path.read_text(encoding="utf-8")):
        found = [position[a] for a in item["answers"] if a in position]
        if found:
            questions.append(item["question"])
            relevant.append(found)
            sets.append(item["set"])
        else:
            skipped.append(item["question"])
    return HowtoSet(questions, relevant, sets, skipped)


def expected_sources(answers: list[str]) -> list[str]:
    """The ``path:name`` entries that answer a question: its `answers`, and for a constructor ``path:C.__init__``
    also the class ``path:C``, an entry of its own in the index: "create a temporary directory" is answered by
    calling `tempfile.TemporaryDirectory`, whether the source shown is the class or its ``__init__``. Used by the
    answer benchmarks (`bench/answers.py` and the rerank sweeps), not by `load_howto`."""
    classes = [a.removesuffix(".__init__") for a in answers if a.endswith(".__init__")]
    return list(dict.fromkeys([*answers, *classes]))


def first_relevant_rank(scores: np.ndarray, relevant: list[int]) -> int:
    """1-based rank of the best-scored relevant function; ties count against it."""
    best = scores[relevant].max()
    others = np.ones(len(scores), dtype=bool)
    others[relevant] = False
    return int((scores[others] >= best).sum()) + 1


def first_source_table(rows: list[dict], settings: list[str]) -> list[str]:
    """Markdown lines: precision at 1 and hit@5 per setting and question set, settings in the order first met.
    Each row is one question answered under one setting: the `settings` keys, ``set``, ``p@1`` and ``hit@5``."""
    lines = ["| " + " | ".join(settings) + " | set | questions | precision at 1 | hit@5 |",
             "|" + "---|" * (len(settings) + 4)]
    order = list(dict.fromkeys(tuple(r[key] for key in settings) for r in rows))
    groups = sorted({(tuple(r[key] for key in settings), r["set"]) for r in rows}, key=lambda g: (order.index(g[0]), g[1]))
    for setting, name in groups:
        some = [r for r in rows if tuple(r[key] for key in settings) == setting and r["set"] == name]
        lines.append("| " + " | ".join(str(v) for v in setting) + f" | {name} | {len(some)} | "
                     f"{sum(r['p@1'] for r in some) / len(some):.0%} | {sum(r['hit@5'] for r in some) / len(some):.0%} |")
    return lines

"""Benchmark: do parts help? Units longer than the encoder reads embedded whole (cut at its limit) or as parts
(`data.parts`: each later part repeats the signature line), on real questions, with the same encoder.

    python bench/parts.py [--cosqa ../shared/data/cosqa] [--retriever base] [--out FILE.json]

Three sets: the how-to questions about the standard library (dev and held-out; the stdlib mined as `rag.ask`
mines it), CoSQA dev (500 web queries against its 6,267 snippets, when --cosqa is given), and the repository
questions of `bench/repo_retrieval.py` (five pinned repositories, each indexed whole). Dense exact search over
every entry; with parts, a unit scores as its best part, so both columns rank the same units and a unit counts
wherever its answer lies in it. Reports MRR and hit@5 (CoSQA: MRR@10 and R@10), and how many units were split.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from data.corpus import DEFAULT_CORPUS_EXCLUDES, default_corpus, mine_corpus  # noqa: E402
from data.documents import DEFAULT_DOCUMENT, document_text  # noqa: E402
from data.parts import split_records  # noqa: E402
from data.records import Record, line_range  # noqa: E402
from eval.howto import load_howto  # noqa: E402
from eval.repo_questions import answers_question, load_repo_questions  # noqa: E402
from retriever_finetune.models import load_retriever  # noqa: E402
from retriever_finetune.spec import parse_retriever  # noqa: E402

HERE = Path(__file__).resolve().parent
HEADER_TOKENS = 24  # room for the docstring line `docstring+code` puts above the code, and the special tokens


def token_counter(encoder):  # noqa: ANN001, ANN201
    """Tokens of each text as the encoder reads it, without the special tokens around a whole text."""
    specials = len(encoder.tokenize([""], 16)[0])

    def count(texts: list[str]) -> list[int]:
        return [len(ids) - specials for ids in encoder.tokenize(list(texts), 10**6)] if texts else []

    return count


def unit_scores(encoder, questions: list[str], records: list[Record], parts: bool) -> np.ndarray:  # noqa: ANN001
    """(questions, units) cosine of each question with each unit: the unit's own vector, or its best part's."""
    if not parts:
        entries, owner = records, np.arange(len(records))
    else:
        count = token_counter(encoder)
        entries, owners = [], []
        for position, record in enumerate(records):
            for part in split_records([record], count, encoder.max_code_length - HEADER_TOKENS):
                entries.append(part)
                owners.append(position)
        owner = np.array(owners)
    queries = encoder.encode_queries(questions, show_progress=False)
    vectors = encoder.encode_code([document_text(r, DEFAULT_DOCUMENT) for r in entries])
    scores = queries @ vectors.T  # (questions, entries)
    best = np.full((len(questions), len(records)), -np.inf, dtype=np.float32)
    for column, unit in enumerate(owner):
        best[:, unit] = np.maximum(best[:, unit], scores[:, column])
    return best


def ranks_of(scores: np.ndarray, relevant: list[list[int]]) -> list[int]:
    """1-based rank of each question's best relevant unit (ties count against it); 10**9 when it has none."""
    ranks = []
    for row, wanted in zip(scores, relevant, strict=True):
        if not wanted:
            ranks.append(10**9)
            continue
        best = row[wanted].max()
        others = np.ones(len(row), dtype=bool)
        others[wanted] = False
        ranks.append(int((row[others] >= best).sum()) + 1)
    return ranks


def figures(ranks: list[int], cutoff: int) -> dict:
    found = np.array(ranks)
    return {"questions": len(ranks), "mrr": float(np.where(found <= cutoff, 1 / found, 0).mean()) if cutoff else
            float((1 / found).mean()), f"hit@{cutoff or 5}": float((found <= (cutoff or 5)).mean())}


def split_count(encoder, records: list[Record]) -> int:  # noqa: ANN001
    count = token_counter(encoder)
    return sum(len(split_records([r], count, encoder.max_code_length - HEADER_TOKENS)) > 1 for r in records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--retriever", default="base")
    parser.add_argument("--cosqa", default="", help="CoSQA folder (skipped when empty)")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    encoder = load_retriever(parse_retriever(args.retriever))
    report: dict = {"retriever": args.retriever, "max_code_length": encoder.max_code_length, "sets": {}}

    records = mine_corpus(default_corpus(), exclude=DEFAULT_CORPUS_EXCLUDES)
    howto = load_howto(records)
    for parts in (False, True):
        ranks = ranks_of(unit_scores(encoder, howto.questions, records, parts), howto.relevant)
        for name in ("dev", "heldout"):
            chosen = [r for r, s in zip(ranks, howto.sets, strict=True) if s == name]
            report["sets"].setdefault(f"how-to {name}", {})["parts" if parts else "whole"] = figures(chosen, 0)
    report["sets"]["how-to dev"]["units split"] = split_count(encoder, records)

    questions = load_repo_questions(HERE / "data" / "repo_questions.json")
    for parts in (False, True):
        ranks = []
        for repo in sorted({q.repo for q in questions}):
            units = mine_corpus([str(HERE / "data" / "repos" / repo)])
            asked = [q for q in questions if q.repo == repo]
            relevant = [[i for i, r in enumerate(units) if answers_question(_Place(r), q.answers)] for q in asked]
            ranks += ranks_of(unit_scores(encoder, [q.question for q in asked], units, parts), relevant)
        report["sets"].setdefault("repositories", {})["parts" if parts else "whole"] = figures(ranks, 5)

    if args.cosqa:
        from data.codebase import load_cosqa
        from eval.experiments.question_retrieval import COSQA_CODE_BASE, COSQA_QUERIES, cosqa_records

        code_base = load_cosqa(Path(args.cosqa) / COSQA_QUERIES, Path(args.cosqa) / COSQA_CODE_BASE)
        snippets = [Record(**{**r.to_dict(), "url": f"cosqa#L1-L{max(1, len(r.code.splitlines()))}"})
                    for r in cosqa_records(code_base)]
        position = {r.path.removeprefix("code-"): i for i, r in enumerate(snippets)}
        relevant = [[position[a]] for a in code_base.answers]
        for parts in (False, True):
            ranks = ranks_of(unit_scores(encoder, code_base.queries, snippets, parts), relevant)
            report["sets"].setdefault("CoSQA dev", {})["parts" if parts else "whole"] = figures(ranks, 10)
        report["sets"]["CoSQA dev"]["units split"] = split_count(encoder, snippets)
    print(json.dumps(report, indent=1))  # noqa: T201
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


class _Place:
    """A record's file and line range, as `answers_question` reads a source's."""

    def __init__(self, record: Record) -> None:
        self.path = record.path
        self.start_line, self._end = line_range(record.url)

    @property
    def end_line(self) -> int | None:
        return self._end


if __name__ == "__main__":
    main()

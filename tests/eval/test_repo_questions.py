"""Scoring sources against a repository question's file and line, by hand-worked examples."""

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from data.cli import InputError
from eval.repo_questions import RepoQuestion, answer_rank, answers_question, load_repo_questions, summarise


@dataclass
class Hit:
    path: str
    start_line: int
    end: int | None

    @property
    def end_line(self) -> int | None:
        return self.end


def test_a_source_answers_when_its_file_and_lines_hold_the_answer() -> None:
    answers = [("README.md", 92), ("cJSON.c", 1222)]
    assert answers_question(Hit("README.md", 90, 100), answers)
    assert answers_question(Hit("cJSON.c", 1222, 1222), answers)  # a one-line prototype or definition line
    assert not answers_question(Hit("README.md", 93, 100), answers)  # the section after the answer
    assert not answers_question(Hit("docs/README.md", 90, 100), answers)  # another file of the same name
    assert answers_question(Hit("cJSON.c", 1222, None), answers)  # no end known: its first line
    sources = [Hit("a.c", 1, 5), Hit("README.md", 80, 89), Hit("README.md", 90, 99)]
    assert answer_rank(sources, answers) == 3
    assert answer_rank(sources[:2], answers) is None


def test_summaries_per_repository_and_kind_by_hand() -> None:
    questions = [RepoQuestion("a", "q1", "function", (("f", 1),)), RepoQuestion("a", "q2", "section", (("g", 1),)),
                 RepoQuestion("b", "q3", "function", (("h", 1),))]
    summary = summarise(questions, [1, 3, 7], k=5)  # rank 7 is outside the top 5: a miss
    assert summary["all"] == {"questions": 3, "hit@5": 2 / 3, "mrr@5": (1 + 1 / 3) / 3, "p@1": 1 / 3}
    assert summary["repo:a"] == {"questions": 2, "hit@5": 1.0, "mrr@5": (1 + 1 / 3) / 2, "p@1": 0.5}
    assert summary["kind:function"] == {"questions": 2, "hit@5": 0.5, "mrr@5": 0.5, "p@1": 0.5}
    assert summary["repo:b"]["hit@5"] == 0.0


def test_loading_refuses_a_question_without_answers(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    path.write_text(json.dumps([{"repo": "a", "question": "q", "kind": "function", "answers": []}]))
    with pytest.raises(InputError, match="has no answer"):
        load_repo_questions(path)


def test_the_benchmark_questions_point_at_lines_of_their_pinned_repositories() -> None:
    """Each expected line exists in its file, and a quarter of the questions are answered by documentation."""
    bench = Path(__file__).resolve().parents[2] / "bench" / "data"
    questions = load_repo_questions(bench / "repo_questions.json")
    assert len(questions) >= 60 and len({q.repo for q in questions}) >= 5
    assert sum(q.kind == "section" for q in questions) >= len(questions) / 4
    for question in questions:
        for path, line in question.answers:
            lines = (bench / "repos" / question.repo / path).read_text(encoding="utf-8").splitlines()
            assert 1 <= line <= len(lines), (question.question, path, line)

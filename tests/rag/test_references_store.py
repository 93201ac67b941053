"""The reference ranks are stored with the index, worked out when first wanted, dropped when the index changes and
then worked out again; a rerank that does not use them never pays for them; without a store the prior is neutral."""

import json
from pathlib import Path

import pytest

from rag.options import IndexChoice
from rag.search import open_retriever, refresh_retriever
from rag.store import references_path
from tests.conftest import write_module


class Recording:
    """A reranker that keeps what it was handed."""

    candidates = 7

    def __init__(self, uses_reference_ranks: bool) -> None:
        self.uses_reference_ranks, self.seen = uses_reference_ranks, []

    def rerank(self, question: str, sources: list, k: int) -> list:
        self.seen.append({s.func_name: s.reference_rank for s in sources})
        return sources[:k]


def test_ranks_are_stored_when_wanted_and_follow_the_index(corpus: Path, tiny_bert_dir: Path, tmp_path: Path) -> None:
    choice = IndexChoice(retriever=str(tiny_bert_dir), persist=str(tmp_path / "db"))
    reranker = Recording(uses_reference_ranks=True)
    retriever = open_retriever(choice, [str(corpus)], reranker=reranker)
    target = references_path(choice.store_options(), retriever.index.name)
    assert not target.exists()  # built, not yet wanted
    retriever.retrieve("average of numbers", 3)
    assert reranker.seen[0] == pytest.approx(dict.fromkeys(reranker.seen[0], 0.0))  # nothing refers: uniform
    assert len(json.loads(target.read_text())) == 5
    write_module(corpus, "report.py", [("summary_line", "One line about some numbers.", "return str(maths.mean(x))"),
                                       ("average_of", "The mean.", "return maths.mean(x) + maths.mean(x)")])
    refresh_retriever(choice, [str(corpus)], retriever)
    assert not target.exists()  # the index changed: the ranks no longer describe it
    retriever.retrieve("average of numbers", 3)
    ranks = reranker.seen[1]
    assert len(ranks) == 7 and len(json.loads(target.read_text())) == 7
    assert ranks["mean"] == max(ranks.values()) > 0  # `maths.mean`, referred to three times from report.py
    assert ranks["summary_line"] == ranks["average_of"] < 0


def test_a_rerank_that_does_not_use_them_never_works_them_out(corpus: Path, tiny_bert_dir: Path,
                                                             tmp_path: Path) -> None:
    choice = IndexChoice(retriever=str(tiny_bert_dir), persist=str(tmp_path / "db"))
    reranker = Recording(uses_reference_ranks=False)
    retriever = open_retriever(choice, [str(corpus)], reranker=reranker)
    retriever.retrieve("average of numbers", 3)
    assert set(reranker.seen[0].values()) == {None}
    assert not references_path(choice.store_options(), retriever.index.name).exists()


def test_ranks_that_cannot_be_stored_are_used_all_the_same(corpus: Path, tiny_bert_dir: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    from rag.store import references

    def refuse(ranks: dict, target: Path) -> None:
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr(references, "_store", refuse)
    write_module(corpus, "report.py", [("summary_line", "One line about some numbers.", "return maths.mean(x)")])
    choice = IndexChoice(retriever=str(tiny_bert_dir), persist=str(tmp_path / "db"))
    reranker = Recording(uses_reference_ranks=True)
    retriever = open_retriever(choice, [str(corpus)], reranker=reranker)
    retriever.retrieve("average of numbers", 3)
    assert reranker.seen[0]["mean"] == max(reranker.seen[0].values()) > 0
    assert "reference ranks not stored" in caplog.text

"""Metrics: hand-worked cases, ties, the empty input, and a cross-check against scikit-learn."""

import numpy as np
import pytest
from sklearn.metrics import label_ranking_average_precision_score, ndcg_score

from data.cli import InputError
from eval.metrics import mrr, ndcg_at_k, positive_ranks, recall_at_k, summarize


def test_hand_worked_ranks_and_metrics() -> None:
    scores = np.array([[0.9, 0.1, 0.3],   # positive 0 → rank 1
                       [0.8, 0.4, 0.6],   # positive 1 → rank 3
                       [0.2, 0.7, 0.5]])  # positive 2 → rank 2
    ranks = positive_ranks(scores, np.array([0, 1, 2]))
    assert ranks.tolist() == [1, 3, 2]
    assert mrr(ranks) == pytest.approx((1 + 1 / 3 + 1 / 2) / 3)
    assert recall_at_k(ranks, 1) == pytest.approx(1 / 3)
    assert recall_at_k(ranks, 2) == pytest.approx(2 / 3)
    assert ndcg_at_k(ranks, 2) == pytest.approx((1 + 0 + 1 / np.log2(3)) / 3)


def test_ties_count_against_the_query() -> None:
    scores = np.array([[0.5, 0.5, 0.5, 0.1]])
    assert positive_ranks(scores, np.array([0])).tolist() == [3]
    assert positive_ranks(np.array([[0.5, 0.5]]), np.array([1])).tolist() == [2]


def test_empty_and_malformed_input() -> None:
    for metric in (mrr, lambda r: recall_at_k(r, 1), lambda r: ndcg_at_k(r, 10)):
        with pytest.raises(InputError, match="empty"):
            metric(np.array([]))
    with pytest.raises(InputError, match="1-based"):
        mrr(np.array([0, 1]))
    with pytest.raises(InputError, match="n_queries"):
        positive_ranks(np.zeros((2, 3)), np.array([0]))


def test_cross_check_against_scikit_learn() -> None:
    rng = np.random.default_rng(0)
    scores = rng.random((200, 50))  # continuous: no ties
    positives = rng.integers(0, 50, size=200)
    relevance = np.zeros_like(scores)
    relevance[np.arange(200), positives] = 1
    ranks = positive_ranks(scores, positives)
    # label-ranking average precision with a single relevant label is the reciprocal rank
    assert mrr(ranks) == pytest.approx(label_ranking_average_precision_score(relevance, scores))
    assert ndcg_at_k(ranks, 10) == pytest.approx(ndcg_score(relevance, scores, k=10))
    assert recall_at_k(ranks, 5) == pytest.approx(np.mean(np.argsort(-scores, axis=1)[:, :5] == positives[:, None]) * 5)


def test_cross_check_with_ties_against_scikit_learn() -> None:
    rng = np.random.default_rng(1)
    scores = rng.integers(0, 4, size=(100, 20)).astype(float)  # many ties
    positives = rng.integers(0, 20, size=100)
    relevance = np.zeros_like(scores)
    relevance[np.arange(100), positives] = 1
    # scikit-learn's LRAP also ranks a tied relevant label after all its ties
    assert mrr(positive_ranks(scores, positives)) == pytest.approx(label_ranking_average_precision_score(relevance, scores))


def test_summarize_keys() -> None:
    assert set(summarize(np.array([1, 2]))) == {"mrr", "recall@1", "recall@5", "recall@10", "ndcg@10", "queries"}


def test_first_source_table_counts_each_setting_and_set_by_hand() -> None:
    from eval.howto import first_source_table

    rows = [{"w": 0, "set": "dev", "p@1": True, "hit@5": True}, {"w": 0, "set": "dev", "p@1": False, "hit@5": True},
            {"w": 0, "set": "heldout", "p@1": False, "hit@5": False},
            {"w": 1, "set": "dev", "p@1": True, "hit@5": True}, {"w": 1, "set": "dev", "p@1": True, "hit@5": False},
            {"w": 1, "set": "heldout", "p@1": True, "hit@5": True}]
    assert first_source_table(rows, ["w"]) == [
        "| w | set | questions | precision at 1 | hit@5 |", "|---|---|---|---|---|",
        "| 0 | dev | 2 | 50% | 100% |", "| 0 | heldout | 1 | 0% | 0% |",
        "| 1 | dev | 2 | 100% | 50% |", "| 1 | heldout | 1 | 100% | 100% |"]


def test_a_constructors_class_answers_as_the_constructor_does() -> None:
    from eval.howto import expected_sources

    assert expected_sources(["tempfile.py:mkdtemp", "tempfile.py:TemporaryDirectory.__init__"]) == [
        "tempfile.py:mkdtemp", "tempfile.py:TemporaryDirectory.__init__", "tempfile.py:TemporaryDirectory"]
    assert expected_sources(["a.py:C.__init__", "a.py:C"]) == ["a.py:C.__init__", "a.py:C"]  # no repeat
    assert expected_sources(["a.py:C.close", "a.py:f"]) == ["a.py:C.close", "a.py:f"]

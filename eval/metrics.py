"""Retrieval metrics for one relevant item per query: ranks, MRR, Recall@k, NDCG@k.

Pure functions over score matrices and ranks. Ties count against the query (the relevant item ranks after
every candidate scoring the same), as CodeSearchNet's evaluation does. Does not handle: several relevant
items per query, or encoding (see `retrieval`).
"""

from __future__ import annotations

import numpy as np

from data.cli import InputError


def positive_ranks(scores: np.ndarray, positives: np.ndarray) -> np.ndarray:
    """1-based rank of each query's relevant candidate; ties ranked pessimistically.

        >>> positive_ranks(np.array([[0.9, 0.5], [0.2, 0.2]]), np.array([0, 1]))
        array([1, 2])

    Args:
        scores: (n_queries, n_candidates) similarity, higher is better.
        positives: (n_queries,) column of each query's relevant candidate.
    """
    scores = np.asarray(scores)
    positives = np.asarray(positives)
    if scores.ndim != 2 or positives.shape != (scores.shape[0],):
        msg = f"scores must be (n_queries, n_candidates) and positives (n_queries,), got {scores.shape}, {positives.shape}"
        raise InputError(msg)
    correct = scores[np.arange(len(positives)), positives][:, None]  # (n_queries, 1)
    return (scores >= correct).sum(axis=1)  # (n_queries,)


def _check(ranks: np.ndarray) -> np.ndarray:
    ranks = np.asarray(ranks)
    if ranks.size == 0:
        msg = "no queries to score: the rank list is empty"
        raise InputError(msg)
    if (ranks < 1).any():
        msg = "ranks are 1-based: every rank must be >= 1"
        raise InputError(msg)
    return ranks


def mrr(ranks: np.ndarray) -> float:
    """Mean reciprocal rank: mean of 1/rank."""
    return float(np.mean(1.0 / _check(ranks)))


def recall_at_k(ranks: np.ndarray, k: int) -> float:
    """Share of queries whose relevant item is in the top k."""
    return float(np.mean(_check(ranks) <= k))


def ndcg_at_k(ranks: np.ndarray, k: int) -> float:
    """NDCG@k with one relevant item: 1/log2(rank + 1) when rank <= k, else 0 (the ideal DCG is 1)."""
    ranks = _check(ranks)
    return float(np.mean(np.where(ranks <= k, 1.0 / np.log2(ranks + 1), 0.0)))


def summarize(ranks: np.ndarray) -> dict[str, float]:
    """The metric set every report carries."""
    return {"mrr": mrr(ranks), "recall@1": recall_at_k(ranks, 1), "recall@5": recall_at_k(ranks, 5),
            "recall@10": recall_at_k(ranks, 10), "ndcg@10": ndcg_at_k(ranks, 10), "queries": int(len(ranks))}

"""Validation MRR during training: each query against every code of the validation pool.

Does not handle: the CodeSearchNet 999-distractor protocol or other metrics (see `eval.metrics`).
"""

from __future__ import annotations

import numpy as np


def pool_mrr(query_vectors: np.ndarray, code_vectors: np.ndarray) -> float:
    """MRR when query i's answer is code i; ties count against the query (CodeSearchNet's convention)."""
    scores = query_vectors @ code_vectors.T  # (n, n)
    correct = np.diag(scores)[:, None]  # (n, 1)
    ranks = (scores >= correct).sum(axis=1)  # (n,) 1 = best
    return float(np.mean(1.0 / ranks))

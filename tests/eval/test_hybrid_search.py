"""The hybrid-search experiment's first stage, by hand: pooled, fused z-scores, and answers outside the pool."""

import math

import numpy as np
import pytest

from data.cli import InputError
from eval.experiments.hybrid_search import HybridConfig, hybrid_rank


def test_hybrid_rank_by_hand() -> None:
    cosine, bm25 = np.array([0.9, 0.8, 0.1]), np.array([0.0, 0.0, 5.0])
    assert hybrid_rank(cosine, bm25, [2], 0.0, pool=1) == 3  # dense search over everything
    # pool: dense top 1 (item 0) + BM25 top 1 (item 2); z(cosine) [1, -1], z(BM25) [-1, 1]
    assert hybrid_rank(cosine, bm25, [2], 0.5, pool=1) == 2  # fused [0, 0]: the tie keeps the dense order
    assert hybrid_rank(cosine, bm25, [2], 0.6, pool=1) == 1  # fused [-0.2, 0.2]
    assert math.isinf(hybrid_rank(cosine, bm25, [1], 0.5, pool=1))  # outside the pool: not found
    assert hybrid_rank(cosine, bm25, [1, 2], 0.6, pool=1) == 1


def test_weights_are_checked() -> None:
    assert HybridConfig(weights="0, 0.1").weight_list() == [0.0, 0.1]
    for bad in ("", "1.5", "x"):
        with pytest.raises(InputError, match="--weights"):
            HybridConfig(weights=bad)

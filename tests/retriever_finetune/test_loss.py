"""InfoNCE: hand-computable values, symmetry, hard negatives."""

import math

import pytest
import torch
import torch.nn.functional as F  # noqa: N812

from retriever_finetune.loss import info_nce_loss


def test_two_orthogonal_pairs_hand_computed() -> None:
    q = torch.eye(2)
    # scores/temperature = [[1, 0], [0, 1]] / 1 → each row's CE = log(1 + e^-1)
    expected = math.log(1 + math.exp(-1))
    assert info_nce_loss(q, q, temperature=1.0).item() == pytest.approx(expected, rel=1e-6)


def test_symmetric_is_mean_of_both_directions() -> None:
    torch.manual_seed(0)
    q, c = F.normalize(torch.randn(5, 8), dim=-1), F.normalize(torch.randn(5, 8), dim=-1)
    forward = info_nce_loss(q, c, temperature=0.1, symmetric=False)
    backward = info_nce_loss(c, q, temperature=0.1, symmetric=False)
    assert info_nce_loss(q, c, temperature=0.1).item() == pytest.approx(((forward + backward) / 2).item())


def test_matching_pairs_score_lower_than_shuffled_and_hard_negatives_raise_loss() -> None:
    torch.manual_seed(1)
    q = F.normalize(torch.randn(6, 16), dim=-1)
    assert info_nce_loss(q, q).item() < info_nce_loss(q, q.roll(1, 0)).item()
    near = F.normalize(q + 0.01 * torch.randn_like(q), dim=-1)
    assert info_nce_loss(q, q, hard_negatives=near).item() > info_nce_loss(q, q).item()


def test_owned_hard_negatives_count_only_for_their_own_query() -> None:
    q = torch.eye(3)
    negative = torch.tensor([[0.0, 1.0, 0.0]])  # identical to query 1's code: a strong negative for anyone
    # owned by query 0: query 0's row gains e^(0) in its denominator, rows 1 and 2 are untouched.
    # row 0: -log(e^1 / (e^1 + e^0 + e^0 + e^0)); rows 1, 2: -log(e^1 / (e^1 + 2 e^0)); temperature 1.
    row0 = -math.log(math.e / (math.e + 3))
    others = -math.log(math.e / (math.e + 2))
    forward = (row0 + 2 * others) / 3
    got = info_nce_loss(q, q, temperature=1.0, hard_negatives=negative, negative_owners=torch.tensor([0]),
                        symmetric=False)
    assert got.item() == pytest.approx(forward, rel=1e-6)
    shared = info_nce_loss(q, q, temperature=1.0, hard_negatives=negative, symmetric=False)
    assert shared.item() > got.item()  # unowned, it also lands in query 1's row as a near-duplicate of its answer

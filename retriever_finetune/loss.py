"""InfoNCE with in-batch negatives, symmetric over text→code and code→text.

Does not handle: batch construction (duplicates in a batch are false negatives; see `batches`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F  # noqa: N812


def info_nce_loss(
    query_embeddings: torch.Tensor,
    code_embeddings: torch.Tensor,
    *,
    temperature: float = 0.05,
    hard_negatives: torch.Tensor | None = None,
    negative_owners: torch.Tensor | None = None,
    symmetric: bool = True,
) -> torch.Tensor:
    """Contrastive loss over a batch of matching (text, code) pairs; row i of each side is a pair.

    Inputs are L2-normalised, so ``q @ c.T`` are cosines; ``scale = 1 / temperature``. Text→code ranks each
    query against every code in the batch (plus any hard negatives); code→text ranks each code against every
    query. The symmetric loss is ``(forward + backward) / 2``.

        >>> q = F.normalize(torch.randn(4, 8), dim=-1)
        >>> info_nce_loss(q, q).item() < info_nce_loss(q, q.roll(1, 0)).item()
        True

    Args:
        query_embeddings: (batch, dim) text side.
        code_embeddings: (batch, dim) code side, row i matching query i.
        temperature: softmax temperature (0.05 is sentence-transformers' scale 20).
        hard_negatives: (n_negatives, dim) extra code rows, used only for text→code.
        negative_owners: (n_negatives,) the query row each hard negative belongs to; it is then a candidate
            for that query only (a code judged wrong for one question may answer another). None: every
            query sees every hard negative.
        symmetric: add the code→text direction.
    """
    labels = torch.arange(query_embeddings.shape[0], device=query_embeddings.device)  # (batch,)
    candidates = code_embeddings if hard_negatives is None else torch.cat([code_embeddings, hard_negatives])
    scores = query_embeddings @ candidates.T / temperature  # (batch, batch + n_negatives)
    if hard_negatives is not None and negative_owners is not None:
        foreign = negative_owners[None, :] != labels[:, None]  # (batch, n_negatives) True: not this query's
        scores = torch.cat([scores[:, : len(labels)],
                            scores[:, len(labels):].masked_fill(foreign, float("-inf"))], dim=1)
    forward = F.cross_entropy(scores, labels)
    if not symmetric:
        return forward
    backward = F.cross_entropy(code_embeddings @ query_embeddings.T / temperature, labels)  # code→text
    return (forward + backward) / 2

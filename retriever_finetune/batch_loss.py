"""The loss of one training batch: InfoNCE over in-batch and hard negatives, gathered across processes, plus
the method's regulariser; with ``--towers query``, the frozen base's code vectors computed once per text.
Does not handle: the optimiser loop (see `train`).
"""

from __future__ import annotations

import torch

from retriever_finetune.batches import Pair
from retriever_finetune.distributed import gather_rows, world
from retriever_finetune.encoder import Encoder
from retriever_finetune.loss import info_nce_loss
from retriever_finetune.peft_methods import extra_loss


def step_negatives(batch: list[Pair], per_pair: int, step: int) -> tuple[list[str], list[int]]:
    """Up to `per_pair` hard negatives of each pair (rotating with the step), and the row each belongs to."""
    texts, owners = [], []
    for row, pair in enumerate(batch):
        for k in range(min(per_pair, len(pair.negatives))):
            texts.append(pair.negatives[(step * per_pair + k) % len(pair.negatives)])
            owners.append(row)
    return texts, owners


class FrozenCodeVectors:
    """Code vectors of the frozen base, computed once per distinct text (training with ``--towers query``)."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self.vectors: dict[str, torch.Tensor] = {}

    def __call__(self, texts: list[str]) -> torch.Tensor:
        """(len(texts), dim) unit vectors, no gradient."""
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if missing:
            with torch.no_grad(), self.encoder.code_tower():
                fresh = self.encoder.embed(self.encoder.collate(self.encoder.tokenize_code(missing)))
            self.vectors.update(zip(missing, fresh.detach(), strict=True))
        return torch.stack([self.vectors[t] for t in texts])


def batch_loss(encoder: Encoder, trained_model: torch.nn.Module, batch: list[Pair], *, method: str, temperature: float,
               negatives_per_pair: int, step: int = 0, frozen_codes: FrozenCodeVectors | None = None,
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """(InfoNCE loss of the global batch, the objective this process minimises).

    `batch` is this process's shard. With N processes the embeddings of every shard are gathered, so the loss
    is the whole batch's; the objective is N x InfoNCE (DDP averages the N processes' gradients, each holding
    only its own rows' share) plus any method regulariser.
    """
    def embed_code(texts: list[str]) -> torch.Tensor:
        if frozen_codes is not None:
            return frozen_codes(texts)
        return encoder.embed(encoder.collate(encoder.tokenize_code(texts)), trained_model)

    rank, processes = world()
    texts = encoder.collate(encoder.tokenize_queries([p.text for p in batch]))
    query_vectors, shard_sizes = gather_rows(encoder.embed(texts, trained_model))  # (global batch, dim)
    negatives, owners = step_negatives(batch, negatives_per_pair, step)
    # one forward for codes and negatives: under DDP every process must make the same number of forward calls
    local_codes = embed_code([p.code for p in batch] + negatives)  # (shard + n_negatives, dim)
    code_vectors, _ = gather_rows(local_codes[: len(batch)])  # (global batch, dim)
    negative_vectors = local_codes[len(batch) :]
    owners = [owner + sum(shard_sizes[:rank]) for owner in owners]  # rows of the global batch
    owner_rows = torch.tensor(owners, dtype=torch.long, device=query_vectors.device)
    if processes > 1:  # collective calls: every process makes them, with or without negatives of its own
        negative_vectors, _ = gather_rows(negative_vectors)
        owner_rows, _ = gather_rows(owner_rows)
    has_negatives = negative_vectors.shape[0] > 0
    loss = info_nce_loss(query_vectors, code_vectors, temperature=temperature,
                         hard_negatives=negative_vectors if has_negatives else None,
                         negative_owners=owner_rows if has_negatives else None)
    regulariser = extra_loss(encoder.model, method)
    objective = loss * processes
    return loss, (objective if regulariser is None else objective + regulariser)

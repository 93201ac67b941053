"""Several training processes acting as one: batch shards, embeddings gathered with their gradients, and
decisions taken by the main process only.

With N processes each embeds its shard of the global batch; `gather_rows` concatenates every process's
rows so each computes the InfoNCE loss of the whole batch (the negatives do not shrink with N), and the
local rows keep their autograd graph (as sentence-transformers' `gather_across_devices` and open_clip's
`gather_with_grad` do). Each process's backward then yields the gradient of the global loss with respect to
its own rows; DDP averages the processes' gradients, so the objective is multiplied by N (`world_size`) to
get back the single-process gradient. Does not handle: the loss itself (`loss`), the batches (`batches`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import torch
import torch.distributed as dist

T = TypeVar("T")


def world() -> tuple[int, int]:
    """(this process's rank, number of processes); (0, 1) outside a process group."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def shard(items: Sequence[T], rank: int, world_size: int) -> list[T]:
    """This process's share of a global batch: every `world_size`-th item from `rank` on (sizes differ by 1 at most)."""
    return list(items[rank::world_size])


def gather_rows(tensor: torch.Tensor) -> tuple[torch.Tensor, list[int]]:
    """Every process's rows of `tensor`, concatenated in rank order, and each process's row count.

    Row counts may differ between processes (even be 0). The local rows are the input tensor itself, so
    gradients flow into this process's shard; the other processes' rows carry none.
    """
    rank, world_size = world()
    if world_size == 1:
        return tensor, [tensor.shape[0]]
    count = torch.tensor([tensor.shape[0]], device=tensor.device)
    counts = [torch.zeros_like(count) for _ in range(world_size)]
    dist.all_gather(counts, count)
    sizes = [int(c.item()) for c in counts]
    padded = tensor.new_zeros((max(sizes), *tensor.shape[1:]))
    padded[: tensor.shape[0]] = tensor.detach()
    pieces = [torch.empty_like(padded) for _ in range(world_size)]
    dist.all_gather(pieces, padded)
    rows = [piece[:size] for piece, size in zip(pieces, sizes, strict=True)]
    rows[rank] = tensor
    return torch.cat(rows), sizes

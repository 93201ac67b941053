"""Batched decoding for a local causal LM: many prompts decoded together, each stopped on its own.

Prompts are left-padded into one batch (positions counted from each row's first real token, so a row
computes what it would alone) and prefilled in one forward pass; then one token per row and step is decoded
from the shared KV cache. A row leaves the batch as soon as it ends: at an end-of-sequence token, at its
token limit, or where `stop(index, text, piece)` returns a cut position; its cache rows are dropped, so a long
answer does not make the finished ones run on. The prefill and the decode steps each run in the precision
the `PrecisionPolicy` gives their phase (on a CPU with AMX: bf16 prefill, float32 decode).

Decoding is greedy with a repetition penalty, or sampled (temperature, repetition penalty) with one seeded
generator per prompt, so a prompt's sample does not depend on which others share its batch. Does not handle:
prompts, streaming to a reader (see `generate.HuggingFaceGenerator.stream`) or endpoint generators.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from retriever_finetune.precision import PrecisionPolicy

logger = logging.getLogger(__name__)

StopCheck = Callable[[int, str, str], "int | None"]
"""``stop(prompt_index, text_so_far, newest_piece)`` → where to cut the text when the row is finished, else None."""

GREEDY_REPETITION_PENALTY = 1.15  # greedy answers, streamed (`generate.HuggingFaceGenerator.stream`) or batched


@dataclass(frozen=True)
class Decoding:
    """How tokens are chosen: greedy (`temperature` 0) or sampled, with a repetition penalty (1: none)."""

    temperature: float = 0.0
    repetition_penalty: float = GREEDY_REPETITION_PENALTY


def penalise_repetition(logits: torch.Tensor, seen: torch.Tensor, penalty: float) -> torch.Tensor:
    """CTRL's repetition penalty, as `transformers.RepetitionPenaltyLogitsProcessor` applies it: the logit of
    every token already in the sequence is divided by `penalty` when positive, multiplied when negative.

    Args:
        logits: (vocab,) one row's next-token logits.
        seen: (n,) the token ids of that row so far (prompt and generated).
    """
    if penalty == 1.0:
        return logits
    picked = logits.gather(0, seen)  # (n,)
    picked = torch.where(picked < 0, picked * penalty, picked / penalty)
    return logits.scatter(0, seen, picked)


def left_pad(rows: list[list[int]], pad_id: int, device: torch.device | str = "cpu",
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(ids, mask, positions), each (batch, width): token id rows padded on the left, so every row ends at the
    last column, with positions counted from each row's first real token (what the row computes alone)."""
    width = max(map(len, rows))
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)  # (batch, width)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, width - len(row):] = torch.tensor(row, dtype=torch.long)
        mask[i, width - len(row):] = 1
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    return ids.to(device), mask.to(device), positions.to(device)


def _cache_to_float32(cache: object) -> None:
    """Cast a bf16-prefilled KV cache to float32, for float32 decode steps."""
    for layer in getattr(cache, "layers", []):
        for name in ("keys", "values"):
            tensor = getattr(layer, name, None)
            if isinstance(tensor, torch.Tensor) and tensor.dtype != torch.float32:
                setattr(layer, name, tensor.float())


def generate_batch(model: torch.nn.Module, tokenizer: object, prompts: Sequence[str], *, max_new_tokens: int | Sequence[int],
                   precision: PrecisionPolicy, decoding: Decoding = Decoding(), seeds: Sequence[int] | None = None,
                   stop: StopCheck | None = None, device: torch.device | str = "cpu") -> list[str]:
    """The completion of each prompt (special tokens skipped, cut where `stop` said), in prompt order.

    `max_new_tokens`: one limit for all, or one per prompt. `seeds`: one per prompt (sampling only).
    """
    from transformers import DynamicCache

    if not prompts:
        return []
    device = torch.device(device)
    limits = [max_new_tokens] * len(prompts) if isinstance(max_new_tokens, int) else list(max_new_tokens)
    if len(limits) != len(prompts):
        msg = f"{len(limits)} token limits for {len(prompts)} prompts"
        raise ValueError(msg)
    sampled = decoding.temperature > 0
    generators = None
    if sampled:
        seeds = list(seeds) if seeds is not None else [0] * len(prompts)
        generators = [torch.Generator(device=device).manual_seed(int(s)) for s in seeds]
    rows = [tokenizer(p)["input_ids"] for p in prompts]  # as `stream` tokenizes: with the BOS token
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    eos = model.generation_config.eos_token_id if getattr(model, "generation_config", None) else None
    eos_ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [tokenizer.eos_token_id])
    ids, mask, positions = left_pad(rows, pad_id, device)  # (batch, width) each
    cache = DynamicCache(config=model.config)
    # transformers 5 renames `past_key_values` to `cache` (the old name warns until 5.40)
    cache_arg = {"cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values": cache}
    with torch.inference_mode():
        with precision.autocast("prefill"):
            logits = model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True,
                           logits_to_keep=1, **cache_arg).logits[:, -1].float()  # (batch, vocab)
        if precision.uses_bf16("prefill") and not precision.uses_bf16("decode"):
            _cache_to_float32(cache)
        seen = [torch.tensor(r, dtype=torch.long, device=device) for r in rows]
        generated: list[list[int]] = [[] for _ in prompts]
        texts = [""] * len(prompts)
        cuts: list[int | None] = [None] * len(prompts)
        active = list(range(len(prompts)))  # prompt index of each batch row
        last_position = positions[:, -1]  # (batch,)
        while active:
            chosen: list[int] = []
            for row, index in enumerate(active):
                scores = penalise_repetition(logits[row], seen[index], decoding.repetition_penalty)
                if sampled:
                    probs = torch.softmax(scores / decoding.temperature, dim=-1)
                    token = int(torch.multinomial(probs, 1, generator=generators[index]).item())  # type: ignore[index]
                else:
                    token = int(scores.argmax().item())
                chosen.append(token)
            keep: list[int] = []
            for row, (index, token) in enumerate(zip(active, chosen, strict=True)):
                if token in eos_ids:
                    continue
                generated[index].append(token)
                seen[index] = torch.cat([seen[index], torch.tensor([token], device=device)])
                text = tokenizer.decode(generated[index], skip_special_tokens=True)
                piece, texts[index] = text[len(texts[index]):], text
                cut = stop(index, text, piece) if stop is not None else None
                if cut is not None:
                    cuts[index] = cut
                elif len(generated[index]) < limits[index]:
                    keep.append(row)
            if not keep:
                break
            if len(keep) < len(active):
                selected = torch.tensor(keep, dtype=torch.long, device=device)
                cache.batch_select_indices(selected)
                mask, last_position = mask[selected], last_position[selected]
                chosen = [chosen[r] for r in keep]
                active = [active[r] for r in keep]
            mask = torch.cat([mask, mask.new_ones((len(active), 1))], dim=1)  # (rows, width + step)
            last_position = last_position + 1
            with precision.autocast("decode"):
                logits = model(input_ids=torch.tensor(chosen, device=device).unsqueeze(1), attention_mask=mask,
                               position_ids=last_position.unsqueeze(1), use_cache=True,
                               **cache_arg).logits[:, -1].float()  # (rows, vocab)
    return [text if cut is None else text[:cut] for text, cut in zip(texts, cuts, strict=True)]

"""Continuous batched decoding for a local causal LM: many prompts decoded together, each stopped on its own,
a finished row's slot refilled with the next prompt.

At most `slots` prompts decode at once. Prompts are left-padded (positions counted from each row's first real
token, so a row computes what it would alone) and prefilled together; then one token per row and step is
decoded from the shared KV cache. A row leaves the batch as soon as it ends: at an end-of-sequence token, at
its token limit, or where `stop(index, text, piece)` returns a cut position; its cache rows are dropped, and
once a quarter of the slots is free the next prompts are prefilled and their cache rows joined to the batch
(padded on the left to the batch's width), so one long answer does not leave the others' slots idle. Steps
run in the precision of the weights given (`local.HuggingFaceGenerator.batch_model`: a bf16 copy where
the policy gives `decode_batch` bf16); float32 weights prefill under the policy's `prefill` autocast.

Decoding is greedy with a repetition penalty, or sampled (temperature, repetition penalty) with one seeded
generator per prompt drawing one uniform number per token (inverse-CDF sampling), so a prompt's sample does not
depend on which others share its batch. Does not handle: prompts, streaming to a reader (see
`local.HuggingFaceGenerator.stream`) or endpoint generators.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from retriever_finetune.precision import PrecisionPolicy

logger = logging.getLogger(__name__)

StopCheck = Callable[[int, str, str], "int | None"]
"""``stop(prompt_index, text_so_far, newest_piece)`` → where to cut the text when the row is finished, else None."""
Finished = Callable[[int, str], None]
"""``on_done(prompt_index, completion)``: called as each prompt's completion is final."""

GREEDY_REPETITION_PENALTY = 1.15  # greedy answers, streamed (`local.HuggingFaceGenerator.stream`) or batched


@dataclass(frozen=True)
class Decoding:
    """How tokens are chosen: greedy (`temperature` 0) or sampled, with a repetition penalty (1: none)."""

    temperature: float = 0.0
    repetition_penalty: float = GREEDY_REPETITION_PENALTY


def penalise_repetition(logits: torch.Tensor, seen: torch.Tensor, penalty: float) -> torch.Tensor:
    """CTRL's repetition penalty, as `transformers.RepetitionPenaltyLogitsProcessor` applies it: the logit of
    every token already in a row's sequence is divided by `penalty` when positive, multiplied when negative.

    Args:
        logits: (rows, vocab) next-token logits.
        seen: (rows, n) the token ids of each row so far (prompt and generated; repeats and padding with a
            row's own ids change nothing).
    """
    if penalty == 1.0:
        return logits
    picked = logits.gather(1, seen)  # (rows, n)
    return logits.scatter(1, seen, torch.where(picked < 0, picked * penalty, picked / penalty))


def _pad_seen(rows: list[torch.Tensor], width: int) -> torch.Tensor:
    """(len(rows), width) token ids, each row padded by repeating its first id (a no-op for the penalty)."""
    return torch.stack([torch.cat([row, row[:1].expand(width - len(row))]) for row in rows])


def cache_argument(model: torch.nn.Module) -> str:
    """The name `model.forward` takes its KV cache by: transformers 5 renames `past_key_values` to `cache` (the old
    name warns until 5.40)."""
    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"


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


def _fit_layer(layer: object, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A cache layer's keys and values for a batch `width` columns wide: padded with zeros on the left or cut
    from the left; a sliding-window layer keeps at most its window less one."""
    sliding = getattr(layer, "is_sliding", False)
    target = min(width, layer.sliding_window - 1) if sliding else width
    fitted = []
    for tensor in (layer.keys, layer.values):  # (rows, heads, length, head_dim)
        length = tensor.shape[-2]
        if length > target:
            tensor = tensor[:, :, length - target:]
        elif length < target:
            tensor = torch.cat([tensor.new_zeros((*tensor.shape[:2], target - length, tensor.shape[-1])), tensor], dim=2)
        fitted.append(tensor)
    if sliding:
        layer.cumulative_length = width
    return fitted[0], fitted[1]


def _narrow_cache(cache: object, width: int) -> None:
    """Cut a cache to its last `width` columns (the columns before are padding for every row)."""
    for layer in cache.layers:
        layer.keys, layer.values = _fit_layer(layer, width)


def _join_caches(cache: object, width: int, other: object, other_width: int) -> int:
    """Append `other`'s rows to `cache`, both padded on the left to a common width; returns that width."""
    joined = max(width, other_width)
    for layer, extra in zip(cache.layers, other.layers, strict=True):
        keys, values = _fit_layer(layer, joined)
        extra_keys, extra_values = _fit_layer(extra, joined)
        layer.keys, layer.values = torch.cat([keys, extra_keys]), torch.cat([values, extra_values])
    return joined


def _sample(scores: torch.Tensor, temperature: float, uniforms: torch.Tensor) -> torch.Tensor:
    """Inverse-CDF sampling: per row, the first token whose cumulative probability exceeds that row's uniform."""
    cdf = torch.softmax(scores / temperature, dim=-1).cumsum(-1)  # (rows, vocab)
    found = torch.searchsorted(cdf, uniforms.unsqueeze(1).to(cdf.dtype), right=True).squeeze(1)  # (rows,)
    return found.clamp(max=scores.shape[-1] - 1)


class _Rows:
    """The prompts decoding now: one batch row each, with their shared KV cache, attention mask, positions, the
    token ids each has seen (for the repetition penalty) and the logits of their next token."""

    def __init__(self, model: torch.nn.Module, precision: PrecisionPolicy, pad_id: int, device: torch.device) -> None:
        self.model, self.precision, self.pad_id, self.device = model, precision, pad_id, device
        self.cache_name = cache_argument(model)
        self.weights_dtype = next(model.parameters()).dtype
        self.active: list[int] = []  # prompt index of each row
        self.cache = self.mask = self.last_position = self.logits = self.seen = None
        self.width = 0

    def admit(self, entering: list[int], rows: list[list[int]]) -> None:
        """Prefill the prompts `entering` (token ids `rows`) together and join their cache rows to the batch."""
        from transformers import DynamicCache

        ids, new_mask, positions = left_pad(rows, self.pad_id, self.device)  # (entering, new_width) each
        new_cache = DynamicCache(config=self.model.config)
        float32 = self.weights_dtype == torch.float32
        with self.precision.autocast("prefill") if float32 else contextlib.nullcontext():
            new_logits = self.model(input_ids=ids, attention_mask=new_mask, position_ids=positions, use_cache=True,
                                    logits_to_keep=1, **{self.cache_name: new_cache}).logits[:, -1].float()
        if float32:
            _cache_to_float32(new_cache)  # a bf16 prefill's cache, for float32 decode steps
        new_seen = _pad_seen([torch.tensor(row, device=self.device) for row in rows], max(map(len, rows)))
        if self.cache is None:
            self.cache, self.mask, self.last_position = new_cache, new_mask, positions[:, -1]
            self.logits, self.seen, self.width = new_logits, new_seen, new_mask.shape[1]
        else:
            joined = _join_caches(self.cache, self.width, new_cache, new_mask.shape[1])
            self.mask = torch.cat([torch.nn.functional.pad(self.mask, (joined - self.width, 0)),
                                   torch.nn.functional.pad(new_mask, (joined - new_mask.shape[1], 0))])
            self.last_position = torch.cat([self.last_position, positions[:, -1]])
            seen_width = max(self.seen.shape[1], new_seen.shape[1])
            self.seen = torch.cat([_pad_seen(list(self.seen), seen_width), _pad_seen(list(new_seen), seen_width)])
            self.logits, self.width = torch.cat([self.logits, new_logits]), joined
        self.active += entering

    def keep(self, rows: list[int]) -> None:
        """Keep only `rows` (positions in the batch), dropping the others' cache rows and the padding columns no
        row uses any more."""
        if not rows:
            self.active, self.cache = [], None
            return
        selected = torch.tensor(rows, dtype=torch.long, device=self.device)
        self.cache.batch_select_indices(selected)
        self.mask, self.last_position, self.seen = self.mask[selected], self.last_position[selected], self.seen[selected]
        self.active = [self.active[r] for r in rows]
        padding = int((self.mask.sum(0) == 0).long().cumprod(0).sum())  # leading columns no row uses
        if padding:
            self.width -= padding
            _narrow_cache(self.cache, self.width)
            self.mask = self.mask[:, padding:]

    def step(self, chosen: list[int]) -> None:
        """Feed each row its chosen token: one decoding step, in the weights' precision."""
        chosen_ids = torch.tensor(chosen, device=self.device)  # (rows,)
        self.seen = torch.cat([self.seen, chosen_ids.unsqueeze(1)], dim=1)
        self.mask = torch.cat([self.mask, self.mask.new_ones((len(self.active), 1))], dim=1)  # (rows, width + 1)
        self.last_position = self.last_position + 1
        self.width += 1
        self.logits = self.model(input_ids=chosen_ids.unsqueeze(1), attention_mask=self.mask,
                                 position_ids=self.last_position.unsqueeze(1), use_cache=True,
                                 **{self.cache_name: self.cache}).logits[:, -1].float()  # (rows, vocab)


def generate_batch(model: torch.nn.Module, tokenizer: object, prompts: Sequence[str], *, max_new_tokens: int | Sequence[int],
                   precision: PrecisionPolicy, decoding: Decoding = Decoding(), seeds: Sequence[int] | None = None,
                   stop: StopCheck | None = None, device: torch.device | str = "cpu", slots: int | None = None,
                   on_done: Finished | None = None) -> list[str]:
    """The completion of each prompt (special tokens skipped, cut where `stop` said), in prompt order.

    `max_new_tokens`: one limit for all, or one per prompt. `seeds`: one per prompt (sampling only). `slots`: how
    many prompts decode at once (default: all); prompts enter in the order given. `on_done(index, text)` is
    called as each completion is final (to save it before the others end).
    """
    if not prompts:
        return []
    device = torch.device(device)
    limits = [max_new_tokens] * len(prompts) if isinstance(max_new_tokens, int) else list(max_new_tokens)
    if len(limits) != len(prompts):
        msg = f"{len(limits)} token limits for {len(prompts)} prompts"
        raise ValueError(msg)
    slots = len(prompts) if slots is None else slots
    if slots <= 0:
        msg = f"slots must be positive, got {slots}"
        raise ValueError(msg)
    sampled = decoding.temperature > 0
    generators = None
    if sampled:
        seeds = list(seeds) if seeds is not None else [0] * len(prompts)
        generators = [torch.Generator(device="cpu").manual_seed(int(s)) for s in seeds]
    eos = model.generation_config.eos_token_id if getattr(model, "generation_config", None) else None
    eos_ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [tokenizer.eos_token_id])

    generated: list[list[int]] = [[] for _ in prompts]
    texts = [""] * len(prompts)
    cuts: list[int | None] = [None] * len(prompts)
    waiting = list(range(len(prompts)))[::-1]  # popped from the end: prompt order
    batch = _Rows(model, precision, tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0, device)

    def finish(index: int) -> None:
        if on_done is not None:
            text, cut = texts[index], cuts[index]
            on_done(index, text if cut is None else text[:cut])

    with torch.inference_mode():
        while batch.active or waiting:
            if waiting and len(batch.active) <= slots - max(1, slots // 4):
                entering = [waiting.pop() for _ in range(min(slots - len(batch.active), len(waiting)))]
                batch.admit(entering, [tokenizer(prompts[i])["input_ids"] for i in entering])  # with BOS, as `stream`
            scores = penalise_repetition(batch.logits, batch.seen, decoding.repetition_penalty)  # (rows, vocab)
            if sampled:
                uniforms = torch.stack([torch.rand((), generator=generators[i]) for i in batch.active]).to(device)  # type: ignore[index]
                chosen = _sample(scores, decoding.temperature, uniforms).tolist()
            else:
                chosen = scores.argmax(-1).tolist()
            keep: list[int] = []
            for row, (index, token) in enumerate(zip(batch.active, chosen, strict=True)):
                if token in eos_ids:
                    finish(index)
                    continue
                generated[index].append(token)
                text = tokenizer.decode(generated[index], skip_special_tokens=True)
                piece, texts[index] = text[len(texts[index]):], text
                cut = stop(index, text, piece) if stop is not None else None
                if cut is not None:
                    cuts[index] = cut
                if cut is None and len(generated[index]) < limits[index]:
                    keep.append(row)
                else:
                    finish(index)
            if len(keep) < len(batch.active):
                batch.keep(keep)
                if not keep:
                    continue
                chosen = [chosen[r] for r in keep]
            batch.step(chosen)
    return [text if cut is None else text[:cut] for text, cut in zip(texts, cuts, strict=True)]

"""Opt-in int8 inference on CPU for the code side: PyTorch dynamic quantization of the encoder's linear layers.

Indexing embeds every function of a corpus, so the code side is where CPU time goes; questions are few and
stay in float32. Dynamic quantization stores a linear layer's weight as int8 (one scale per output channel)
and quantizes its input per batch (no calibration data). Only the attention projections are quantized: the
feed-forward activations have outliers that 8 bits do not hold (the MRR of each choice is in docs/RESULTS.md;
`bench/encode.py` measures it again).

An adapter is merged into the weights first (LoRA, AdaLoRA, (IA)3); a query-side adapter leaves the code
side to the frozen base, which is what gets quantized. Prompt tuning cannot be merged and is refused. Does
not handle: GPUs (int8 dynamic kernels are CPU-only), static or ONNX Runtime quantization (not tried).
"""

from __future__ import annotations

import copy
import logging
import warnings
from typing import Literal

import torch
from torch import nn

from data.cli import InputError

logger = logging.getLogger(__name__)

Quantization = Literal["none", "int8"]
QUANTIZATIONS: tuple[Quantization, ...] = ("none", "int8")


def check_quantization(value: str) -> Quantization:
    """`value` if it names a quantization, else an InputError listing the choices."""
    if value not in QUANTIZATIONS:
        msg = f"quantization must be one of {QUANTIZATIONS}, got {value!r}"
        raise InputError(msg)
    return value  # type: ignore[return-value]


def plain_code_model(model: nn.Module, *, query_tower_only: bool) -> nn.Module:
    """A copy of `model` without PEFT wrappers that embeds code as `model` does (adapter merged, or dropped when
    only the question side is adapted). `model` itself is left untouched."""
    if not hasattr(model, "peft_config"):
        return copy.deepcopy(model)
    config = model.peft_config[model.active_adapter]
    if config.is_prompt_learning:
        msg = ("int8 needs an adapter that merges into the weights (lora, adalora, ia3); prompt tuning prepends "
               "virtual tokens: index with --quantize none")
        raise InputError(msg)
    duplicate = copy.deepcopy(model)
    return duplicate.unload() if query_tower_only else duplicate.merge_and_unload()


def attention_linears(model: nn.Module) -> list[str]:
    """Names of the `nn.Linear` modules inside attention blocks (BERT ``attention``, T5 ``SelfAttention``)."""
    return [name for name, module in model.named_modules() if isinstance(module, nn.Linear) and "attention" in name.lower()]


def quantize_int8(model: nn.Module, device: torch.device) -> nn.Module:
    """`model`, put in eval mode, with its attention projections dynamically quantized to int8 in place: pass a
    copy (`plain_code_model` makes one)."""
    if device.type != "cpu":
        msg = f"int8 dynamic quantization runs on CPU only, but the encoder is on {device}: pass --quantize none"
        raise InputError(msg)
    from torch.ao.nn.quantized.dynamic import Linear as QuantizedLinear
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    targets = attention_linears(model)
    if not targets:
        msg = f"int8: found no attention projections in {type(model).__name__} to quantize; index with --quantize none"
        raise InputError(msg)
    with warnings.catch_warnings():  # torch deprecates quantized tensors in favour of torchao; still supported
        warnings.simplefilter("ignore")
        quantized = quantize_dynamic(model.eval(), dict.fromkeys(targets, per_channel_dynamic_qconfig),
                                     dtype=torch.qint8, inplace=True)  # the copy is ours: no second deep copy
    logger.info("code side quantized to int8 (%d linear layers)",
                sum(isinstance(m, QuantizedLinear) for m in quantized.modules()))
    return quantized

"""Method name → trainable model: PEFT configs (LoRA, AdaLoRA, (IA)3, prompt tuning), `full` and `none`.

Target modules come from peft's own per-architecture tables (T5 ``q,v`` / BERT ``query,value``; (IA)3 adds
the feed-forward output; AdaLoRA uses LoRA's targets); the native CodeT5+ model is looked up as ``t5``. Method-specific hooks live here:
AdaLoRA's orthogonal regulariser and ``update_and_allocate`` after each optimiser step. The prompt-tuning
token offset is read by the `Encoder` (``virtual_token_count``). Does not handle: the training loop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import torch
from peft import AdaLoraConfig, IA3Config, LoraConfig, PeftConfig, PromptTuningConfig, TaskType, get_peft_model
from peft.utils.constants import (
    TRANSFORMERS_MODELS_TO_IA3_FEEDFORWARD_MODULES_MAPPING,
    TRANSFORMERS_MODELS_TO_IA3_TARGET_MODULES_MAPPING,
    TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING,
)
from torch import nn
from transformers import PreTrainedTokenizerBase

from data.cli import InputError

logger = logging.getLogger(__name__)

Method = Literal["lora", "adalora", "ia3", "prompt", "full", "none"]
PEFT_METHODS = ("lora", "adalora", "ia3", "prompt")
METHODS = (*PEFT_METHODS, "full", "none")
# Architectures peft's tables do not know, mapped to the one they are built from.
ARCHITECTURE_ALIASES = {"codet5p_embedding": "t5"}
# Where our LoRA/AdaLoRA targets differ from peft's table (q,v): every attention projection of Gemma 3, whose
# single key/value head makes k and v small (EmbeddingGemma: 983k trainable parameters at r 8, 0.33%).
LORA_TARGETS = {"gemma3_text": ("q_proj", "k_proj", "v_proj", "o_proj")}
# AdaLoRA's singular values start at zero and its P, Q at N(0, 0.02): Adam moves each by about the learning rate a
# step, so at LoRA's 5e-4 its update after a ~100-step budget is far smaller than LoRA's (docs/RESULTS.md). Prompt
# tuning starts from real token embeddings (see `prompt_init_text`).
DEFAULT_LEARNING_RATES = {"lora": 5e-4, "adalora": 5e-3, "ia3": 5e-3, "prompt": 3e-3, "full": 3e-5}
DEFAULT_PROMPT_INIT_TEXT = "search python code"


@dataclass(frozen=True)
class MethodOptions:
    """Per-method hyperparameters (defaults follow common practice; the paper gives none)."""

    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.1
    adalora_init_r: int = 12  # starts above LoRA's rank and prunes to an average of target_r (CodeSearcher's 12 → 8)
    adalora_target_r: int = 8
    adalora_orth_reg_weight: float = 0.5
    num_virtual_tokens: int = 10
    # The virtual tokens start as this text's token embeddings (repeated), as Lester et al. (2021) found best;
    # empty: peft's random init, N(0, 1), far off the word embeddings' scale, so training first recovers from it.
    prompt_init_text: str = DEFAULT_PROMPT_INIT_TEXT
    target_modules: tuple[str, ...] | None = None  # None: peft's table for the architecture


def _table_key(model: nn.Module) -> str:
    model_type = getattr(model.config, "model_type", "")
    return ARCHITECTURE_ALIASES.get(model_type, model_type)


def _targets(model: nn.Module, table: dict[str, list[str]], options: MethodOptions, method: str) -> list[str] | None:
    """Modules to adapt: the user's, else None when peft knows the architecture, else our alias's entry."""
    if options.target_modules:
        return list(options.target_modules)
    model_type = getattr(model.config, "model_type", "")
    if method in ("lora", "adalora") and model_type in LORA_TARGETS:
        return list(LORA_TARGETS[model_type])
    if model_type in table:
        return None
    key = _table_key(model)
    if key not in table:
        msg = f"{method}: no default target modules for architecture {model_type!r}; pass --target_modules"
        raise InputError(msg)
    return list(table[key])


def build_peft_config(method: str, model: nn.Module, options: MethodOptions, total_steps: int) -> PeftConfig:
    """The peft config for one of ``PEFT_METHODS`` on this model.

    Args:
        total_steps: optimiser steps of the whole run (AdaLoRA schedules its rank budget over them).
    """
    task = TaskType.FEATURE_EXTRACTION
    if method == "lora":
        return LoraConfig(task_type=task, r=options.lora_r, lora_alpha=options.lora_alpha,
                          lora_dropout=options.lora_dropout,
                          target_modules=_targets(model, TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING,
                                                  options, method))
    if method == "adalora":
        if total_steps < 10:
            msg = f"adalora needs at least 10 optimiser steps to schedule its rank budget, got {total_steps}"
            raise InputError(msg)
        tinit, tfinal = max(1, total_steps // 10), max(1, total_steps // 5)
        return AdaLoraConfig(task_type=task, init_r=options.adalora_init_r, target_r=options.adalora_target_r,
                             lora_alpha=options.lora_alpha, lora_dropout=options.lora_dropout, tinit=tinit,
                             tfinal=tfinal, deltaT=max(1, total_steps // 50), total_step=total_steps,
                             orth_reg_weight=options.adalora_orth_reg_weight,
                             # LoRA's targets (q,v), not peft's AdaLoRA table (all six T5 projections: 1.8%)
                             target_modules=_targets(model, TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING,
                                                     options, method))
    if method == "ia3":
        targets = _targets(model, TRANSFORMERS_MODELS_TO_IA3_TARGET_MODULES_MAPPING, options, method)
        feedforward = None
        if targets is not None and not options.target_modules:
            feedforward = list(TRANSFORMERS_MODELS_TO_IA3_FEEDFORWARD_MODULES_MAPPING[_table_key(model)])
        elif targets is not None:
            feedforward = []
        return IA3Config(task_type=task, target_modules=targets, feedforward_modules=feedforward)
    if method == "prompt":
        return PromptTuningConfig(task_type=task, num_virtual_tokens=options.num_virtual_tokens)
    msg = f"unknown PEFT method {method!r}: choose from {PEFT_METHODS}"
    raise InputError(msg)


def make_trainable(model: nn.Module, method: str, options: MethodOptions, total_steps: int,
                   base_name: str, tokenizer: PreTrainedTokenizerBase | None = None) -> nn.Module:
    """Wrap/unfreeze `model` for `method`; `base_name` is recorded in the adapter config as its base.

    Args:
        tokenizer: the base's; prompt tuning needs it to start its virtual tokens from `options.prompt_init_text`.
    """
    if method not in METHODS:
        msg = f"unknown method {method!r}: choose from {METHODS}"
        raise InputError(msg)
    if method in ("full", "none"):
        for parameter in model.parameters():
            parameter.requires_grad_(method == "full")
        return model
    peft_model = get_peft_model(model, build_peft_config(method, model, options, total_steps))
    # peft records the weights' folder; we record the name the user loads the base by (e.g. `minilm`).
    peft_model.peft_config[peft_model.active_adapter].base_model_name_or_path = base_name
    if method == "prompt" and options.prompt_init_text:
        if tokenizer is None:
            msg = "prompt tuning from init text needs the base's tokenizer (or MethodOptions(prompt_init_text=''))"
            raise InputError(msg)
        init_prompt_from_text(peft_model, tokenizer, options.prompt_init_text)
    return peft_model


def init_prompt_from_text(model: nn.Module, tokenizer: PreTrainedTokenizerBase, text: str) -> None:
    """Set the virtual tokens to the word embeddings of `text`'s tokens, repeated to fill them (no special tokens)."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if not ids:
        msg = f"prompt init text {text!r} has no tokens"
        raise InputError(msg)
    table = model.prompt_encoder[model.active_adapter].embedding.weight  # (virtual tokens, hidden)
    repeated = (ids * (table.shape[0] // len(ids) + 1))[: table.shape[0]]
    words = model.word_embeddings.weight  # peft keeps the base's word embeddings here for prompt learning
    with torch.no_grad():
        table.copy_(words[torch.tensor(repeated, dtype=torch.long, device=words.device)].to(table.dtype))


def count_parameters(model: nn.Module) -> dict[str, float]:
    """Trainable and total parameter counts (each tensor once) and the trainable percentage."""
    seen: set[int] = set()
    trainable = total = 0
    for parameter in model.parameters():
        if id(parameter) in seen:
            continue
        seen.add(id(parameter))
        total += parameter.numel()
        trainable += parameter.numel() if parameter.requires_grad else 0
    return {"trainable": trainable, "total": total, "trainable_percent": 100.0 * trainable / max(total, 1)}


def extra_loss(model: nn.Module, method: str) -> torch.Tensor | None:
    """AdaLoRA's orthogonal regulariser on P and Q (peft adds it only to a model-computed loss)."""
    if method != "adalora":
        return None
    weight = model.peft_config[model.active_adapter].orth_reg_weight
    terms = []
    for name, parameter in model.named_parameters():
        if ("lora_A" in name or "lora_B" in name) and parameter.requires_grad:
            cov = parameter @ parameter.T if "lora_A" in name else parameter.T @ parameter
            terms.append(torch.linalg.matrix_norm(cov - torch.eye(*cov.shape, device=cov.device), ord="fro"))
    return weight * torch.stack(terms).mean() if terms else None


def after_optimizer_step(model: nn.Module, method: str, step: int) -> None:
    """AdaLoRA re-allocates ranks after every optimiser step (before gradients are cleared)."""
    if method == "adalora":
        model.base_model.update_and_allocate(step)


def finish_training(model: nn.Module, method: str, total_steps: int) -> None:
    """AdaLoRA masks the ranks it pruned once training ends."""
    if method == "adalora":
        model.base_model.update_and_allocate(total_steps)


def method_state(model: nn.Module, method: str) -> dict:
    """State a method keeps outside its parameters, for checkpoints (AdaLoRA's importance scores, rank pattern)."""
    if method != "adalora":
        return {}
    allocator = model.base_model.rankallocator
    return {"ipt": allocator.ipt, "exp_avg_ipt": allocator.exp_avg_ipt, "exp_avg_unc": allocator.exp_avg_unc,
            "rank_pattern": model.peft_config[model.active_adapter].rank_pattern}


def restore_method_state(model: nn.Module, method: str, state: dict) -> None:
    """Put back what `method_state` saved."""
    if method != "adalora" or not state:
        return
    allocator = model.base_model.rankallocator
    allocator.ipt, allocator.exp_avg_ipt, allocator.exp_avg_unc = state["ipt"], state["exp_avg_ipt"], state["exp_avg_unc"]
    model.peft_config[model.active_adapter].rank_pattern = state["rank_pattern"]

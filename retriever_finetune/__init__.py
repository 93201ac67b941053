"""The retriever: encoders (CodeT5+ native, any HF encoder, offline MiniLM) and their contrastive PEFT training.

The names below load on first use, so that importing a light submodule (`spec`, `precision_choice`: what a
command checks before anything loads) does not import torch."""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {"Encoder": "retriever_finetune.encoder", "ENCODERS": "retriever_finetune.models",
         "load_encoder": "retriever_finetune.models"}
__all__ = ["ENCODERS", "Encoder", "load_encoder"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)

"""The `--precision` choice, checked without importing torch (so a command refuses a bad one at once); what each
choice does is `retriever_finetune.precision`'s."""

from __future__ import annotations

from typing import Literal

from data.cli import InputError

Precision = Literal["auto", "float32", "bf16"]
PRECISIONS: tuple[Precision, ...] = ("auto", "float32", "bf16")
HALF_PRECISIONS = ("fp16", "float16", "half", "16")  # refused by name, with the reason
HELP = ("auto: bf16 where the hardware has it natively and it measured faster (CPU with AMX or AVX512-BF16: "
        "encoding, reranking, batched prefill and decoding, training; GPU: everything), float32 elsewhere; float32: "
        "float32 everywhere; bf16: bf16 in every phase that has it (refused without native bf16)")


def check_precision(precision: str) -> Precision:
    """`precision` if it is one of `PRECISIONS`; raises `InputError` naming the choices otherwise."""
    if str(precision).lower() in HALF_PRECISIONS:
        msg = (f"--precision {precision}: float16 is not offered: Gemma 3 models (EmbeddingGemma, the generator) "
               "overflow to NaN in it; use --precision bf16 (same speed, float32's range) or auto")
        raise InputError(msg)
    if precision not in PRECISIONS:
        msg = f"unknown precision {precision!r}: use one of {', '.join(PRECISIONS)}"
        raise InputError(msg)
    return precision  # type: ignore[return-value]

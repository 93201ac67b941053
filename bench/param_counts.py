"""Trainable parameters of every method on all-MiniLM-L6-v2 and CodeT5+ 110M embedding (config only, no weights).

    python bench/param_counts.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from transformers import BertConfig, BertModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from retriever_finetune.codet5p import CODET5P_110M_EMBEDDING, CodeT5pEmbeddingConfig, CodeT5pEmbeddingModel  # noqa: E402
from retriever_finetune.peft_methods import MethodOptions, count_parameters, make_trainable  # noqa: E402

ARCHITECTURES = {
    "all-MiniLM-L6-v2": lambda: BertModel(BertConfig(vocab_size=30522, hidden_size=384, num_hidden_layers=6,
                                                     num_attention_heads=12, intermediate_size=1536)),
    "CodeT5+ 110M embedding": lambda: CodeT5pEmbeddingModel(CodeT5pEmbeddingConfig(**CODET5P_110M_EMBEDDING)),
}


def main() -> None:
    print("| base | method | trainable | total | trainable % |")  # noqa: T201
    print("|---|---|---:|---:|---:|")  # noqa: T201
    for name, build in ARCHITECTURES.items():
        for method in ("lora", "adalora", "ia3", "prompt", "full"):
            with torch.device("meta"):
                model = make_trainable(build(), method, MethodOptions(prompt_init_text=""), 100, name)  # counts only
            counts = count_parameters(model)
            print(f"| {name} | {method} | {counts['trainable']:,} | {counts['total']:,} | "  # noqa: T201
                  f"{counts['trainable_percent']:.4f} |")


if __name__ == "__main__":
    main()

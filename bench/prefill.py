"""Benchmark: prefill of the packaged Gemma in float32 and under bf16 autocast, for a batch and for one prompt.

    python bench/prefill.py [--repeats 3]

One forward pass over 20 sequences of 300 tokens (the reranker's and a batch's shape) and over one prompt of
1,200 tokens (a lone answer's prefill), each in float32 and under `torch.autocast("cpu", torch.bfloat16)`,
median seconds of `--repeats` runs after a warm-up, with the ratio float32 / bf16 measured in the same run.
The text is this interpreter's `json/decoder.py`. Basis of the `prefill` rows of `rag.generation.precision`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import sysconfig
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from rag.generation import load_generator  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    generator = load_generator("gemma")
    text = Path(sysconfig.get_paths()["stdlib"], "json", "decoder.py").read_text(encoding="utf-8")
    ids = generator.tokenizer(text, return_tensors="pt")["input_ids"]
    shapes = {"batch_20x300": ids[:, :300].repeat(20, 1), "one_prompt_1200": ids[:, :1200]}
    result: dict[str, dict[str, float]] = {}
    for name, batch in shapes.items():
        times = {}
        for precision, enabled in (("float32", False), ("bf16", True)):
            def forward(batch: torch.Tensor = batch, enabled: bool = enabled) -> None:
                with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=enabled):
                    generator.model(input_ids=batch, logits_to_keep=1)

            forward()
            runs = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                forward()
                runs.append(time.perf_counter() - start)
            times[f"{precision}_s"] = statistics.median(runs)
        times["ratio_float32_over_bf16"] = times["float32_s"] / times["bf16_s"]
        result[name] = times
    print(json.dumps(result, indent=2))  # noqa: T201


if __name__ == "__main__":
    main()

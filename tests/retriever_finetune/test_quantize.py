"""The opt-in int8 code side: close to float32, with the adapter merged (or dropped for a query-side adapter)."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from peft import LoraConfig, PromptTuningConfig, TaskType, get_peft_model
from torch.ao.nn.quantized.dynamic import Linear as QuantizedLinear
from transformers import BertModel

from data.cli import InputError
from retriever_finetune.models import load_encoder
from retriever_finetune.spec import TOWERS_FILE

CODES = ["def loads(s):\n    return decode(s)", "def open_file(p):\n    return open(p)", "def sort(xs):\n    xs.sort()",
         "def join(a, b):\n    return a + '/' + b", "def digest(b):\n    return sha256(b)",
         "def split(s):\n    return s.split(',')", "def serve(port):\n    listen(port)", "def iso(d):\n    return d.isoformat()"]


def _save_adapter(base_dir: Path, out: Path, config: object, *, towers: str = "both") -> Path:
    torch.manual_seed(1)
    model = get_peft_model(BertModel.from_pretrained(base_dir), config)
    model.peft_config["default"].base_model_name_or_path = str(base_dir)
    model.save_pretrained(out)
    if towers == "query":
        (out / TOWERS_FILE).write_text(json.dumps({"towers": "query"}))
    return out


def _lora(base_dir: Path, out: Path, towers: str = "both") -> Path:
    # init_lora_weights=False: B random too, so the adapter moves the embeddings from the first step
    config = LoraConfig(task_type=TaskType.FEATURE_EXTRACTION, r=4, lora_alpha=16, target_modules=["query", "value"],
                        init_lora_weights=False)
    return _save_adapter(base_dir, out, config, towers=towers)


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1)  # rows are unit vectors


def test_int8_code_side_is_close_to_float32_and_quantized(tiny_model_dir: Path) -> None:
    encoder = load_encoder(str(tiny_model_dir), device="cpu", max_code_length=32)
    reference = encoder.encode_code(CODES)
    encoder.quantize_code("int8")
    quantized_names = [n for n, m in encoder.code_model.named_modules() if isinstance(m, QuantizedLinear)]
    assert quantized_names and all("attention" in n.lower() for n in quantized_names)  # attention projections only
    assert not any(isinstance(m, QuantizedLinear) for m in encoder.model.modules()), "the question side stays float32"
    quantized = encoder.encode_code(CODES)
    assert not np.allclose(quantized, reference, atol=1e-6), "identical vectors: nothing was quantized"
    assert _cosines(quantized, reference).min() > 0.98
    np.testing.assert_allclose(np.linalg.norm(quantized, axis=1), 1.0, atol=1e-5)
    encoder.quantize_code("none")
    np.testing.assert_allclose(encoder.encode_code(CODES), reference, atol=1e-6)


def test_int8_merges_a_both_towers_adapter(tiny_bert_dir: Path, tmp_path: Path) -> None:
    adapter = _lora(tiny_bert_dir, tmp_path / "lora")
    adapted = load_encoder(str(tiny_bert_dir), adapter=adapter, device="cpu", max_code_length=32)
    frozen = load_encoder(str(tiny_bert_dir), device="cpu", max_code_length=32).encode_code(CODES)
    expected = adapted.encode_code(CODES)
    assert _cosines(expected, frozen).mean() < 0.95, "the test adapter must move the embeddings"
    adapted.quantize_code("int8")
    quantized = adapted.encode_code(CODES)
    assert _cosines(quantized, expected).min() > 0.98
    assert _cosines(quantized, expected).mean() > _cosines(quantized, frozen).mean() + 0.03
    np.testing.assert_allclose(adapted.encode(CODES, max_length=32), expected, atol=1e-6)  # the float32 model untouched
    queries = adapted.encode_queries(["parse json"])
    reloaded = load_encoder(str(tiny_bert_dir), adapter=adapter, device="cpu", max_code_length=32)
    np.testing.assert_allclose(queries, reloaded.encode_queries(["parse json"]), atol=1e-6)  # questions keep the adapter


def test_int8_with_a_query_side_adapter_quantizes_the_frozen_base(tiny_bert_dir: Path, tmp_path: Path) -> None:
    adapter = _lora(tiny_bert_dir, tmp_path / "lora-q", towers="query")
    encoder = load_encoder(str(tiny_bert_dir), adapter=adapter, device="cpu", max_code_length=32)
    assert encoder.towers == "query"
    frozen = load_encoder(str(tiny_bert_dir), device="cpu", max_code_length=32).encode_code(CODES)
    encoder.quantize_code("int8")
    assert _cosines(encoder.encode_code(CODES), frozen).min() > 0.98


def test_int8_refuses_prompt_tuning_and_unknown_names(tiny_bert_dir: Path, tmp_path: Path) -> None:
    adapter = _save_adapter(tiny_bert_dir, tmp_path / "prompt",
                            PromptTuningConfig(task_type=TaskType.FEATURE_EXTRACTION, num_virtual_tokens=3))
    encoder = load_encoder(str(tiny_bert_dir), adapter=adapter, device="cpu", max_code_length=32)
    with pytest.raises(InputError, match="prompt tuning"):
        encoder.quantize_code("int8")
    with pytest.raises(InputError, match="int4"):
        encoder.quantize_code("int4")

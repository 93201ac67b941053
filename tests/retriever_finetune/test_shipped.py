"""The retriever shipped inside the package: present, small, offline, offered by every CLI, honest about its base."""

import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from rag import ask, index
from retriever_finetune.models import load_encoder
from retriever_finetune.spec import DEFAULT_RETRIEVER, SHIPPED_RETRIEVERS, parse_retriever

SHIPPED = "minilm-questions"


def test_the_shipped_adapter_is_a_small_query_side_lora_on_minilm_with_its_card() -> None:
    folder = SHIPPED_RETRIEVERS[SHIPPED]
    adapter = folder / "adapter"
    config = json.loads((adapter / "adapter_config.json").read_text())
    assert config["peft_type"] == "LORA" and config["base_model_name_or_path"] == "minilm"
    assert json.loads((adapter / "towers.json").read_text()) == {"towers": "query"}
    assert (adapter / "adapter_model.safetensors").stat().st_size < 1_000_000
    card = (folder / "README.md").read_text()
    assert "Measured against the frozen base" in card and "CoSQA" in card
    metrics = json.loads((folder / "metrics.json").read_text())
    assert 0 < metrics["parameters"]["trainable_percent"] < 1


def test_the_shipped_retriever_loads_offline_and_moves_questions_only() -> None:
    spec = parse_retriever(SHIPPED)
    assert (spec.label, spec.base, spec.adapter) == (SHIPPED, "minilm", str(SHIPPED_RETRIEVERS[SHIPPED]))
    tuned = load_encoder(SHIPPED, device="cpu")
    frozen = load_encoder("minilm", device="cpu")
    code = ["def loads(s):\n    return JSONDecoder().decode(s)"]
    np.testing.assert_allclose(tuned.encode_code(code), frozen.encode_code(code), atol=1e-6)
    question = ["how to parse json"]
    assert not np.allclose(tuned.encode_queries(question), frozen.encode_queries(question), atol=1e-4)
    # the LoRA weights that moved the question are the shipped file's, not a fresh init (B starts at zero)
    weights = load_file(SHIPPED_RETRIEVERS[SHIPPED] / "adapter" / "adapter_model.safetensors")
    assert any(name.endswith("lora_B.weight") and torch.count_nonzero(w) > 0 for name, w in weights.items())


@pytest.mark.parametrize("cli", [ask, index])
def test_it_is_the_default_retriever_of_ask_and_index(cli, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    assert cli.main(["--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--retriever RETRIEVER" in text and f"last indexed this corpus with, else {DEFAULT_RETRIEVER}" in text

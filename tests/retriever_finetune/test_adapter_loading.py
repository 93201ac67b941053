"""An adapter folder loads on top of its base; one made for another base is refused with both names."""

from pathlib import Path

import numpy as np
import pytest
import torch
from peft import LoraConfig, get_peft_model

from data.cli import InputError
from retriever_finetune.models import canonical_name, load_backbone, load_encoder


def save_lora(base_dir: Path, out: Path) -> Path:
    backbone = load_backbone(str(base_dir))
    model = get_peft_model(backbone.model, LoraConfig(r=4, target_modules=["query", "value"], init_lora_weights=False))
    model.peft_config["default"].base_model_name_or_path = canonical_name(str(base_dir))
    model.save_pretrained(out)
    return out


def test_adapter_changes_vectors_and_reloads_identically(tiny_bert_dir: Path, tmp_path: Path) -> None:
    torch.manual_seed(0)
    adapter = save_lora(tiny_bert_dir, tmp_path / "adapter")
    plain = load_encoder(str(tiny_bert_dir), device="cpu").encode_code(["def f(): pass"])
    tuned = load_encoder(str(tiny_bert_dir), adapter=adapter, device="cpu").encode_code(["def f(): pass"])
    assert not np.allclose(plain, tuned)
    # a run folder (adapter/ inside) given alone brings its own base
    from_run = load_encoder(str(tmp_path), device="cpu").encode_code(["def f(): pass"])
    np.testing.assert_allclose(from_run, tuned, atol=1e-6)


def test_adapter_for_another_base_is_refused(tiny_bert_dir: Path, tmp_path: Path) -> None:
    adapter = save_lora(tiny_bert_dir, tmp_path / "adapter")
    with pytest.raises(InputError, match=r"was trained for .*tiny_bert.*, not 'minilm'; pass --base"):
        load_encoder("minilm", adapter=adapter)


def test_corrupt_adapter_is_named(tiny_bert_dir: Path, tmp_path: Path) -> None:
    adapter = save_lora(tiny_bert_dir, tmp_path / "adapter")
    (adapter / "adapter_model.safetensors").write_bytes(b"garbage")
    with pytest.raises(InputError, match="corrupt or incomplete"):
        load_encoder(str(tiny_bert_dir), adapter=adapter)
    (adapter / "adapter_config.json").write_text("{oops")
    with pytest.raises(InputError, match="is corrupt: adapter_config.json is not valid JSON"):
        load_encoder(str(tiny_bert_dir), adapter=adapter)

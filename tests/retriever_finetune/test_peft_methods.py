"""Each method on the tiny BERT and CodeT5+: what trains, how much, that it learns, and save/load."""

from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import BertConfig, BertModel

from retriever_finetune.codet5p import CODET5P_110M_EMBEDDING, CodeT5pEmbeddingConfig, CodeT5pEmbeddingModel
from retriever_finetune.encoder import Encoder
from retriever_finetune.loss import info_nce_loss
from retriever_finetune.models import load_backbone, load_encoder
from retriever_finetune.peft_methods import (
    DEFAULT_LEARNING_RATES,
    PEFT_METHODS,
    MethodOptions,
    after_optimizer_step,
    count_parameters,
    extra_loss,
    make_trainable,
)

TEXTS = ["parse a json document", "open a file for reading", "sort a list in place", "join paths together",
         "compute a sha256 digest", "split a string on commas", "start a tcp server", "format a date as iso"]
CODES = ["def loads(s): return decode(s)", "def open_file(p): return open(p)", "def sort(xs): xs.sort()",
         "def join(a, b): return a + '/' + b", "def digest(b): return sha256(b)", "def split(s): return s.split(',')",
         "def serve(port): listen(port)", "def iso(d): return d.isoformat()"]
TRAINABLE_METHODS = (*PEFT_METHODS, "full")


def build(model_dir: Path, method: str, total_steps: int = 20) -> tuple[Encoder, torch.nn.Module, dict]:
    torch.manual_seed(0)
    backbone = load_backbone(str(model_dir))
    snapshot = {id(p): p.detach().clone() for p in backbone.model.parameters()}
    model = make_trainable(backbone.model, method, MethodOptions(num_virtual_tokens=4), total_steps, backbone.name,
                           tokenizer=backbone.tokenizer)
    encoder = Encoder(model, backbone.tokenizer, backbone.pooling, projection=backbone.projection, device="cpu",
                      max_query_length=32, max_code_length=32, name=backbone.name)
    return encoder, model, snapshot


def train_steps(encoder: Encoder, model: torch.nn.Module, method: str, steps: int) -> list[float]:
    lr = DEFAULT_LEARNING_RATES[method] * (20 if method != "full" else 30)  # tiny random models need a push
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    texts = encoder.collate(encoder.tokenize(TEXTS, 32))
    codes = encoder.collate(encoder.tokenize(CODES, 32))
    model.eval()  # no dropout: the loss curve is deterministic, so a flat one shows nothing learns
    losses = []
    for step in range(steps):
        loss = info_nce_loss(encoder.embed(texts), encoder.embed(codes), temperature=0.1)
        regulariser = extra_loss(model, method)
        (loss if regulariser is None else loss + regulariser).backward()
        optimizer.step()
        after_optimizer_step(model, method, step)
        optimizer.zero_grad()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("method", TRAINABLE_METHODS)
def test_only_trainable_parameters_change(tiny_model_dir: Path, method: str) -> None:
    encoder, model, snapshot = build(tiny_model_dir, method)
    trainable_before = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
    train_steps(encoder, model, method, 1)
    changed = [n for n, p in model.named_parameters() if p.requires_grad and not torch.equal(p, trainable_before[n])]
    assert changed, "no trainable parameter moved"
    for parameter in model.parameters():
        if id(parameter) in snapshot and not parameter.requires_grad:
            assert torch.equal(parameter, snapshot[id(parameter)]), "a frozen base weight changed"
    if method != "full":
        assert all(id(p) not in snapshot for p in model.parameters() if p.requires_grad)


@pytest.mark.parametrize("method", TRAINABLE_METHODS)
def test_reported_trainable_count_equals_requires_grad(tiny_model_dir: Path, method: str) -> None:
    _, model, _ = build(tiny_model_dir, method)
    counts = count_parameters(model)
    assert counts["trainable"] == sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert counts["total"] == sum(p.numel() for p in model.parameters())
    assert counts["trainable_percent"] == pytest.approx(100 * counts["trainable"] / counts["total"])


@pytest.mark.parametrize("method", TRAINABLE_METHODS)
def test_loss_goes_down_on_a_fixed_batch(tiny_model_dir: Path, method: str) -> None:
    encoder, model, _ = build(tiny_model_dir, method)
    losses = train_steps(encoder, model, method, 20)
    assert losses[-1] < losses[0] - 0.05, losses


@pytest.mark.parametrize("method", TRAINABLE_METHODS)
def test_save_load_round_trip_gives_identical_embeddings(tiny_model_dir: Path, method: str, tmp_path: Path) -> None:
    encoder, model, _ = build(tiny_model_dir, method)
    train_steps(encoder, model, method, 12)
    expected = encoder.encode_code(CODES)
    if method == "full":
        model.save_pretrained(tmp_path)
        encoder.tokenizer.save_pretrained(tmp_path)
        reloaded = load_encoder(str(tmp_path), device="cpu", max_code_length=32)
    else:
        model.save_pretrained(tmp_path)
        assert (tmp_path / "adapter_config.json").is_file() and (tmp_path / "adapter_model.safetensors").is_file()
        reloaded = load_encoder(str(tiny_model_dir), adapter=tmp_path, device="cpu", max_code_length=32)
    np.testing.assert_allclose(reloaded.encode_code(CODES), expected, atol=1e-5)


def test_prompt_tuning_pools_the_text_not_the_virtual_tokens(tiny_codet5p_dir: Path) -> None:
    encoder, model, _ = build(tiny_codet5p_dir, "prompt")
    assert encoder.skip_tokens == 4
    first = encoder.encode_code(CODES[:2])
    assert not np.allclose(first[0], first[1]), "rows equal: pooled a virtual token shared by every input"


def _meta(model_type: str) -> torch.nn.Module:
    with torch.device("meta"):
        if model_type == "bert":  # all-MiniLM-L6-v2's shape
            return BertModel(BertConfig(vocab_size=30522, hidden_size=384, num_hidden_layers=6,
                                        num_attention_heads=12, intermediate_size=1536))
        return CodeT5pEmbeddingModel(CodeT5pEmbeddingConfig(**CODET5P_110M_EMBEDDING))


@pytest.mark.parametrize(("model_type", "method", "low", "high"), [
    ("bert", "lora", 0.2, 0.4), ("bert", "adalora", 0.3, 0.6), ("bert", "ia3", 0.01, 0.1),
    ("bert", "prompt", 0.01, 0.1), ("codet5p", "lora", 0.2, 0.4), ("codet5p", "adalora", 0.3, 0.6),
    ("codet5p", "ia3", 0.01, 0.1), ("codet5p", "prompt", 0.005, 0.1),
])
def test_real_architectures_train_well_under_one_percent(model_type: str, method: str, low: float, high: float) -> None:
    model = make_trainable(_meta(model_type), method, MethodOptions(prompt_init_text=""), 100, model_type)
    assert low <= count_parameters(model)["trainable_percent"] <= high


def test_prompt_tuning_starts_from_the_init_text_embeddings(tiny_bert_dir: Path) -> None:
    backbone = load_backbone(str(tiny_bert_dir))
    words = backbone.model.get_input_embeddings().weight.detach().clone()
    ids = backbone.tokenizer("search python code", add_special_tokens=False)["input_ids"]
    model = make_trainable(backbone.model, "prompt", MethodOptions(num_virtual_tokens=7, prompt_init_text="search python code"),
                           20, backbone.name, tokenizer=backbone.tokenizer)
    table = model.prompt_encoder["default"].embedding.weight.detach()
    expected = words[torch.tensor([ids[i % len(ids)] for i in range(7)])]  # the text's tokens, repeated
    torch.testing.assert_close(table, expected)
    with pytest.raises(Exception, match="tokenizer"):
        make_trainable(load_backbone(str(tiny_bert_dir)).model, "prompt", MethodOptions(), 20, "tiny")

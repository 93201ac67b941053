"""The encoder entry point: tiny CodeT5+ and BERT folders, the packaged MiniLM, and bad input."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from transformers import T5Config, T5EncoderModel

from data.cli import InputError
from retriever_finetune.codet5p import CodeT5pEmbeddingModel
from retriever_finetune.models import load_encoder

TEXTS = ["how to parse json", "def loads(s):\n    return decode(s)", "read a file line by line", "x"]


def test_tiny_codet5p_has_real_key_layout_and_config(tiny_codet5p_dir: Path) -> None:
    keys = set(load_file(tiny_codet5p_dir / "model.safetensors"))
    assert {"proj.weight", "proj.bias", "encoder.final_layer_norm.weight",
            "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
            "encoder.block.1.layer.1.DenseReluDense.wi.weight"} <= keys
    assert "shared.weight" in keys or "encoder.embed_tokens.weight" in keys
    config = json.loads((tiny_codet5p_dir / "config.json").read_text())
    assert config["model_type"] == "codet5p_embedding" and config["embed_dim"] == 16
    assert config["feed_forward_proj"] == "relu" and config["pad_token_id"] == 0 and config["eos_token_id"] == 2


def test_codet5p_shapes_normalised_and_round_trip(tiny_codet5p_dir: Path, tmp_path: Path) -> None:
    encoder = load_encoder(str(tiny_codet5p_dir), device="cpu")
    assert isinstance(encoder.model, CodeT5pEmbeddingModel) and encoder.pooling == "first"
    vectors = encoder.encode_code(TEXTS)
    assert vectors.shape == (4, 16) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # the reference: transformers' own T5EncoderModel on the same weights, its first token projected by hand
    weights = load_file(tiny_codet5p_dir / "model.safetensors")
    config = json.loads((tiny_codet5p_dir / "config.json").read_text())
    t5 = T5EncoderModel(T5Config(**{k: config[k] for k in ("vocab_size", "d_model", "d_ff", "d_kv", "num_layers",
                                                             "num_heads", "feed_forward_proj", "pad_token_id")}))
    t5.load_state_dict({k: v for k, v in weights.items() if not k.startswith("proj.")}, strict=False)
    t5.eval()
    batch = encoder.collate(encoder.tokenize(TEXTS, 256))
    with torch.inference_mode():
        first = t5(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state[:, 0]
        projected = torch.nn.functional.linear(first, weights["proj.weight"], weights["proj.bias"])
    expected = torch.nn.functional.normalize(projected, dim=-1).numpy()
    np.testing.assert_allclose(vectors, expected, atol=1e-5)
    encoder.model.save_pretrained(tmp_path)
    encoder.tokenizer.save_pretrained(tmp_path)
    np.testing.assert_array_equal(load_encoder(str(tmp_path), device="cpu").encode_code(TEXTS), vectors)


def test_codet5p_loads_a_pytorch_bin_with_both_tied_keys(tiny_codet5p_dir: Path, tmp_path: Path) -> None:
    """The real checkpoint ships pytorch_model.bin holding shared.weight and encoder.embed_tokens.weight."""
    reference = load_encoder(str(tiny_codet5p_dir), device="cpu")
    state = {k: v.clone() for k, v in reference.model.state_dict().items()}
    assert "encoder.embed_tokens.weight" in state and "shared.weight" in state
    torch.save(state, tmp_path / "pytorch_model.bin")
    (tmp_path / "config.json").write_text((tiny_codet5p_dir / "config.json").read_text())
    reference.tokenizer.save_pretrained(tmp_path)
    np.testing.assert_allclose(load_encoder(str(tmp_path), device="cpu").encode_queries(TEXTS),
                               reference.encode_queries(TEXTS), atol=1e-6)


def test_batching_and_order_do_not_change_vectors(tiny_model_dir: Path) -> None:
    encoder = load_encoder(str(tiny_model_dir), device="cpu")
    whole = encoder.encode_code(TEXTS, batch_size=4)
    one_by_one = np.vstack([encoder.encode_code([t], batch_size=1) for t in TEXTS])
    np.testing.assert_allclose(whole, one_by_one, atol=1e-5)


def test_truncation_limit_is_applied(tiny_bert_dir: Path) -> None:
    encoder = load_encoder(str(tiny_bert_dir), device="cpu", max_query_length=8)
    long_text = "word " * 500
    assert len(encoder.tokenize([long_text], encoder.max_query_length)[0]) == 8
    assert encoder.encode_queries([long_text]).shape == (1, 32)


@pytest.mark.parametrize(("texts", "message"), [
    ([], "empty"),
    (["ok", 3], "item 1 is int"),
    ("a bare string", "wrap it in a list"),
])
def test_bad_texts(tiny_bert_dir: Path, texts: object, message: str) -> None:
    encoder = load_encoder(str(tiny_bert_dir), device="cpu")
    with pytest.raises(InputError, match=message):
        encoder.encode_queries(texts)  # type: ignore[arg-type]


def test_unknown_name_and_non_model_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"retriever 'no-such-model' has no run behind it"):
        load_encoder("no-such-model")
    with pytest.raises(InputError, match="holds neither a training run .* nor a model"):
        load_encoder(str(tmp_path))
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(InputError, match="could not load encoder from folder"):
        load_encoder(str(tmp_path))


def test_unreachable_hub_id_is_an_input_error() -> None:
    with pytest.raises(InputError, match="could not load encoder from Hub id 'nobody/nothing'"):
        load_encoder("nobody/nothing")


@pytest.mark.e2e
def test_minilm_matches_sentence_transformers(minilm_dir: Path) -> None:
    from sentence_transformers import SentenceTransformer

    ours = load_encoder("minilm", device="cpu").encode_code(TEXTS)
    theirs = SentenceTransformer(str(minilm_dir), device="cpu").encode(TEXTS, normalize_embeddings=True)
    assert (ours * theirs).sum(axis=1).min() > 0.9999

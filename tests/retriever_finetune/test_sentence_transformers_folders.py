"""Sentence-transformers folders load as their authors meant: Dense layers, Normalize, pooling mode and prompts.

The reference is sentence-transformers' own `encode` on the same tiny random folders (one BERT, one Gemma 3 with
bidirectional attention, as EmbeddingGemma is built), never our own output.
"""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from sentence_transformers import SentenceTransformer

from data.cli import InputError
from retriever_finetune import models as registry
from retriever_finetune.models import load_backbone, load_encoder
from retriever_finetune.precision_choice import check_precision
from tests.conftest import PROMPTS, save_st_folder

QUERIES = ["how to parse json", "read a csv file into dictionaries", "download a file from a url"]
CODES = ["def loads(s):\n    return decode(s)", "def add(a, b):\n    return a + b",
         "class Reader:\n    def rows(self):\n        yield from self.lines"]


def _reference(folder: Path) -> SentenceTransformer:
    model = SentenceTransformer(str(folder), device="cpu")
    model.max_seq_length = 64
    return model


def _cosines(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    return (ours * theirs).sum(axis=1) / np.linalg.norm(theirs, axis=1)


@pytest.mark.parametrize(("folder_fixture", "query_prompt"), [("st_bert_dir", "query"),
                                                              ("st_gemma_dir", "InstructionRetrieval")])
def test_st_folder_encodes_as_sentence_transformers_does(folder_fixture: str, query_prompt: str,
                                                         request: pytest.FixtureRequest) -> None:
    folder = request.getfixturevalue(folder_fixture)
    encoder = load_encoder(str(folder), device="cpu", max_query_length=64, max_code_length=64)
    reference = _reference(folder)
    assert encoder.dimension == 16  # the second Dense layer's size, not the transformer's 32
    queries = reference.encode(QUERIES, prompt_name=query_prompt)
    codes = reference.encode(CODES, prompt_name="document")
    assert _cosines(encoder.encode_queries(QUERIES), queries).min() >= 0.999
    assert _cosines(encoder.encode_code(CODES), codes).min() >= 0.999
    # the reference tells a query without its prompt apart, so the check above can fail on a dropped prompt
    assert _cosines(reference.encode(QUERIES), queries).min() < 0.999


def test_prompt_tokens_count_inside_the_max_length(st_bert_dir: Path) -> None:
    long_text = "parse the json document and return the python object it holds " * 8
    encoder = load_encoder(str(st_bert_dir), device="cpu", max_query_length=12)
    reference = _reference(st_bert_dir)
    reference.max_seq_length = 12
    assert len(encoder.tokenize_queries([long_text])[0]) == 12
    expected = reference.encode([long_text], prompt_name="query")
    assert _cosines(encoder.encode_queries([long_text]), expected).min() >= 0.999


def test_cls_pooling_folder_matches(tmp_path: Path, tiny_bert_dir: Path) -> None:
    folder = save_st_folder(tiny_bert_dir, tmp_path / "cls", 32, "cls")
    encoder = load_encoder(str(folder), device="cpu", max_code_length=64)
    assert encoder.pooling == "cls"
    assert _cosines(encoder.encode_code(CODES), _reference(folder).encode(CODES, prompt_name="document")).min() >= 0.999


def test_matryoshka_dim_truncates_then_renormalises(st_bert_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.MATRYOSHKA_DIMS, "bert", (8,))
    encoder = load_encoder(str(st_bert_dir), device="cpu", max_code_length=64, dim=8)
    reference = SentenceTransformer(str(st_bert_dir), device="cpu", truncate_dim=8)
    reference.max_seq_length = 64
    vectors = encoder.encode_code(CODES)
    assert vectors.shape == (3, 8) and encoder.dimension == 8
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert _cosines(vectors, reference.encode(CODES, prompt_name="document")).min() >= 0.999


def test_dim_the_model_was_not_trained_for_is_refused(st_bert_dir: Path, st_gemma_dir: Path) -> None:
    with pytest.raises(InputError, match="not trained for truncated vectors"):
        load_encoder(str(st_bert_dir), dim=8)
    with pytest.raises(InputError, match=r"--dim 100: .* 768, 512, 256, 128"):
        load_encoder(str(st_gemma_dir), dim=100)


def test_the_dense_head_stays_out_of_training(st_gemma_dir: Path) -> None:
    from retriever_finetune.peft_methods import MethodOptions, count_parameters, make_trainable

    backbone = load_backbone(str(st_gemma_dir))
    model = make_trainable(backbone.model, "lora", MethodOptions(), 10, backbone.name, tokenizer=backbone.tokenizer)
    adapted = {name.split(".")[-4] for name, p in model.named_parameters() if p.requires_grad}
    assert adapted == {"q_proj", "k_proj", "v_proj", "o_proj"}
    assert not any(p.requires_grad for p in backbone.projection.parameters())
    assert 0 < count_parameters(model)["trainable_percent"] < 100


def _edit_json(path: Path, change) -> None:  # noqa: ANN001
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_unknown_module_type_is_one_line(st_bert_dir: Path, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(st_bert_dir, tmp_path / "odd"))
    _edit_json(folder / "modules.json", lambda m: m.insert(2, {"idx": 2, "name": "x", "path": "x",
                                                                "type": "sentence_transformers.models.LSTM"}))
    with pytest.raises(InputError, match="LSTM.*Transformer, Pooling, Dense and Normalize") as caught:
        load_encoder(str(folder))
    assert "\n" not in str(caught.value)


def test_dense_layer_that_does_not_fit_is_one_line(st_bert_dir: Path, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(st_bert_dir, tmp_path / "misfit"))
    dense = next(m["path"] for m in json.loads((folder / "modules.json").read_text()) if m["type"].endswith("Dense"))
    _edit_json(folder / dense / "config.json", lambda c: c.update(in_features=31))
    with pytest.raises(InputError, match="takes 31 features but the module before it gives 32"):
        load_encoder(str(folder))
    _edit_json(folder / dense / "config.json", lambda c: c.update(in_features=32, out_features=20))
    with pytest.raises(InputError, match="holds weights of shapes"):
        load_encoder(str(folder))


@pytest.mark.parametrize("value", ["fp16", "float16", "half"])
def test_float16_is_refused_with_the_reason(value: str) -> None:
    with pytest.raises(InputError, match="NaN.*bf16"):
        check_precision(value)


@pytest.mark.parametrize("method", ["lora", "adalora", "ia3", "prompt"])
def test_each_peft_method_trains_on_gemma3_and_records_its_base(method: str, st_gemma_dir: Path, tmp_path: Path) -> None:
    from data.records import Record, write_jsonl
    from retriever_finetune import train
    from retriever_finetune.spec import adapter_base

    rows = [Record(repo="r", path=f"m{i}.py", func_name=f"f{i}", language="python",
                   code=f"def handle_{i}(x):\n    return x + {i}", docstring=f"Handle input number {i}.") for i in range(40)]
    write_jsonl(rows, tmp_path / "train.jsonl")
    out = tmp_path / method
    train.run(train.TrainConfig(train=[str(tmp_path / "train.jsonl")], out=str(out), base=str(st_gemma_dir),
                                method=method, batch_size=8, epochs=2, max_query_length=32, max_code_length=32,
                                learning_rate=0.05, precision="float32"))
    assert adapter_base(out) == str(st_gemma_dir.resolve())
    tuned = load_encoder(str(out), device="cpu", max_query_length=32, precision="float32")
    frozen = load_encoder(str(st_gemma_dir), device="cpu", max_query_length=32, precision="float32")
    assert tuned.prompts == frozen.prompts and tuned.prompts.query == PROMPTS["InstructionRetrieval"]
    assert tuned.dimension == 16  # through the frozen Dense head
    moved = _cosines(tuned.encode_queries(QUERIES), frozen.encode_queries(QUERIES))
    assert moved.min() < 0.99999  # the adapter is applied


@pytest.mark.parametrize("options", [["--dim", "100"], ["--precision", "fp16"]])
def test_bad_options_are_one_line_and_exit_2(options: list[str], st_gemma_dir: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from rag import index as index_cli

    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "m.py").write_text("def f(x):\n    return x\n")
    code = index_cli.main([str(tmp_path / "corpus"), "--retriever", str(st_gemma_dir), "--persist",
                           str(tmp_path / "chroma"), "--quiet", *options])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and err.startswith("error: ")


def test_embeddinggemma_offline_names_every_way_in() -> None:
    """Offline (the tests run with HF_HUB_OFFLINE=1), the gated Hub model's error says why and what to do."""
    from data.cli import InputError
    from retriever_finetune.models import load_encoder

    with pytest.raises(InputError) as raised:
        load_encoder("embeddinggemma")
    message = str(raised.value)
    assert message.startswith("could not load encoder from Hub id 'google/embeddinggemma-300m'")
    assert "HF_HUB_OFFLINE is set" in message
    assert "https://huggingface.co/google/embeddinggemma-300m" in message and "`hf auth login`" in message
    assert "pass a local folder" in message and "\n" not in message

"""Precision per phase: hardware detection (simulated), the policy `auto` picks, refusals, and bf16 vectors
close to float32 where the CPU has native bf16."""

from pathlib import Path

import numpy as np
import pytest
import torch

from data.cli import InputError
from rag import index as index_cli
from rag.generation.precision import resolve_generation_precision
from retriever_finetune import precision
from retriever_finetune.models import load_encoder
from retriever_finetune.precision import resolve_precision

TEXTS = ["def add(a, b):\n    return a + b", "how to parse json", "class Stack:\n    def push(self, x): ..."]


REAL_HAS_NATIVE_BF16 = precision.has_native_bf16  # before conftest pins unit tests to float32


@pytest.fixture
def cpu_without_bf16(monkeypatch: pytest.MonkeyPatch) -> None:
    """A CPU with AVX512 but neither AMX nor AVX512-BF16, as torch and /proc/cpuinfo would report it."""
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False, raising=False)
    monkeypatch.setattr(precision, "_cpu_flags", lambda: frozenset({"avx512f", "avx512bw", "fma"}))
    monkeypatch.setattr(precision, "has_native_bf16", REAL_HAS_NATIVE_BF16)


@pytest.mark.usefixtures("cpu_without_bf16")
def test_a_cpu_without_native_bf16_stays_float32() -> None:
    assert not precision.cpu_has_native_bf16()
    policy = resolve_precision("auto", "cpu")
    assert policy.bf16_phases == frozenset()
    assert all(policy.dtype(phase) == torch.float32 for phase in ("encode", "encode_one", "rerank", "prefill",
                                                                   "decode", "decode_batch", "train"))
    with pytest.raises(InputError, match="no native bf16.*use --precision auto or float32"):
        resolve_precision("bf16", "cpu")


def test_the_flags_alone_detect_amx_or_avx512_bf16(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(torch.cpu, "_is_amx_tile_supported", raising=False)
    monkeypatch.delattr(torch.cpu, "_is_avx512_bf16_supported", raising=False)
    for flags, native in (({"avx512f"}, False), ({"avx512f", "amx_bf16"}, True), ({"avx512_bf16"}, True), (set(), False)):
        monkeypatch.setattr(precision, "_cpu_flags", lambda flags=flags: frozenset(flags))
        assert precision.cpu_has_native_bf16() is native, flags


def test_auto_on_a_bf16_cpu_keeps_one_text_and_one_answers_decoding_in_float32(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(precision, "has_native_bf16", lambda device: True)
    policy = resolve_precision("auto", "cpu")  # the encoder's phases
    # one text alone and one answer's decoding: slower in bf16; batches and many answers decoded together: faster
    assert policy.bf16_phases == {"encode", "train"}
    assert policy.dtype("encode_one") == torch.float32 and policy.dtype("encode") == torch.bfloat16
    generation = resolve_generation_precision("auto", "cpu")
    assert generation.bf16_phases == {"rerank", "prefill", "decode_batch"}
    assert generation.dtype("decode") == torch.float32 and generation.dtype("prefill") == torch.bfloat16
    assert resolve_precision("bf16", "cpu").bf16_phases == {"encode", "encode_one", "train"}
    assert resolve_generation_precision("bf16", "cpu").bf16_phases == {"rerank", "prefill", "decode", "decode_batch"}
    assert resolve_precision("float32", "cpu").bf16_phases == frozenset()
    assert resolve_generation_precision("float32", "cpu").bf16_phases == frozenset()
    on_gpu = resolve_generation_precision("auto", "cuda")
    assert on_gpu.device_type == "cuda" and on_gpu.bf16_phases == {"rerank", "prefill", "decode", "decode_batch"}
    with policy.autocast("encode"):
        assert torch.is_autocast_enabled("cpu") and torch.get_autocast_dtype("cpu") == torch.bfloat16
    with torch.autocast("cpu", dtype=torch.bfloat16), generation.autocast("decode"):
        assert not torch.is_autocast_enabled("cpu")  # an enclosing autocast does not leak into a float32 phase


def test_a_gpu_without_bf16_and_an_unknown_precision_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(precision, "has_native_bf16", REAL_HAS_NATIVE_BF16)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert resolve_precision("auto", "cuda").bf16_phases == frozenset()
    with pytest.raises(InputError, match="this GPU has no native bf16"):
        resolve_precision("bf16", "cuda")
    with pytest.raises(InputError, match="unknown precision 'fp8'"):
        resolve_precision("fp8", "cpu")


@pytest.mark.usefixtures("cpu_without_bf16")
def test_index_cli_refuses_bf16_without_it_in_one_line(tmp_path: Path, tiny_bert_dir: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "m.py").write_text('def f():\n    """Add."""\n    return 1\n')
    code = index_cli.main([str(tmp_path / "src"), "--retriever", str(tiny_bert_dir), "--persist",
                           str(tmp_path / "chroma"), "--precision", "bf16", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: --precision bf16: this CPU (it has neither AMX nor AVX512-BF16) has no native bf16")
    assert err.count("\n") == 1


@pytest.mark.parametrize("model_fixture", ["tiny_bert_dir", "tiny_codet5p_dir"])
def test_bf16_vectors_are_close_to_float32(model_fixture: str, request: pytest.FixtureRequest,
                                           native_precision: bool) -> None:
    if not native_precision:
        pytest.skip("this CPU has no native bf16 (AMX or AVX512-BF16)")
    folder = request.getfixturevalue(model_fixture)
    float32 = load_encoder(str(folder), device="cpu", precision="float32")
    bf16 = load_encoder(str(folder), device="cpu", precision="bf16")
    assert bf16.precision.uses_bf16("encode") and not float32.precision.bf16_phases
    for encode in ("encode_code", "encode_queries"):
        a, b = getattr(float32, encode)(TEXTS), getattr(bf16, encode)(TEXTS)
        assert b.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)  # normalised in float32
        cosine = (a * b).sum(axis=1)
        assert cosine.min() > 0.995, cosine
        assert not np.array_equal(a, b)  # bf16 really ran: the vectors are not float32's bit for bit
    # with auto, one text alone (a question being asked) runs in float32 on a CPU: faster there than bf16 autocast
    auto = load_encoder(str(folder), device="cpu", precision="auto")
    np.testing.assert_array_equal(auto.encode_queries(TEXTS[:1]), float32.encode_queries(TEXTS[:1]))
    assert not np.array_equal(auto.encode_queries(TEXTS[:2]), float32.encode_queries(TEXTS[:2]))


def test_bf16_batches_run_on_a_bf16_copy_that_follows_the_weights(tiny_bert_dir: Path, native_precision: bool) -> None:
    if not native_precision:
        pytest.skip("this CPU has no native bf16 (AMX or AVX512-BF16)")
    float32 = load_encoder(str(tiny_bert_dir), device="cpu", precision="float32")
    bf16 = load_encoder(str(tiny_bert_dir), device="cpu", precision="bf16")
    before = bf16.encode_code(TEXTS)
    copy = bf16.bf16_model()
    assert next(copy.parameters()).dtype == torch.bfloat16
    assert next(bf16.model.parameters()).dtype == torch.float32  # the model itself (trained, streamed) is untouched
    assert bf16.bf16_model() is copy  # made once while the weights stay
    # a training step changes the weights in place: the next batch must see them (the copy is made again)
    with torch.no_grad():
        for encoder in (float32, bf16):
            for parameter in encoder.model.parameters():
                parameter.mul_(-1.5)
    after, reference = bf16.encode_code(TEXTS), float32.encode_code(TEXTS)
    assert (after * before).sum(axis=1).min() < 0.99, "the stale copy encoded the changed model"
    assert (after * reference).sum(axis=1).min() > 0.995


def test_bf16_code_side_of_a_question_side_adapter_is_the_frozen_base(tiny_bert_dir: Path, tmp_path: Path,
                                                                       native_precision: bool) -> None:
    if not native_precision:
        pytest.skip("this CPU has no native bf16 (AMX or AVX512-BF16)")
    from peft import LoraConfig, TaskType, get_peft_model
    from transformers import AutoModel

    from retriever_finetune.spec import TOWERS_FILE

    torch.manual_seed(1)
    config = LoraConfig(task_type=TaskType.FEATURE_EXTRACTION, r=4, lora_alpha=16, target_modules=["query", "value"],
                        init_lora_weights=False)
    adapter = tmp_path / "lora-q"
    model = get_peft_model(AutoModel.from_pretrained(tiny_bert_dir), config)
    model.peft_config["default"].base_model_name_or_path = str(tiny_bert_dir)
    model.save_pretrained(adapter)
    (adapter / TOWERS_FILE).write_text('{"towers": "query"}')
    base = load_encoder(str(tiny_bert_dir), device="cpu", precision="float32")
    tuned = load_encoder(str(tiny_bert_dir), adapter=str(adapter), device="cpu", precision="bf16")
    assert tuned.towers == "query"
    code, questions = tuned.encode_code(TEXTS), tuned.encode_queries(TEXTS)
    assert (code * base.encode_code(TEXTS)).sum(axis=1).min() > 0.995  # adapter off for code
    assert (questions * base.encode_queries(TEXTS)).sum(axis=1).min() < 0.99  # and on for questions

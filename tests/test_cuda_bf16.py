"""bf16 on a CUDA GPU against float32, numerically: the encoder's vectors (a batch and one text alone), the
reranker's scores (its bf16 copy of the weights) and a batch's prefill logits. On a GPU `--precision auto` runs
every phase in bf16 (`retriever_finetune.precision`, `rag.generation.precision`), so these are the paths a GPU
user gets. Skipped without a CUDA GPU (the device tool's machine runs them); the CPU's bf16 paths are checked in
tests/retriever_finetune/test_precision.py."""

from pathlib import Path

import numpy as np
import pytest
import torch

from rag.generation import load_generator
from rag.generation.batched import _Rows
from rag.generation.generators import GeneratorOptions
from rag.rerank import QueryLikelihoodReranker
from rag.store import Source
from retriever_finetune.models import load_encoder
from retriever_finetune.precision import FLOAT32

pytestmark = [pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (the device tool's machine)"),
              pytest.mark.usefixtures("native_precision")]  # the real hardware, not the unit tests' float32 pin

TEXTS = ["def add(a, b):\n    return a + b", "how to parse json", "class Stack:\n    def push(self, x): ..."]
SOURCES = [Source(id=n, repo="r", path="m.py", func_name=n, language="python", start_line=1, url="", code=code,
                  docstring=doc, score=0.5)
           for n, code, doc in [("short", "return 1", ""), ("parse", "def parse(text):\n    return decode(text)", "Parse."),
                                ("read", "def read(path):\n    return open(path).read()", "Read a file.")]]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


@pytest.mark.parametrize("model_fixture", ["tiny_bert_dir", "tiny_codet5p_dir"])
def test_encoder_vectors_in_bf16_on_cuda_match_float32(model_fixture: str, request: pytest.FixtureRequest,
                                                       ) -> None:
    folder = request.getfixturevalue(model_fixture)
    on_cpu = load_encoder(str(folder), device="cpu", precision="float32")  # the reference: float32 on the CPU
    float32 = load_encoder(str(folder), device="cuda", precision="float32")
    auto = load_encoder(str(folder), device="cuda", precision="auto")
    assert auto.precision.uses_bf16("encode") and auto.precision.uses_bf16("encode_one")
    for encode in ("encode_code", "encode_queries"):
        reference = getattr(on_cpu, encode)(TEXTS)
        np.testing.assert_allclose(getattr(float32, encode)(TEXTS), reference, atol=1e-4)
        for texts in (TEXTS, TEXTS[:1]):  # a batch (`encode`) and one text alone (`encode_one`)
            got = getattr(auto, encode)(texts)
            assert got.dtype == np.float32
            np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)  # normalised in float32
            assert cosines(got, reference[: len(texts)]).min() > 0.995
            assert not np.array_equal(got, reference[: len(texts)])  # bf16 really ran


def test_reranker_scores_in_bf16_on_cuda_match_float32(tiny_gpt2_dir: Path) -> None:
    scores = {}
    for precision in ("float32", "auto"):
        generator = load_generator(f"hf:{tiny_gpt2_dir}", GeneratorOptions(device="cuda", precision=precision))
        assert generator.precision.uses_bf16("rerank") == (precision == "auto")
        scores[precision] = np.array(QueryLikelihoodReranker(generator).score("read a file", SOURCES))
    on_cpu = load_generator(f"hf:{tiny_gpt2_dir}", GeneratorOptions(device="cpu", precision="float32"))
    np.testing.assert_allclose(scores["float32"], QueryLikelihoodReranker(on_cpu).score("read a file", SOURCES),
                               atol=1e-4)
    np.testing.assert_allclose(scores["auto"], scores["float32"], atol=0.05)  # mean log-probabilities
    assert not np.array_equal(scores["auto"], scores["float32"])


def test_batched_prefill_logits_in_bf16_on_cuda_match_float32(tiny_gpt2_dir: Path) -> None:
    generator = load_generator(f"hf:{tiny_gpt2_dir}", GeneratorOptions(device="cuda", precision="auto"))
    assert generator.precision.uses_bf16("decode_batch") and generator.precision.uses_bf16("prefill")
    prompts = [generator.tokenizer(t)["input_ids"] for t in ("def parse(text):", "Read a file line by line and")]
    logits = {}
    for name, model, policy in (("float32", generator.model, FLOAT32), ("bf16", generator.batch_model(), generator.precision)):
        rows = _Rows(model, policy, 0, torch.device("cuda"))
        with torch.inference_mode():
            rows.admit([0, 1], prompts)
        logits[name] = rows.logits.cpu().numpy()
    assert generator.batch_model() is not generator.model  # the bf16 copy
    assert cosines(logits["bf16"], logits["float32"]).min() > 0.999
    assert not np.array_equal(logits["bf16"], logits["float32"])

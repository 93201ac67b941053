"""Shared fixtures: tiny random BERT, CodeT5+ and GPT-2 checkpoints (seconds to build), offline by default."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ["CODESEARCH_SERVER"] = "none"  # `python -m rag.ask` in a test answers in its own process (no warm server
# left behind); tests/rag/test_warm_server.py turns it back on for its processes

import logging  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from transformers import (  # noqa: E402
    AutoTokenizer,
    BertConfig,
    BertModel,
    Gemma3TextConfig,
    Gemma3TextModel,
    GPT2Config,
    GPT2LMHeadModel,
)

from retriever_finetune import precision  # noqa: E402
from retriever_finetune.codet5p import CodeT5pEmbeddingConfig, CodeT5pEmbeddingModel  # noqa: E402
from retriever_finetune.models import ENCODERS  # noqa: E402

logging.getLogger("transformers").setLevel(logging.ERROR)


@pytest.fixture(autouse=True)
def _float32_hardware(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests compare with float32 references to 1e-5, so they run as on a CPU without native bf16 (`auto`
    is then float32). The e2e tests, and tests that ask for the `native_precision` fixture, see the real
    hardware; bf16 is checked against float32 in tests/retriever_finetune/test_precision.py."""
    if request.node.get_closest_marker("e2e") is None and "native_precision" not in request.fixturenames:
        monkeypatch.setattr(precision, "has_native_bf16", lambda device: False)


@pytest.fixture
def native_precision() -> bool:
    """The real hardware's bf16 support (a test that asks for this fixture is not pinned to float32)."""
    return precision.cpu_has_native_bf16()


@pytest.fixture(scope="session")
def minilm_dir() -> Path:
    """The packaged all-MiniLM-L6-v2 folder (real, offline)."""
    return Path(ENCODERS["minilm"].location())


@pytest.fixture(scope="session")
def tokenizer(minilm_dir: Path):
    """The real MiniLM WordPiece tokenizer, shared by the tiny models."""
    return AutoTokenizer.from_pretrained(minilm_dir)


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory: pytest.TempPathFactory, tokenizer) -> Path:
    """A 2-layer random BERT folder (with tokenizer) loadable by `load_encoder`."""
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=37, max_position_embeddings=512,
                        initializer_range=0.3)  # wide init: tiny BERTs at 0.02 are near-collapsed
    folder = tmp_path_factory.mktemp("tiny_bert")
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def make_tiny_codet5p(folder: Path, tokenizer, *, seed: int = 0) -> Path:
    """Save a random CodeT5+ embedding checkpoint with the real key layout and config fields."""
    torch.manual_seed(seed)
    config = CodeT5pEmbeddingConfig(vocab_size=tokenizer.vocab_size, d_model=32, d_ff=37, d_kv=8, num_layers=2,
                                    num_heads=4, embed_dim=16, feed_forward_proj="relu", pad_token_id=0,
                                    eos_token_id=2, decoder_start_token_id=0)
    config.architectures = ["CodeT5pEmbeddingModel"]
    config.auto_map = {"AutoConfig": "configuration_codet5p_embedding.CodeT5pEmbeddingConfig",
                       "AutoModel": "modeling_codet5p_embedding.CodeT5pEmbeddingModel"}
    CodeT5pEmbeddingModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_codet5p_dir(tmp_path_factory: pytest.TempPathFactory, tokenizer) -> Path:
    """A tiny random CodeT5+ embedding folder."""
    return make_tiny_codet5p(tmp_path_factory.mktemp("tiny_codet5p"), tokenizer)


@pytest.fixture(scope="session", params=["bert", "codet5p"])
def tiny_model_dir(request: pytest.FixtureRequest, tiny_bert_dir: Path, tiny_codet5p_dir: Path) -> Path:
    """Each tiny architecture in turn."""
    return tiny_bert_dir if request.param == "bert" else tiny_codet5p_dir


@pytest.fixture(scope="session")
def tiny_gpt2_dir(tmp_path_factory: pytest.TempPathFactory, tokenizer) -> Path:  # noqa: ANN001
    """GPT-2 has absolute positions, so a padding mistake changes its scores (a RoPE model would hide it)."""
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=tokenizer.vocab_size, n_positions=512, n_embd=32, n_layer=2, n_head=4)
    folder = tmp_path_factory.mktemp("tiny_gpt2")
    GPT2LMHeadModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


PROMPTS = {"query": "search query: ", "document": "code: ", "InstructionRetrieval": "task: code retrieval | query: "}


def save_st_folder(transformer_dir: Path, folder: Path, hidden: int, pooling: str) -> Path:
    """transformer → pooling → Dense(tanh, bias) → Dense(identity, no bias) → Normalize, with prompts, saved by
    sentence-transformers itself."""
    from sentence_transformers import SentenceTransformer, models

    torch.manual_seed(1)
    modules = [models.Transformer(str(transformer_dir), max_seq_length=64),
               models.Pooling(hidden, pooling_mode=pooling),
               models.Dense(hidden, 24, activation_function=nn.Tanh()),
               models.Dense(24, 16, bias=False, activation_function=nn.Identity()),
               models.Normalize()]
    for dense in modules[2:4]:
        nn.init.normal_(dense.linear.weight, std=0.5)
    SentenceTransformer(modules=modules, prompts=PROMPTS, device="cpu").save(str(folder))
    return folder


@pytest.fixture(scope="session")
def st_bert_dir(tmp_path_factory: pytest.TempPathFactory, tiny_bert_dir: Path) -> Path:
    return save_st_folder(tiny_bert_dir, tmp_path_factory.mktemp("st_bert"), 32, "mean")


@pytest.fixture(scope="session")
def st_gemma_dir(tmp_path_factory: pytest.TempPathFactory, tokenizer) -> Path:  # noqa: ANN001
    """A tiny Gemma 3 text model with bidirectional attention (EmbeddingGemma's architecture), mean pooled."""
    torch.manual_seed(0)
    config = Gemma3TextConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                              num_attention_heads=2, num_key_value_heads=1, head_dim=16, max_position_embeddings=128,
                              sliding_window=8, use_bidirectional_attention=True, pad_token_id=tokenizer.pad_token_id)
    raw = tmp_path_factory.mktemp("gemma_raw")
    Gemma3TextModel(config).save_pretrained(raw)
    tokenizer.save_pretrained(raw)
    return save_st_folder(raw, tmp_path_factory.mktemp("st_gemma"), 32, "mean")


FUNCTIONS = {
    "jsonish.py": [("parse_json", "Parse a JSON document into Python objects.", "return decode(text)"),
                   ("dump_json", "Serialise objects to a JSON string.", "return encode(obj)")],
    "files.py": [("read_lines", "Read a text file line by line.", "return open(path).readlines()"),
                 ("write_text", "Write a string to a file.", "open(path, 'w').write(text)")],
    "maths.py": [("mean", "Average of a list of numbers.", "return sum(xs) / len(xs)")],
}


def write_module(folder: Path, name: str, functions: list[tuple[str, str, str]]) -> None:
    body = "\n\n".join(f'def {fn}(x):\n    """{doc}"""\n    {code}\n' for fn, doc, code in functions)
    (folder / name).write_text(body)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, functions in FUNCTIONS.items():
        write_module(folder, name, functions)
    return folder

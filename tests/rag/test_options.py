"""The options every entry point derives from: one default for the reranker and for k, and the checks, made
without a model library (`rag.options`)."""

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from data.cli import InputError
from rag.generation.generators import GENERATORS
from rag.options import GENERATOR_KINDS


def test_every_entry_point_shares_the_reranker_and_k_defaults() -> None:
    from eval.rouge import RougeConfig
    from rag.ask import AskConfig
    from rag.langchain import CodeSearchRetriever
    from rag.mcp import McpConfig

    rouge_defaults = {f.name: f.default for f in dataclasses.fields(RougeConfig)}
    ask, mcp, langchain = AskConfig(question="how to parse json"), McpConfig(), CodeSearchRetriever()
    # the measured defaults (docs/RESULTS.md): the fused Gemma rerank, five sources
    assert (ask.rerank, mcp.rerank, langchain.rerank, rouge_defaults["rerank"]) == ("auto",) * 4
    assert (ask.k, mcp.k, langchain.k, rouge_defaults["k"]) == (5,) * 4
    assert ask.reranker() == mcp.reranker() == langchain.options().reranker() == "gemma"
    assert RougeConfig(generator="gemma").rerank == "gemma" and RougeConfig(protocol="paper").rerank == "none"
    endpoint = {"generator": "openai:gpt-4o", "base_url": "http://127.0.0.1:1/v1"}
    assert AskConfig(question="q", **endpoint).reranker() == McpConfig(**endpoint).reranker() == "none"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("k", 0, "k must be between 1 and 100, got 0"), ("rerank", "gpt9", "reranker"), ("rerank_fusion", 1.5, "--rerank_fusion"),
    ("rerank_name", 1.5, "--rerank_name"),
    ("lexical_weight", -0.1, "--lexical_weight"), ("rerank_candidates", 0, "--rerank_candidates")])
def test_every_entry_point_refuses_the_same_bad_options(field: str, value: object, message: str) -> None:
    from rag.ask import AskConfig
    from rag.langchain import CodeSearchRetriever
    from rag.mcp import McpConfig

    with pytest.raises(InputError, match=message):
        AskConfig(question="q", **{field: value})
    with pytest.raises(InputError, match=message):
        McpConfig(**{field: value})
    with pytest.raises(ValueError, match=message):  # pydantic's ValidationError is a ValueError
        CodeSearchRetriever(**{field: value})


ROOT = Path(__file__).resolve().parents[2]


def test_the_options_import_no_model_library() -> None:
    imported = subprocess.run([sys.executable, "-X", "importtime", "-c", "import rag.options"], cwd=ROOT,
                              capture_output=True, text=True, check=True, timeout=60).stderr
    roots = {line.split("|")[-1].strip().split(".")[0] for line in imported.splitlines() if line.startswith("import time:")}
    assert "rag" in roots and not roots & {"torch", "transformers", "chromadb", "numpy", "peft"}


def test_every_generator_kind_has_a_loader() -> None:
    assert set(GENERATOR_KINDS) == set(GENERATORS)


def test_the_names_likelihood_is_asked_on_the_standard_library_only_unless_set() -> None:
    from rag.options import SearchOptions

    assert SearchOptions().name_weight() == 0.5  # the default corpus: the standard library
    assert SearchOptions(corpus=["~/myrepo"]).name_weight() == 0.0  # a user's code base
    assert SearchOptions(corpus=["~/myrepo"], rerank_name=0.3).name_weight() == 0.3
    assert SearchOptions(rerank_name=0.0).name_weight() == 0.0

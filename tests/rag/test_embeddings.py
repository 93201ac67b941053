"""The LangChain standard suites for CodeSearchEmbeddings: unit (tiny model) and integration (MiniLM, e2e)."""

from pathlib import Path

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests
from langchain_tests.unit_tests import EmbeddingsUnitTests

from rag.langchain import CodeSearchEmbeddings

TINY = {}


@pytest.fixture(autouse=True)
def _tiny_path(tiny_bert_dir: Path) -> None:
    TINY["base"] = str(tiny_bert_dir)


class TestCodeSearchEmbeddingsUnit(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[CodeSearchEmbeddings]:
        return CodeSearchEmbeddings

    @property
    def embedding_model_params(self) -> dict:
        return {"base": TINY["base"], "device": "cpu"}


@pytest.mark.e2e
class TestCodeSearchEmbeddingsIntegration(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[CodeSearchEmbeddings]:
        return CodeSearchEmbeddings

    @property
    def embedding_model_params(self) -> dict:
        return {"base": "minilm", "device": "cpu"}


def test_newlines_are_kept_for_code(tiny_bert_dir: Path) -> None:
    embeddings = CodeSearchEmbeddings(str(tiny_bert_dir), device="cpu")
    with_newlines = embeddings.embed_documents(["def f():\n    return 1"])[0]
    flattened = embeddings.embed_documents(["def f(): return 1"])[0]
    assert with_newlines != flattened or embeddings.encoder.tokenizer("\n")["input_ids"] == \
        embeddings.encoder.tokenizer(" ")["input_ids"]
    assert embeddings.embed_documents([]) == []
    assert embeddings.embed_query("how to parse json") == embeddings.encoder.encode_queries(
        ["how to parse json"])[0].tolist()

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


class OnTheTinyModel:
    @property
    def embeddings_class(self) -> type[CodeSearchEmbeddings]:
        return CodeSearchEmbeddings

    @property
    def embedding_model_params(self) -> dict:
        return {"base": TINY["base"], "device": "cpu"}


class OnMiniLM(OnTheTinyModel):
    @property
    def embedding_model_params(self) -> dict:
        return {"base": "minilm", "device": "cpu"}


class TestCodeSearchEmbeddingsUnit(OnTheTinyModel, EmbeddingsUnitTests):
    pass


class TestCodeSearchEmbeddingsIntegrationTiny(OnTheTinyModel, EmbeddingsIntegrationTests):
    """The integration suite (real embeddings of documents and queries, sync and async) on the tiny model."""


@pytest.mark.e2e
class TestCodeSearchEmbeddingsIntegration(OnMiniLM, EmbeddingsIntegrationTests):
    pass


def test_newlines_are_kept_for_code(tiny_bert_dir: Path) -> None:
    """A BERT tokenizer reads a newline as a space, so the vectors cannot tell: the text the encoder receives must."""
    embeddings = CodeSearchEmbeddings(str(tiny_bert_dir), device="cpu")
    received: list[str] = []
    encode_code = embeddings.encoder.encode_code

    def spy(texts: list[str], **options: object):  # noqa: ANN202
        received.extend(texts)
        return encode_code(texts, **options)

    embeddings.encoder.encode_code = spy  # type: ignore[method-assign]
    code = "def f():\n    return 1"
    assert embeddings.embed_documents([code])[0] == encode_code([code])[0].tolist()
    assert received == [code]
    assert embeddings.embed_documents([]) == []
    assert embeddings.embed_query("how to parse json") == embeddings.encoder.encode_queries(
        ["how to parse json"])[0].tolist()

"""The LangChain pieces: the code loader, the retriever (langchain-tests' standard suite), the reranker as a
document compressor over any vector store."""

from pathlib import Path

import pytest
from langchain_core.documents import Document
from langchain_core.vectorstores import InMemoryVectorStore
from langchain_tests.integration_tests import RetrieversIntegrationTests

import data.miner
from data.cli import InputError
from rag.langchain import CodeFunctionLoader, CodeRerankCompressor, CodeSearchEmbeddings, CodeSearchRetriever
from rag.langchain.document_compressors import document_source
from rag.rerank import load_reranker
from tests.conftest import FUNCTIONS, write_module


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tree")
    for name, functions in FUNCTIONS.items():
        write_module(folder, name, functions)
    (folder / "shapes.py").write_text("class Square:\n    def area(self):\n        return self.side ** 2\n")
    return folder


def test_loader_gives_one_document_per_function_and_class(tree: Path) -> None:
    docs = CodeFunctionLoader(tree).load()
    by_name = {d.metadata["name"]: d for d in docs}
    assert set(by_name) == {"parse_json", "dump_json", "read_lines", "write_text", "mean", "Square", "Square.area"}
    parse = by_name["parse_json"]
    assert parse.page_content == "def parse_json(x):\n    return decode(text)"  # docstring cut, as the index holds it
    assert {k: parse.metadata[k] for k in ("path", "line", "language", "docstring")} == {
        "path": "jsonish.py", "line": 1, "language": "python", "docstring": "Parse a JSON document into Python objects."}
    assert by_name["Square"].page_content == "class Square:\n    def area(self):"
    assert {d.metadata["name"] for d in CodeFunctionLoader(tree, documented_only=True).load()} == {
        "parse_json", "dump_json", "read_lines", "write_text", "mean"}


def test_loader_is_lazy(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = []
    real = data.miner.read_corpus_text
    monkeypatch.setattr(data.miner, "read_corpus_text", lambda path, *a: reads.append(path) or real(path, *a))
    first = next(CodeFunctionLoader(tree).lazy_load())
    assert len(reads) == 1 and first.metadata["path"] == reads[0].name  # one file read for the first document
    with pytest.raises(FileNotFoundError):
        CodeFunctionLoader(tree / "missing").load()


class TestCodeSearchRetrieverStandard(RetrieversIntegrationTests):
    """langchain-tests' retriever suite on a tiny encoder and a five-function corpus."""

    params: dict = {}

    @pytest.fixture(autouse=True, scope="class")
    def _index(self, request: pytest.FixtureRequest, tree: Path, tiny_bert_dir: Path,
               tmp_path_factory: pytest.TempPathFactory) -> None:
        request.cls.params = {"corpus": [str(tree)], "retriever": str(tiny_bert_dir),
                              "persist": str(tmp_path_factory.mktemp("chroma")), "device": "cpu", "rerank": "none"}

    @property
    def retriever_constructor(self) -> type[CodeSearchRetriever]:
        return CodeSearchRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return dict(self.params)

    @property
    def retriever_query_example(self) -> str:
        return "Parse a JSON document into Python objects."


@pytest.fixture(scope="module")
def retriever_options(tree: Path, tiny_bert_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return {"corpus": [str(tree)], "retriever": str(tiny_bert_dir), "persist": str(tmp_path_factory.mktemp("db")),
            "device": "cpu", "rerank": "none"}


async def test_retriever_scores_order_and_async(retriever_options: dict, tiny_gpt2_dir: Path) -> None:
    dense = CodeSearchRetriever(**retriever_options, k=7, lexical_weight=0)
    docs = dense.invoke("how to average numbers")
    scores = [d.metadata["score"] for d in docs]
    assert len(docs) == 7 and scores == sorted(scores, reverse=True)
    assert "hybrid_score" not in docs[0].metadata
    hybrid = CodeSearchRetriever(**retriever_options, k=7).invoke("how to average numbers")  # the default
    fused = [d.metadata["hybrid_score"] for d in hybrid]
    assert fused == sorted(fused, reverse=True) and all("lexical_score" in d.metadata for d in hybrid)
    assert {d.id for d in hybrid} == {d.id for d in docs}  # the whole tree: the same 7, in another order
    assert {"repo", "path", "line", "name", "language", "docstring", "url", "id"} <= set(docs[0].metadata)
    assert [d.id for d in await dense.ainvoke("how to average numbers")] == [d.id for d in docs]
    reranked = CodeSearchRetriever(**{**retriever_options, "rerank": f"hf:{tiny_gpt2_dir}"}, k=3, rerank_candidates=7)
    top = reranked.invoke("how to average numbers")
    assert len(top) == 3 and all("rerank_score" in d.metadata for d in top)
    with pytest.raises(InputError, match="no index of"):
        CodeSearchRetriever(**{**retriever_options, "persist": retriever_options["persist"] + "-empty"},
                            build=False).invoke("q")
    with pytest.raises(InputError, match="question is empty|empty question|whitespace"):
        dense.invoke("   ")
    with pytest.raises(ValueError, match="k must be between 1 and 100, got 0"):
        CodeSearchRetriever(**retriever_options, k=0)


def test_compressor_reranks_any_vector_store(tree: Path, tiny_bert_dir: Path, tiny_gpt2_dir: Path) -> None:
    from langchain_classic.retrievers import ContextualCompressionRetriever

    docs = CodeFunctionLoader(tree).load()
    store = InMemoryVectorStore.from_documents(docs, CodeSearchEmbeddings(str(tiny_bert_dir), device="cpu"))
    reranker = load_reranker(f"hf:{tiny_gpt2_dir}", fusion_weight=1.0, name_weight=0.0)  # the LM alone: order = rerank score
    compressor = CodeRerankCompressor(reranker=reranker, top_n=3)
    pipeline = ContextualCompressionRetriever(base_compressor=compressor,
                                              base_retriever=store.as_retriever(search_kwargs={"k": 7}))
    question = "how to write text to a file"
    top = pipeline.invoke(question)
    assert len(top) == 3
    # each document's LM score, computed alone (no batch, no padding), picks and orders the three
    alone = {d.metadata["name"]: reranker.score(question, [document_source(d, 0, 1)])[0] for d in docs}
    best = sorted(alone, key=lambda name: -alone[name])[:3]
    assert [d.metadata["name"] for d in top] == best
    assert [d.metadata["rerank_score"] for d in top] == pytest.approx([alone[n] for n in best], abs=1e-4)
    assert top[0].metadata["path"] == next(d for d in docs if d.metadata["name"] == best[0]).metadata["path"]
    assert compressor.compress_documents([], question) == []
    assert isinstance(top[0], Document)

"""The query-likelihood reranker as a LangChain `BaseDocumentCompressor`, to rerank what any vector store
returns (with `ContextualCompressionRetriever`).

A document's dense score is its ``metadata["score"]`` when it has one (`CodeSearchRetriever` sets it);
otherwise its position stands in for it (first = best), so the fused order still leans on the first stage's
order. Does not handle: the LM scoring itself (see `rerank`).
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.callbacks import Callbacks
from langchain_core.documents import BaseDocumentCompressor, Document
from pydantic import ConfigDict

from rag.options import DEFAULT_FUSION_WEIGHT, GeneratorOptions
from rag.question import check_question
from rag.rerank import QueryLikelihoodReranker, load_reranker
from rag.store import Source


def document_source(document: Document, position: int, count: int) -> Source:
    """A document as a reranker candidate (code = its content; language, name and docstring from metadata)."""
    meta = document.metadata
    dense = meta.get("score")
    return Source(id=str(position), repo=str(meta.get("repo", "")), path=str(meta.get("path", meta.get("source", ""))),
                  func_name=str(meta.get("name", "")), language=str(meta.get("language", "code")),
                  start_line=int(meta.get("line", 0) or 0), url=str(meta.get("url", "")), code=document.page_content,
                  docstring=str(meta.get("docstring", "")),
                  score=float(dense) if isinstance(dense, (int, float)) else float(count - position))


class CodeRerankCompressor(BaseDocumentCompressor):
    """Keeps the `top_n` documents by the fused dense and LM score, best first, each with ``rerank_score``.

        >>> compressor = CodeRerankCompressor.from_spec("gemma", top_n=5)             # doctest: +SKIP
        >>> ContextualCompressionRetriever(base_compressor=compressor,
        ...                                base_retriever=store.as_retriever(search_kwargs={"k": 20}))  # doctest: +SKIP
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    reranker: QueryLikelihoodReranker
    top_n: int = 4

    @classmethod
    def from_spec(cls, spec: str = "gemma", *, top_n: int = 4, fusion_weight: float = DEFAULT_FUSION_WEIGHT,
                  name_weight: float = 0.0, device: str | None = None) -> CodeRerankCompressor:
        """``gemma`` (the packaged model) or ``hf:NAME_OR_PATH`` (a local causal LM)."""
        reranker = load_reranker(spec, GeneratorOptions(device=device), fusion_weight=fusion_weight,
                                 name_weight=name_weight)
        if reranker is None:
            msg = "a compressor needs a reranker: gemma or hf:NAME_OR_PATH, not none"
            raise ValueError(msg)
        return cls(reranker=reranker, top_n=top_n)

    def compress_documents(self, documents: Sequence[Document], query: str,
                           callbacks: Callbacks | None = None) -> Sequence[Document]:
        """The `top_n` best documents for `query` (copies, with ``rerank_score`` added to their metadata)."""
        if not documents:
            return []
        sources = [document_source(d, i, len(documents)) for i, d in enumerate(documents)]
        ranked = self.reranker.rerank(check_question(query), sources, self.top_n)
        kept = [(documents[int(s.id)], s.rerank_score) for s in ranked]  # a candidate's id is its position
        return [Document(page_content=d.page_content, id=d.id, metadata={**d.metadata, "rerank_score": score})
                for d, score in kept]

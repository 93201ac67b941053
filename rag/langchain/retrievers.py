"""The whole retriever as a LangChain `BaseRetriever`: the Chroma index of a corpus, the (tuned) encoder,
and the optional query-likelihood reranker; `Document`s out, scores in their metadata.

Does not handle: generation (compose it in LCEL, see the README) or the reranker on other stores (see
`document_compressors`).
"""

from __future__ import annotations

import logging
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field, PrivateAttr, field_validator

from data.documents import DEFAULT_DOCUMENT
from data.errors import InputError
from rag.cache import DEFAULT_CACHE
from rag.generation import GeneratorOptions
from rag.question import check_question
from rag.rerank import DEFAULT_CANDIDATES, DEFAULT_FUSION_WEIGHT, load_reranker
from rag.search import Retriever, RoutedRetriever, open_retriever, refresh_retriever
from rag.store import IndexChoice, Source
from retriever_finetune.spec import DEFAULT_RETRIEVER

logger = logging.getLogger(__name__)


def source_document(source: Source) -> Document:
    """A retrieved function as a `Document` (code as content; location, docstring and scores as metadata)."""
    metadata: dict[str, Any] = {
        "id": source.id, "repo": source.repo, "path": source.path, "line": source.start_line,
        "name": source.func_name, "language": source.language, "docstring": source.docstring, "url": source.url,
        "score": source.score}
    if source.rerank_score is not None:
        metadata["rerank_score"] = source.rerank_score
    if source.hybrid_score is not None:
        metadata["lexical_score"], metadata["hybrid_score"] = source.lexical_score, source.hybrid_score
    return Document(page_content=source.code, metadata=metadata, id=source.id)


class CodeSearchRetriever(BaseRetriever):
    """Question → the k most relevant functions of a corpus, best first.

        >>> retriever = CodeSearchRetriever(corpus=["src/"], retriever="minilm-questions", k=5)  # doctest: +SKIP
        >>> retriever.invoke("how to parse json")[0].metadata["name"]                            # doctest: +SKIP

    The corpus's index is built on first use (as `rag.index` does) unless ``build=False``. ``rerank``:
    ``none`` (default here, dense order), ``gemma`` or ``hf:NAME`` (a local causal LM, see `rag.rerank`).
    ``invoke(query, k=N)`` overrides `k` for one call. ``retriever="python=runs/lora-py,javascript=runs/lora-js"``
    embeds each language with its own adapter (one base model in memory; `rag.search.routed`).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    corpus: list[str] = Field(default_factory=list, description="source trees (default: the standard library)")
    retriever: str = DEFAULT_RETRIEVER
    base: str = "minilm"
    dim: int = 0  # Matryoshka vector size (embeddinggemma: 768, 512, 256, 128); 0: full size
    runs_dir: str = "runs"
    persist: str = str(DEFAULT_CACHE / "chroma")
    chroma_host: str = ""
    chroma_port: int = 8000
    document: str = DEFAULT_DOCUMENT
    rerank: str = "none"
    rerank_candidates: int = DEFAULT_CANDIDATES
    rerank_fusion: float = DEFAULT_FUSION_WEIGHT
    lexical_weight: float | None = None  # hybrid search: BM25's weight in the first stage (None: 0.1; 0: dense)
    k: int = 4
    build: bool = True
    device: str = ""
    precision: str = "auto"  # encoding and reranking: bf16 where the hardware has it (`retriever_finetune.precision`)
    refresh: bool = True  # before each question, update the index with the corpus files edited since
    include_ignored: bool = False  # inside git, also index the files .gitignore excludes
    _pipeline: Retriever | RoutedRetriever | None = PrivateAttr(default=None)

    @field_validator("k", "rerank_candidates")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value <= 0:
            msg = f"must be positive, got {value}"
            raise ValueError(msg)
        return value

    @property
    def pipeline(self) -> Retriever | RoutedRetriever:
        """The encoder(s), index and reranker, loaded (and the index built) on first use."""
        if self._pipeline is None:
            choice = self._choice()
            choice.store_options()  # a bad document format fails before any model loads
            reranker = load_reranker(self.rerank, GeneratorOptions(device=self.device or None, precision=self.precision),
                                     candidates=self.rerank_candidates, fusion_weight=self.rerank_fusion)
            self._pipeline = open_retriever(choice, self.corpus, reranker=reranker, device=self.device or None,
                                            build=self.build, lexical_weight=self.lexical_weight)
        return self._pipeline

    def _choice(self) -> IndexChoice:
        return IndexChoice(retriever=self.retriever, base=self.base, dim=self.dim, runs_dir=self.runs_dir, persist=self.persist,
                           chroma_host=self.chroma_host, chroma_port=self.chroma_port, document=self.document,
                           precision=self.precision, refresh=self.refresh, include_ignored=self.include_ignored)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                k: int | None = None) -> list[Document]:
        count = self.k if k is None else k
        if count <= 0:
            msg = f"k must be positive, got {count}"
            raise InputError(msg)
        opened = self._pipeline is not None
        pipeline = self.pipeline  # opening it refreshes the index
        if opened and self.refresh:
            refresh_retriever(self._choice(), self.corpus, pipeline)  # files edited since the last question
        return [source_document(s) for s in pipeline.retrieve(check_question(query), count)]

"""The whole retriever as a LangChain `BaseRetriever`: the Chroma index of a corpus, the (tuned) encoder,
and the optional query-likelihood reranker; `Document`s out, scores in their metadata.

Does not handle: generation (compose it in LCEL, see the README) or the reranker on other stores (see
`document_compressors`).
"""

from __future__ import annotations

import dataclasses
import logging
import typing
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field, PrivateAttr, create_model, model_validator

from rag.opening import open_first_stage
from rag.options import SearchOptions, check_k
from rag.question import check_question
from rag.search import Retriever, refresh_retriever
from rag.store import Source

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


def _fields_of(options: type) -> dict[str, Any]:
    """The pydantic fields of an options dataclass: its names, types, defaults and help, as they are declared."""
    hints = typing.get_type_hints(options)
    fields: dict[str, Any] = {}
    for option in dataclasses.fields(options):
        default: Any = (Field(default_factory=option.default_factory, description=option.metadata.get("help"))
                        if option.default_factory is not dataclasses.MISSING else
                        Field(default=option.default, description=option.metadata.get("help")))
        fields[option.name] = (hints[option.name], default)
    return fields


# the retriever's fields are `SearchOptions`' (same names, defaults and checks as `rag.ask`), plus `build`
_SearchFields = create_model("_SearchFields", __base__=BaseRetriever, **_fields_of(SearchOptions))


class CodeSearchRetriever(_SearchFields):  # type: ignore[misc, valid-type]
    """Question → the k most relevant functions of a corpus, best first.

        >>> retriever = CodeSearchRetriever(corpus=["src/"], retriever="minilm-questions", k=5)  # doctest: +SKIP
        >>> retriever.invoke("how to parse json")[0].metadata["name"]                            # doctest: +SKIP

    Its options are `rag.options.SearchOptions`' (the reranker: `auto`, the packaged Gemma, as `rag.ask`;
    ``none`` keeps the first stage's order), checked as `rag.ask` checks them. The corpus's index is built on
    first use (as `rag.index` does) unless ``build=False``. ``invoke(query, k=N)`` overrides `k` for one call.
    ``retriever="python=runs/lora-py,javascript=runs/lora-js"`` embeds each language with its own adapter (one
    base model in memory; `rag.store.routed`).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    build: bool = True
    _pipeline: Retriever | None = PrivateAttr(default=None)
    _opened_with: SearchOptions | None = PrivateAttr(default=None)  # with the retriever the corpus was indexed with

    @model_validator(mode="after")
    def _checked(self) -> CodeSearchRetriever:
        self.options()  # SearchOptions' checks, before any model loads
        return self

    def options(self) -> SearchOptions:
        """The options, as the commands take them."""
        return SearchOptions(**{f.name: getattr(self, f.name) for f in dataclasses.fields(SearchOptions)})

    @property
    def pipeline(self) -> Retriever:
        """The encoder(s), index and reranker, loaded (and the index built) on first use."""
        if self._pipeline is None:
            options = self.options()
            options.store_options()  # a bad document format fails before any model loads
            self._pipeline = open_first_stage(options, build=self.build)  # fills in a remembered retriever
            self._opened_with = options
        return self._pipeline

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                k: int | None = None) -> list[Document]:
        count = check_k(self.k if k is None else k)
        opened = self._pipeline is not None
        pipeline = self.pipeline  # opening it refreshes the index
        if opened and self.refresh:
            refresh_retriever(self._opened_with, self.corpus, pipeline)  # files edited since the last question
        return [source_document(s) for s in pipeline.retrieve(check_question(query), count)]

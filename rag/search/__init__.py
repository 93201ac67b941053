"""The first stage of a question's path: dense and lexical search fused over an index's parts (one
collection, or one per language), with an optional reranker; and opening it for a corpus."""

from rag.search.open import open_retriever, refresh_retriever
from rag.search.retriever import (
    QueryEncoders,
    Reranker,
    Retriever,
    merge_by_score,
)

__all__ = ["QueryEncoders", "Reranker", "Retriever",
           "merge_by_score", "open_retriever", "refresh_retriever"]

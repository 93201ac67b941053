"""The first stage of a question's path: dense and lexical search fused (one index), or dense search merged
over languages (a per-language index), each with an optional reranker; and opening it for a corpus."""

from rag.search.open import open_retriever, refresh_retriever
from rag.search.retriever import DEFAULT_LEXICAL_WEIGHT, Reranker, Retriever
from rag.search.routed import RoutedRetriever

__all__ = ["DEFAULT_LEXICAL_WEIGHT", "Reranker", "Retriever", "RoutedRetriever", "open_retriever", "refresh_retriever"]

"""The index: Chroma collections of a corpus's functions for one retriever (or one per language), how they
are built from source trees, and how they follow the files as they change."""

from rag.store.build import (
           DEFAULT_CORPUS_EXCLUDES,
           IndexChoice,
           StoreOptions,
           build_index,
           build_routed_index,
           check_corpus,
           default_corpus,
           index_exists,
           mine_corpus,
           open_index,
           open_routed_index,
           routed_index_exists,
)
from rag.store.chroma import CodeIndex, IndexStats, Source, collection_name, open_client, record_id, writer_lock
from rag.store.refresh import refresh_index
from rag.store.routed import LanguageRoutedIndex

__all__ = ["DEFAULT_CORPUS_EXCLUDES", "CodeIndex", "IndexChoice", "IndexStats", "LanguageRoutedIndex", "Source",
           "StoreOptions", "build_index", "build_routed_index", "check_corpus", "collection_name", "default_corpus", "index_exists",
           "mine_corpus", "open_client", "open_index", "open_routed_index", "record_id", "refresh_index",
           "routed_index_exists", "writer_lock"]

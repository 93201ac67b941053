"""The index: Chroma collections of a corpus's functions for one retriever (or one per language), how they
are built from source trees, and how they follow the files as they change."""

from rag.store.build import (
           build_search_index,
           index_exists,
           index_records,
           open_index,
           open_routed_index,
           open_search_index,
           refresh_search_index,
           routed_index_exists,
           search_index_exists,
           update_search_index,
)
from rag.store.chroma import CodeIndex, collection_name, open_client, store_client
from rag.store.lock import IndexBusy, writer_lock
from rag.store.references import forget_references, read_references, references_path, stored_references
from rag.store.refresh import refresh_index
from rag.store.remembered import recall_chosen_retriever, remember_chosen_retriever
from rag.store.routed import LanguageRoutedIndex
from rag.store.searchable import SearchIndex
from rag.store.source import IndexStats, Source, record_id

__all__ = ["CodeIndex", "IndexBusy", "IndexStats", "LanguageRoutedIndex", "SearchIndex", "Source",
           "build_search_index", "collection_name", "index_exists", "index_records", "open_client", "open_index",
           "forget_references", "open_routed_index", "open_search_index", "read_references", "recall_chosen_retriever",
           "record_id", "references_path", "refresh_index",
           "refresh_search_index", "remember_chosen_retriever", "routed_index_exists", "search_index_exists",
           "store_client", "stored_references", "update_search_index", "writer_lock"]

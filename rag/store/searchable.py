"""What the first stage searches (`SearchIndex`): an index made of parts, each a Chroma collection holding one
language or every language. A `CodeIndex` is one part that holds every language; a per-language index
(`routed.LanguageRoutedIndex`) a part per language, each embedded by its own adapter. The search is written
once over the parts (`rag.search.Retriever`), so nothing above the store asks which kind it has.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rag.store.chroma import CodeIndex


class SearchIndex(Protocol):
    """The interface a single and a per-language index share."""

    name: str  # the writer lock's name (`lock.writer_lock`), and the collections' prefix
    document: str  # what was embedded per function (`data.documents`)

    def parts(self) -> list[tuple[str | None, CodeIndex]]:
        """(the language a part holds, None: every language; its collection)."""
        ...

    def count(self) -> int:
        """Functions and classes in every part."""
        ...

    def entries(self) -> tuple[list[str], list[dict]]:
        """Ids and metadata of every part's entries (kept until `forget_entries`)."""
        ...

    def name_entries(self) -> Iterable[tuple[str, str, str, str]]:
        """``(repo, path, func_name, language)`` of every part's entries."""
        ...

    def forget_entries(self) -> None:
        """Drop what was read of the parts: they have changed."""
        ...

"""A corpus indexed per language: one collection per language, each embedded by its language's adapter
(`retriever_finetune.routing`), named ``<collection>-<language>``. Does not handle: searching it (see
`rag.search.Retriever`, which searches every `searchable.SearchIndex` the same way), mining or syncing (`build`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from data.cli import InputError
from data.miner import LANGUAGES
from rag.store.chroma import CodeIndex
from retriever_finetune.routing import LanguageEncoders


def language_collection(name: str, language: str) -> str:
    """The collection of one language's functions."""
    return f"{name}-{language}"


class LanguageRoutedIndex:
    """Per-language collections of one corpus, each embedded by its language's encoder."""

    def __init__(self, client, name: str, encoders: LanguageEncoders, *, document: str,  # noqa: ANN001
                 create_languages: Sequence[str] = ()) -> None:
        """Open every language collection of `name` that exists, and create those of `create_languages`."""
        self.name, self.encoders, self.document = name, encoders, document
        self.indexes: dict[str, CodeIndex] = {}
        existing = {c if isinstance(c, str) else c.name for c in client.list_collections()}
        for language in sorted(LANGUAGES):
            collection = language_collection(name, language)
            if collection in existing or language in create_languages:
                self.indexes[language] = CodeIndex(client, collection, encoders.spec_for(language), document=document)
        if not self.indexes:
            msg = f"no per-language index {name!r} yet; build it with `python -m rag.index PATH... --retriever LANG=RUN,...`"
            raise InputError(msg)

    def parts(self) -> list[tuple[str | None, CodeIndex]]:
        """A part per language (`searchable.SearchIndex`)."""
        return list(self.indexes.items())

    def entries(self) -> tuple[list[str], list[dict]]:
        """Ids and metadata of every language's entries."""
        ids: list[str] = []
        metadatas: list[dict] = []
        for index in self.indexes.values():
            some_ids, some_metadatas = index.entries()
            ids += some_ids
            metadatas += some_metadatas
        return ids, metadatas

    def count(self) -> int:
        """Functions in all languages' collections."""
        return sum(index.count() for index in self.indexes.values())

    def name_entries(self) -> Iterator[tuple[str, str, str, str]]:
        """``(repo, path, func_name, language)`` of every language's functions and classes."""
        for index in self.indexes.values():
            yield from index.name_entries()

    def forget_entries(self) -> None:
        """Drop what was read of the collections: they have changed."""
        for index in self.indexes.values():
            index.forget_entries()

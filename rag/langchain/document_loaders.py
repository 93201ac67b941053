"""A source tree as LangChain `Document`s: one per function, method, class, document section and configuration
window, as the index holds them.

Mined with tree-sitter (`data.miner`), one file at a time, so `lazy_load` yields the first functions before the
whole tree is read. Does not handle: embedding or storage (see `embeddings`, `rag.store`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from langchain_core.document_loaders import BaseLoader
from langchain_core.documents import Document

from data.corpus import corpus_rules
from data.miner import DEFAULT_EXCLUDED_DIRS, iter_tree
from data.records import Record


def record_document(record: Record) -> Document:
    """A mined function as a `Document`: its code, with the metadata the index stores."""
    return Document(page_content=record.code, metadata={
        "repo": record.repo, "path": record.path, "line": record.start_line or 0, "name": record.func_name,
        "language": record.language, "docstring": record.docstring, "url": record.url, "kind": record.kind})


class CodeFunctionLoader(BaseLoader):
    """Every unit of a source tree, in every language of `data.languages.LANGUAGES`, read as the index reads it
    (the standard library as its public API, any other tree whole).

        >>> docs = CodeFunctionLoader("src/").load()                    # doctest: +SKIP
        >>> docs[0].metadata["name"], docs[0].metadata["line"]           # doctest: +SKIP

    Args:
        path: a folder or one source file.
        languages: only these languages and file kinds (`data.languages.LANGUAGES`; all when None).
        exclude: folder names never entered, besides the usual ones (``.git``, ``node_modules``...).
        documented_only: only functions with a docstring or doc comment, docstring cut from the code (the
            training-pair shape); False (default) gives what an index holds.
    """

    def __init__(self, path: str | Path, *, languages: Iterable[str] | None = None, exclude: Iterable[str] = (),
                 documented_only: bool = False) -> None:
        self.path = Path(path)
        self.languages = frozenset(languages) if languages else None
        self.excluded_dirs = DEFAULT_EXCLUDED_DIRS | frozenset(exclude)
        self.documented_only = documented_only

    def lazy_load(self) -> Iterator[Document]:
        """One `Document` per function, file by file (raises FileNotFoundError for a missing path)."""
        rules = corpus_rules([str(self.path)], sorted(self.languages or ()))
        for record in iter_tree(self.path, languages=frozenset(rules.languages) or None, excluded_dirs=self.excluded_dirs,
                                documented_only=self.documented_only, public_api_only=rules.public_api_only,
                                show_progress=False):
            yield record_document(record)

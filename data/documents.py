"""What a function's vector embeds: the one definition shared by indexing, training and evaluation.

Train what you serve: `rag.index` embeds each function in a document format, and training pairs whose
text side is a question embed their code side in the same format. Does not handle: tokenization or
truncation (the `Encoder` does it).
"""

from __future__ import annotations

from typing import Protocol

from data.errors import InputError

DOCUMENT_FORMATS = ("docstring+code", "code")
"""`docstring+code` (the default for code bases) gives the retriever the function's own description;
`code` is the CodeSearchNet format, needed when the questions *are* the docstrings (answer evaluation,
docstring→code training), where embedding them would hand retrieval the answer."""
DEFAULT_DOCUMENT = DOCUMENT_FORMATS[0]


class Documented(Protocol):
    """Anything with a function's code and docstring summary (a `Record`, a retrieved source, a pair)."""

    code: str
    docstring: str


def check_document_format(document: str) -> str:
    """`document` if it is a known format.

    Raises:
        InputError: an unknown format.
    """
    if document not in DOCUMENT_FORMATS:
        msg = f"unknown document format {document!r}; choose one of: {', '.join(DOCUMENT_FORMATS)}"
        raise InputError(msg)
    return document


def document_text(item: Documented, document: str) -> str:
    """The text embedded for a function under a document format."""
    if document == "code" or not item.docstring:
        return item.code
    return f"{item.docstring}\n{item.code}"

"""What a function's vector embeds: the one definition shared by indexing, training and evaluation.

Train what you serve: `rag.index` embeds each function in a document format, and training pairs whose
text side is a question embed their code side in the same format. Does not handle: tokenization or
truncation (the `Encoder` does it).
"""

from __future__ import annotations

from typing import Protocol

from data.cli import InputError
from data.sections import plain_text

DOCUMENT_FORMATS = ("docstring+code", "code")
"""`docstring+code` (the default for code bases) gives the retriever the function's own description (its
qualified name when it has none: measured on the how-to dev questions, it lifts undocumented answers and,
behind the reranker, documented ones too);
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


def module_name(path: str) -> str:
    """The dotted module of a Python file path: ``json/__init__.py`` → ``json``, ``a/b.py`` → ``a.b``."""
    stem = path.removesuffix(".py").removesuffix("/__init__").removesuffix("__init__")
    return stem.strip("/").replace("/", ".")


def qualified_name(path: str, func_name: str, language: str) -> str:
    """``module.Class.method`` for Python; the function's own name elsewhere."""
    if language != "python":
        return func_name
    module = module_name(path)
    return f"{module}.{func_name}" if module else func_name


def is_code_unit(item: object) -> bool:
    """A function or class (not a document section, a configuration window or a script)."""
    return getattr(item, "kind", "function") in ("function", "class")


def is_method(item: object) -> bool:
    """A function defined inside a class, impl block or type: its name is qualified (``Class.method``,
    ``Type::method``)."""
    name = getattr(item, "func_name", "")
    return getattr(item, "kind", "function") == "function" and ("." in name or "::" in name)


def title(item: Documented) -> str:
    """What stands in for a missing docstring: the qualified name of a function mined from a Python file
    (``csv.DictReader``); for a section, a configuration window or a script, where it is (``README.md:
    tokenlib > Configuration``); "" for anything else (other languages' units, code-base snippets without a
    file)."""
    path, func_name = getattr(item, "path", ""), getattr(item, "func_name", "")
    if not is_code_unit(item):
        return f"{path}: {func_name}" if func_name and func_name != path.rsplit("/", 1)[-1] else path
    if not (func_name and path.endswith(".py") and getattr(item, "language", "") == "python"):
        return ""
    return qualified_name(path, func_name, "python")


def source_label(item: object) -> str:
    """How a source is named to a reader: a unit by its qualified name, a section or window by its file and
    heading (``README.md (tokenlib > Configuration)``), a script by its file."""
    path, func_name = getattr(item, "path", ""), getattr(item, "func_name", "")
    if is_code_unit(item):
        return qualified_name(path, func_name, getattr(item, "language", ""))
    return f"{path} ({func_name})" if func_name and func_name != path.rsplit("/", 1)[-1] else path


def document_text(item: Documented, document: str) -> str:
    """The text embedded for a function under a document format: `docstring+code` puts the docstring's summary
    (or, for an undocumented function or class of a Python file, its qualified name) above the code; a section,
    window or script gets where it is instead (its text holds its summary; a section's as plain text)."""
    if document == "code":
        return item.code
    if getattr(item, "kind", "") == "section":
        return f"{title(item)}\n{plain_text(item.code)}"
    header = title(item) if not is_code_unit(item) else item.docstring or title(item)
    return f"{header}\n{item.code}" if header else item.code

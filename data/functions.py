"""The functions, methods and classes of one source file, found with tree-sitter: name qualified by its
containers, code without its docstring, the docstring's first paragraph, and a class as an outline of its
methods' signatures (the rules are in `miner`'s docstring). Does not handle: which undocumented ones an index
keeps (see `python_api`) or walking trees (see `miner`).
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from collections.abc import Iterator
from typing import NamedTuple

from tree_sitter import Node

from data.languages import LANGUAGES, LanguageSpec, parser_for

_DOC_TAG = re.compile(r"^\s*(@\w+|:param\b|:return|:raises?\b|Args:|Returns:|Raises:|Parameters\n)")


def first_paragraph(doc: str) -> str:
    """The summary of a docstring: its first paragraph, stopping at parameter tags, whitespace folded."""
    lines: list[str] = []
    for line in doc.strip().splitlines():
        if not line.strip() or _DOC_TAG.match(line):
            break
        lines.append(line.strip())
    return " ".join(" ".join(lines).split())


def _clean_block_comment(text: str) -> str:
    body = text.strip().removeprefix("/**").removeprefix("/*").removesuffix("*/")
    return "\n".join(re.sub(r"^\s*\*? ?", "", line) for line in body.splitlines())


def _clean_line_comments(text: str) -> str:
    return "\n".join(re.sub(r"^\s*(//+|#+) ?", "", line) for line in text.splitlines())


def _python_docstring_node(function: Node) -> Node | None:
    body = function.child_by_field_name("body")
    if body is None or body.named_child_count == 0:
        return None
    first = body.named_children[0]
    if first.type == "expression_statement" and first.named_child_count == 1 and first.named_children[0].type == "string":
        return first
    return None


def _python_string_value(node: Node) -> str:
    text = node.text.decode("utf-8")
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        value = text.strip("\"'rRuUbBfF")
    return inspect.cleandoc(value) if isinstance(value, str) else ""


def _doc_comment(anchor: Node, spec: LanguageSpec) -> str | None:
    """The doc comment directly above `anchor` (no blank line between), cleaned; None when absent."""
    comments: list[Node] = []
    below_row = anchor.start_point[0]
    sibling = anchor.prev_named_sibling
    while sibling is not None and sibling.type in spec.comment_types and sibling.end_point[0] >= below_row - 1:
        comments.append(sibling)
        if spec.block_doc_comment:
            break
        below_row = sibling.start_point[0]
        sibling = sibling.prev_named_sibling
    if not comments:
        return None
    if spec.block_doc_comment:
        text = comments[0].text.decode("utf-8")
        return _clean_block_comment(text) if text.startswith("/**") else None
    return _clean_line_comments("\n".join(c.text.decode("utf-8") for c in reversed(comments)))


def _comment_anchor(function: Node) -> Node:
    """The node a doc comment sits above: the function, or a wrapper that starts on its line.

    `export function f` (JavaScript) and the first method of a Ruby body are wrapped in a node whose
    previous sibling is the comment.
    """
    anchor = function
    while (
        anchor.prev_named_sibling is None
        and anchor.parent is not None
        and anchor.parent.parent is not None
        and anchor.parent.start_point[0] == anchor.start_point[0]
    ):
        anchor = anchor.parent
    return anchor


def _qualified_name(function: Node, spec: LanguageSpec) -> str:
    name_node = function.child_by_field_name("name")
    name = name_node.text.decode("utf-8") if name_node is not None else "<anonymous>"
    if function.type == "method_declaration" and spec.name == "go":
        receiver = function.child_by_field_name("receiver")
        if receiver is not None:
            receiver_type = re.findall(r"\w+", receiver.text.decode("utf-8"))
            if receiver_type:
                return f"{receiver_type[-1]}.{name}"
    parents = []
    node = function.parent
    while node is not None:
        if node.type in spec.container_types:
            container = node.child_by_field_name("name")
            if container is not None:
                parents.append(container.text.decode("utf-8"))
        node = node.parent
    return ".".join([*reversed(parents), name])


def _dedented(lines: list[str], first_col: int) -> str:
    """Dedent a function's lines; its first line is cut at `first_col` (e.g. after `export `)."""
    if not lines:
        return ""
    head = lines[0]
    if head[:first_col].strip():  # code before the function on its first line: dedent the rest alone
        return "\n".join([head[first_col:], textwrap.dedent("\n".join(lines[1:]))]).strip("\n")
    return textwrap.dedent("\n".join(lines)).strip("\n")


def _python_code_without_docstring(function: Node, docstring: Node, source_lines: list[str]) -> str:
    first_row, first_col = function.start_point
    last_row = function.end_point[0]
    doc_first, doc_last = docstring.start_point[0], docstring.end_point[0]
    if doc_first == first_row:  # one-liner `def f(): "doc"`: cut the string out of the line
        line = source_lines[first_row].replace(docstring.text.decode("utf-8"), "pass", 1)
        return _dedented([line, *source_lines[first_row + 1 : last_row + 1]], first_col)
    kept = [row for row in range(first_row, last_row + 1) if not doc_first <= row <= doc_last]
    return _dedented([source_lines[row] for row in kept], first_col)


def _signature(node: Node, source: bytes) -> str:
    """A definition's header: its text up to its body (`def f(a, b) -> int:`, `class A(B):`, `function f(a)`)."""
    body = node.child_by_field_name("body")
    end = body.start_byte if body is not None else node.end_byte
    header = source[node.start_byte:end].decode("utf-8", errors="replace").rstrip()
    return " ".join(header.removesuffix("{").split()) if "\n" in header else header.removesuffix("{").rstrip()


def _class_outline(node: Node, spec: LanguageSpec, source: bytes) -> str:
    """A class as its header and its own methods' signatures, one per line (nested classes' methods excluded)."""
    body = node.child_by_field_name("body")
    lines = [_signature(node, source)]
    stack = list(reversed(body.named_children)) if body is not None else []
    while stack:
        child = stack.pop()
        if child.type in spec.function_types:
            lines.append("    " + _signature(child, source))
        elif child.type not in spec.container_types:
            stack.extend(reversed(child.named_children))
    return "\n".join(lines)


def _documentation(node: Node, spec: LanguageSpec) -> tuple[str, Node | None]:
    """(docstring summary, Python docstring node to cut from the code) of a function or class; ("", None) if none."""
    if spec.name == "python":
        doc_node = _python_docstring_node(node)
        if doc_node is None:
            return "", None
        return first_paragraph(_python_string_value(doc_node.named_children[0])), doc_node
    doc = _doc_comment(_comment_anchor(node), spec)
    return (first_paragraph(doc), None) if doc is not None else ("", None)


class MinedFunction(NamedTuple):
    """One function (or class outline) found in a file; lines are 1-based."""

    func_name: str
    code: str  # without its docstring
    docstring: str  # the docstring's summary, "" when undocumented
    first_line: int
    last_line: int
    is_class: bool = False


def iter_functions(source: str, language: str, *, documented_only: bool = True) -> Iterator[MinedFunction]:
    """Yield each function of `source` (see `MinedFunction`).

    Lines are 1-based. With `documented_only` (training pairs), functions whose doc summary is empty are
    skipped; without it (the index), every function is yielded, and every class as its outline (see
    `_class_outline`), with ``docstring`` empty when there is none.
    """
    spec = LANGUAGES[language]
    source_bytes = source.encode("utf-8")
    tree = parser_for(language).parse(source_bytes)
    source_lines = source.splitlines()
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        stack.extend(reversed(node.named_children))
        is_class = node.type in spec.container_types and not documented_only
        if node.type not in spec.function_types and not is_class:
            continue
        if is_class and node.child_by_field_name("name") is None:
            continue
        if not documented_only and _inside_function(node, spec):
            continue  # a closure or local class: no caller can reach it by name, so it is no answer to cite
        first_row, first_col = node.start_point
        last_row = node.end_point[0]
        summary, doc_node = _documentation(node, spec)
        if documented_only and not summary:
            continue
        if is_class:
            code = _class_outline(node, spec, source_bytes)
        elif doc_node is not None:
            code = _python_code_without_docstring(node, doc_node, source_lines)
        else:
            code = _dedented(source_lines[first_row : last_row + 1], first_col)
        if code:
            yield MinedFunction(_qualified_name(node, spec), code, summary, first_row + 1, last_row + 1, is_class)


def _inside_function(node: Node, spec: LanguageSpec) -> bool:
    """True when a function or method encloses `node` (closures, local classes)."""
    parent = node.parent
    while parent is not None:
        if parent.type in spec.function_types:
            return True
        parent = parent.parent
    return False

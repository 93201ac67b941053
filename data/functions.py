"""The units of one source file, found with tree-sitter by the node types `languages.LANGUAGES` names: functions,
methods, constructors, functions bound to a name, macros and documented prototypes; classes (and structs, enums,
interfaces, traits, impl blocks, protocols, objects) as an outline; a file's leading module documentation (Rust
``//!``); and, for a file with top-level code and no unit, the script itself.

Each unit has its name qualified by its containers (``Class.method``, ``Type::method`` in Rust and C++, the C++
namespace), its code (a Python function's without its docstring; elsewhere from its attributes, ``export`` or
``template`` line on), its doc comment's first paragraph, and its line range. A class's entry is its outline: its
decorators or attributes, its header, its fields and class-level attributes as written, and its methods'
signatures. Functions and classes defined inside a function are left out: no caller reaches them by name.
Does not handle: which units an index keeps (see `python_api`, `miner`) or walking trees (see `miner`).
"""

from __future__ import annotations

import ast
import html
import inspect
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from tree_sitter import Node

from data.languages import LANGUAGES, LanguageSpec, parser_for

_DOC_TAG = re.compile(r"^\s*(@\w+|:param\b|:return|:raises?\b|Args:|Returns:|Raises:|Parameters\n|- Parameters?\b|"
                      r"- Returns:|# (Arguments|Examples|Panics|Errors|Safety)\b)")
# nodes that wrap a unit and carry its doc comment, `export`, decorators or template line
_WRAPPERS = frozenset({"export_statement", "decorated_definition", "template_declaration", "lexical_declaration",
                       "variable_declaration", "type_definition", "ambient_declaration", "expression_statement"})
_BODIES = frozenset({"class_body", "enum_class_body", "declaration_list", "field_declaration_list", "template_body",
                     "protocol_body", "interface_body", "enum_body", "enumerator_list", "enum_variant_list",
                     "enum_member_declaration_list", "object_type", "block", "body_statement"})
_FUNCTION_BODIES = frozenset({"function_body", "block", "statement_block", "compound_statement", "body_statement"})
MEMBER_LINES = 3  # lines of one field or class-level attribute shown in a class outline


def first_paragraph(doc: str) -> str:
    """The summary of a docstring: its first paragraph, stopping at parameter tags, whitespace folded."""
    lines: list[str] = []
    for line in doc.strip().splitlines():
        if not line.strip() or _DOC_TAG.match(line):
            break
        lines.append(line.strip())
    return " ".join(" ".join(lines).split())


class MinedFunction(NamedTuple):
    """One unit found in a file; lines are 1-based. `kind` is one of `languages.KINDS`."""

    func_name: str
    code: str  # a Python function's without its docstring
    docstring: str  # the doc comment's summary, "" when undocumented
    first_line: int
    last_line: int
    kind: str = "function"


# ---------------------------------------------------------------------------------------------- doc comments
def _clean_block_comment(text: str) -> str:
    body = re.sub(r"^/\*[*!]?", "", text.strip()).removesuffix("*/")
    return "\n".join(re.sub(r"^\s*\*? ?", "", line) for line in body.splitlines())


def _clean_line_comments(text: str) -> str:
    return "\n".join(re.sub(r"^\s*(//[/!]?|-{2,3}|#+) ?", "", line) for line in text.splitlines())


_XML_BREAK = re.compile(r"^\s*<(param|typeparam|returns|exception|remarks|example|value|seealso)\b")


def _clean_xml_doc(text: str) -> str:
    """C# XML documentation as text: `<see cref="X"/>` → X, other tags dropped; a <param>, <returns> ... line starts
    a tag section (so the summary stops there)."""
    lines = []
    for line in text.splitlines():
        tag = _XML_BREAK.match(line)
        if tag:
            lines.append(f"@{tag.group(1)} " + re.sub(r"</?[a-zA-Z][^>]*>", " ", line).strip())
            continue
        line = re.sub(r"<(see|paramref|typeparamref)\s+\w+=\"([^\"]*)\"\s*/>", r"\2", line)
        lines.append(html.unescape(re.sub(r"</?[a-zA-Z][^>]*>", "", line)))
    return "\n".join(lines)


def _starts_its_line(node: Node, lines: list[str]) -> bool:
    row, col = node.start_point
    return row < len(lines) and not lines[row][:col].strip()


def _is_line_comment(text: str) -> bool:
    return not text.startswith("/*")


def _doc_comment(anchor: Node, spec: LanguageSpec, lines: list[str]) -> str | None:
    """The doc comment directly above `anchor` (attributes between them skipped), cleaned; None when absent."""
    row = anchor.start_point[0]
    sibling = anchor.prev_named_sibling
    while sibling is not None and sibling.type in spec.attributes and sibling.end_point[0] >= row - 1:
        row, sibling = sibling.start_point[0], sibling.prev_named_sibling
    comments: list[str] = []
    while (sibling is not None and sibling.type in spec.comment_types and sibling.end_point[0] >= row - 1
           and _starts_its_line(sibling, lines)):
        text = sibling.text.decode("utf-8", errors="replace").rstrip()
        if not comments and not _is_line_comment(text):  # the nearest is a block comment: it alone is the doc
            return _clean(text, spec) if text.startswith(spec.doc_block) and spec.doc_block else None
        if not _is_line_comment(text) or text.startswith(("#!", *spec.inner_doc)):
            break
        comments.append(text)
        row, sibling = sibling.start_point[0], sibling.prev_named_sibling
    if not comments or not spec.doc_lines or not comments[-1].startswith(spec.doc_lines):
        return None
    return _clean("\n".join(reversed(comments)), spec)


def _clean(text: str, spec: LanguageSpec) -> str:
    cleaned = _clean_block_comment(text) if not _is_line_comment(text) else _clean_line_comments(text)
    return _clean_xml_doc(cleaned) if spec.xml_doc else cleaned


def _inner_doc(root: Node, spec: LanguageSpec) -> tuple[str, int] | None:
    """The file's own documentation (Rust ``//!`` lines opening it): (text, last row), or None."""
    texts: list[str] = []
    last = 0
    for child in root.named_children:
        text = child.text.decode("utf-8", errors="replace").rstrip() if child.type in spec.comment_types else ""
        if not text.startswith(spec.inner_doc) or not spec.inner_doc:
            break
        texts.append(text)
        last = child.end_point[0] - (1 if child.end_point[1] == 0 else 0)
    return (_clean_line_comments("\n".join(texts)), last) if texts else None


# ---------------------------------------------------------------------------------------------------- names
def _text(node: Node | None) -> str:
    return node.text.decode("utf-8", errors="replace") if node is not None else ""


def _function_declarator(node: Node) -> Node | None:
    """The `function_declarator` of a C/C++ definition or declaration (through pointers and references)."""
    current = node.child_by_field_name("declarator")
    while current is not None:
        if current.type == "function_declarator":
            return current
        current = current.child_by_field_name("declarator") or next(
            (c for c in current.named_children if "declarator" in c.type), None)
    return None


_GENERICS = re.compile(r"<[^<>]*(<[^<>]*>[^<>]*)*>")


def _type_name(node: Node | None) -> str:
    return " ".join(_GENERICS.sub("", _text(node)).split())


def _binding_parts(node: Node) -> tuple[str, Node | None]:
    """(name, value) of a binding: `const f = ...`, `exports.f = ...`, a class field, a Lua `M.f = function`."""
    name_node = next((node.child_by_field_name(f) for f in ("name", "left", "property", "key")
                      if node.child_by_field_name(f) is not None), None)
    value = node.child_by_field_name("value") or node.child_by_field_name("right")
    if name_node is None:  # Lua: variable_list = expression_list
        names = next((c for c in node.named_children if c.type == "variable_list"), None)
        values = next((c for c in node.named_children if c.type == "expression_list"), None)
        if names is None or values is None or names.named_child_count != 1 or values.named_child_count != 1:
            return "", None
        name_node, value = names, values.named_children[0]
    name = re.sub(r"^(module\.)?exports\.|\.prototype\b", "", _text(name_node))
    return name, value


def _unit_name(node: Node, spec: LanguageSpec) -> str | None:
    """The unit's own name (None: not a unit, e.g. a C declaration of a variable)."""
    if node.type == "impl_item":
        trait = node.child_by_field_name("trait")
        kind = f"impl {_type_name(trait)} for" if trait is not None else "impl"
        return f"{kind} {_type_name(node.child_by_field_name('type'))}"
    if node.child_by_field_name("declarator") is not None and node.type not in ("type_definition",):
        declarator = _function_declarator(node)
        name = declarator.child_by_field_name("declarator") if declarator is not None else None
        if name is None or name.type in ("parenthesized_declarator",):
            return None
        return _text(name)
    if node.type in spec.bindings:
        return _binding_parts(node)[0] or None
    name = node.child_by_field_name("name")
    if name is None and node.parent is not None and node.parent.type == "type_definition":
        name = node.parent.child_by_field_name("declarator")  # typedef struct { ... } name;
    if name is None:
        return None
    text = _type_name(name) if name.type in ("user_type", "generic_type", "scoped_type_identifier") else _text(name)
    kind = node.child_by_field_name("declaration_kind")
    if kind is not None and _text(kind) == "extension":
        return f"extension {text}"
    return text


def _qualifier(node: Node, name: str) -> str:
    """What a container adds to its members' names: an impl's or extension's type, else its name."""
    if node.type == "impl_item":
        return _type_name(node.child_by_field_name("type"))
    return name.removeprefix("extension ")


def _go_receiver(node: Node) -> str:
    receiver = node.child_by_field_name("receiver")
    words = re.findall(r"\w+", _text(receiver)) if receiver is not None else []
    return words[-1] if words else ""


# ----------------------------------------------------------------------------------------------- code spans
def _anchor(node: Node) -> Node:
    """The node a unit's doc comment sits above: the unit, or a wrapper (`export`, decorators, a template line,
    a declaration of a bound function) or a node that starts on its line with nothing before it."""
    anchor = node
    while anchor.parent is not None and anchor.parent.parent is not None and (
            anchor.parent.type in _WRAPPERS
            or (anchor.prev_named_sibling is None and anchor.parent.start_point[0] == anchor.start_point[0])):
        anchor = anchor.parent
    return anchor


def _span_start(node: Node, spec: LanguageSpec) -> Node:
    """The first node of a unit's code: its outermost wrapper (`export`, decorators, a template line, the
    declaration binding it), or the attributes directly above that."""
    first = node
    while first.parent is not None and first.parent.parent is not None and first.parent.type in _WRAPPERS:
        first = first.parent
    sibling = first.prev_named_sibling
    while sibling is not None and sibling.type in spec.attributes and sibling.end_point[0] >= first.start_point[0] - 1:
        first, sibling = sibling, sibling.prev_named_sibling
    return first


def _dedented(lines: list[str], first_col: int) -> str:
    """Dedent a unit's lines; its first line is cut at `first_col` (e.g. after `export `)."""
    if not lines:
        return ""
    head = lines[0]
    if head[:first_col].strip():  # code before the unit on its first line: dedent the rest alone
        return "\n".join([head[first_col:], textwrap.dedent("\n".join(lines[1:]))]).strip("\n")
    return textwrap.dedent("\n".join(lines)).strip("\n")


def _code_text(start: Node, end: Node, file: _File) -> str:
    """The text from `start` to the end of `end`, dedented as its first line is indented."""
    line_start = file.source.rfind(b"\n", 0, start.start_byte) + 1
    text = file.source[line_start : end.end_byte].decode("utf-8", errors="replace")
    return _dedented(text.splitlines(), start.start_point[1])


def _body(node: Node) -> Node | None:
    body = node.child_by_field_name("body")
    if body is not None:
        return body
    return next((c for c in node.named_children if c.type in _BODIES), None)


def _function_body(node: Node) -> Node | None:
    body = node.child_by_field_name("body")
    if body is None:
        body = next((c for c in node.named_children if c.type in _FUNCTION_BODIES), None)
    return body


def _signature_text(start: int, end: int, source: bytes) -> str:
    header = source[start:end].decode("utf-8", errors="replace").rstrip().removesuffix("{").rstrip()
    header = re.sub(r"\s*=>?$", "", header) if not header.endswith(("==", "!=", "<=", ">=")) else header
    return " ".join(header.split()) if "\n" in header else header


def _signature(node: Node, spec: LanguageSpec, source: bytes) -> str:
    """A definition's header: its text up to its body (`def f(a, b) -> int:`, `fn new(x: i32) -> Self`)."""
    if node.type in spec.bindings:
        value = _binding_parts(node)[1]
        body = _function_body(value) if value is not None else None
    else:
        body = _function_body(node) if node.type not in spec.classes else _body(node)
    end = body.start_byte if body is not None and body.start_byte > node.start_byte else node.end_byte
    text = _signature_text(node.start_byte, end, source)
    return text if body is not None else text.splitlines()[0] if text else text


# --------------------------------------------------------------------------------------------------- walking
@dataclass
class _File:
    spec: LanguageSpec
    source: bytes
    lines: list[str]
    documented_only: bool


def _python_docstring_node(function: Node) -> Node | None:
    body = function.child_by_field_name("body")
    if body is None or body.named_child_count == 0:
        return None
    first = body.named_children[0]
    if first.type == "expression_statement" and first.named_child_count == 1 and first.named_children[0].type == "string":
        return first
    return None


def _python_string_value(node: Node) -> str:
    text = _text(node)
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        value = text.strip("\"'rRuUbBfF")
    return inspect.cleandoc(value) if isinstance(value, str) else ""


def _python_code_without_docstring(function: Node, docstring: Node, source_lines: list[str]) -> str:
    first_row, first_col = function.start_point
    last_row = function.end_point[0]
    doc_first, doc_last = docstring.start_point[0], docstring.end_point[0]
    if doc_first == first_row:  # one-liner `def f(): "doc"`: cut the string out of the line
        line = source_lines[first_row].replace(_text(docstring), "pass", 1)
        return _dedented([line, *source_lines[first_row + 1 : last_row + 1]], first_col)
    kept = [row for row in range(first_row, last_row + 1) if not doc_first <= row <= doc_last]
    return _dedented([source_lines[row] for row in kept], first_col)


def _documentation(node: Node, anchor: Node, file: _File) -> tuple[str, Node | None]:
    """(doc summary, Python docstring node to cut from the code) of a unit; ("", None) if none."""
    if file.spec.name == "python":
        doc_node = _python_docstring_node(node)
        if doc_node is None:
            return "", None
        return first_paragraph(_python_string_value(doc_node.named_children[0])), doc_node
    doc = _doc_comment(anchor, file.spec, file.lines)
    return (first_paragraph(doc), None) if doc is not None else ("", None)


def _unit_kind(node: Node, spec: LanguageSpec) -> str | None:
    """function, class, namespace, or None (not a unit)."""
    kind = node.type
    if kind in spec.functions and node.child_by_field_name("declarator") is not None:
        # C/C++: a definition without a function declarator is a misparse (a macro line before `namespace x {`
        # reads as a function named `x`): what it holds is walked as code
        return "function" if _function_declarator(node) is not None else None
    if kind in spec.functions or kind in spec.macros:
        return "function"
    if kind in spec.prototypes:
        return "function" if _unit_name(node, spec) is not None else None
    if kind in spec.bindings:
        value = _binding_parts(node)[1]
        return "function" if value is not None and value.type in spec.function_values else None
    if kind in spec.classes:
        if spec.classes_need_body and _body(node) is None:
            return None
        return "class"
    if kind in spec.namespaces:
        return "namespace"
    return None


def _member_lines(body: Node, file: _File) -> list[str]:
    """A class body's members as outline lines: methods and nested classes by their signature, fields and
    class-level attributes as written (their first `MEMBER_LINES` lines), comments and docstrings left out."""
    spec = file.spec
    lines: list[str] = []
    pending = list(reversed(body.named_children))
    first = True
    while pending:
        child = pending.pop()
        is_docstring = first and spec.name == "python" and child.type == "expression_statement" and \
            child.named_child_count == 1 and child.named_children[0].type == "string"
        first = False
        if is_docstring or child.type in spec.comment_types or child.type in spec.attributes:
            continue
        if child.type in ("decorator", "access_specifier"):
            continue
        kind = _unit_kind(child, spec)
        if kind in ("function", "class"):
            lines.append(_signature(child, spec, file.source))
        elif _holds_unit(child, spec):  # `@decorator def`, `if TYPE_CHECKING:`, `companion object {`
            pending.extend(reversed(child.named_children))
        else:
            text = textwrap.dedent(_text(child)).strip().splitlines() or [""]
            shown = [text[0], *textwrap.dedent("\n".join(text[1:])).splitlines()][:MEMBER_LINES]
            lines.append("\n    ".join(shown) + (" ..." if len(text) > MEMBER_LINES else ""))
    return lines


def _holds_unit(node: Node, spec: LanguageSpec, depth: int = 2) -> bool:
    """Whether a function or class is among `node`'s children (or theirs, to `depth` levels)."""
    return any(_unit_kind(c, spec) in ("function", "class") or (depth > 1 and _holds_unit(c, spec, depth - 1))
               for c in node.named_children)


def _class_outline(node: Node, start: Node, file: _File) -> str:
    """A class as its attributes, header, fields and methods' signatures (see the module docstring)."""
    body = _body(node)
    if body is None:
        return _dedented(file.lines[start.start_point[0] : node.end_point[0] + 1], start.start_point[1])
    prefix = file.source[start.start_byte : node.start_byte].decode("utf-8", errors="replace")
    head, *rest = (prefix + _signature(node, file.spec, file.source)).splitlines() or [""]
    header = "\n".join([head, *textwrap.dedent("\n".join(rest)).splitlines()])
    lines = [*header.splitlines(), *("    " + line for line in _member_lines(body, file))]
    trailer = file.source[body.end_byte : max(start.end_byte, node.end_byte)].decode("utf-8", errors="replace").strip()
    if re.search(r"\w", trailer):  # `} point_t;` of a typedef
        lines.append(f"}} {trailer}")
    return "\n".join(lines)


def _emit(node: Node, kind: str, qualifiers: tuple[str, ...], file: _File) -> MinedFunction | None:
    """The unit at `node`, or None when it is none (no name) or not wanted (undocumented in documented-only mode)."""
    spec = file.spec
    name = _unit_name(node, spec)
    if not name:
        return None
    if node.type == "method_declaration" and spec.name == "go" and _go_receiver(node):
        name = f"{_go_receiver(node)}.{name}"
    anchor = _anchor(node)
    summary, doc_node = _documentation(node, anchor, file)
    is_class = kind == "class"
    needs_doc = node.type in spec.prototypes or (node.type in spec.macros and spec.documented_macros)
    if (needs_doc or file.documented_only) and not summary:
        return None
    if file.documented_only and (is_class or node.type in spec.prototypes):
        return None
    start = node if spec.name == "python" and not is_class else _span_start(node, spec)
    first_row, first_col = start.start_point
    last_row = node.end_point[0] - (1 if node.end_point[1] == 0 and node.end_point[0] > first_row else 0)
    if is_class:
        code = _class_outline(node, start, file)
    elif doc_node is not None:
        code = _python_code_without_docstring(node, doc_node, file.lines)
    else:
        code = _code_text(start, node, file)
    if not code:
        return None
    qualified = spec.separator.join([*qualifiers, name]) if not name.startswith(("impl ", "extension ")) else name
    return MinedFunction(qualified, code, summary, first_row + 1, last_row + 1, "class" if is_class else "function")


def iter_functions(source: str, language: str, *, documented_only: bool = True,
                   script_name: str = "") -> Iterator[MinedFunction]:
    """Yield each unit of `source` (see `MinedFunction` and the module docstring), in the order they start.

    With `documented_only` (training pairs), only functions with a doc summary; without it (the index), every
    function and class (``docstring`` empty when there is none), a file's module documentation (Rust ``//!``)
    as a section, and, when `script_name` is given and the file has top-level code but no unit, one ``script``
    unit of that name holding the whole file.
    """
    spec = LANGUAGES[language]
    source_bytes = source.encode("utf-8")
    tree = parser_for(language).parse(source_bytes)
    file = _File(spec, source_bytes, source.splitlines(), documented_only)
    found: list[MinedFunction] = []
    stack: list[tuple[Node, tuple[str, ...], bool]] = [(tree.root_node, (), False)]
    while stack:
        node, qualifiers, in_function = stack.pop()
        kind = _unit_kind(node, spec)
        children_qualifiers, children_in_function = qualifiers, in_function
        if kind == "function":
            if not in_function or documented_only:  # training pairs keep documented closures too
                unit = _emit(node, kind, qualifiers, file)
                if unit is not None:
                    found.append(unit)
            if not documented_only:
                continue  # what a function defines is local to it: no caller reaches it by name
            children_in_function = True
        elif kind == "class":
            if in_function and not documented_only:
                continue
            unit = _emit(node, kind, qualifiers, file)
            if unit is not None and not documented_only:
                found.append(unit)
            name = _unit_name(node, spec)
            children_qualifiers = (*qualifiers, _qualifier(node, name)) if name else qualifiers
        elif kind == "namespace":
            name = _unit_name(node, spec)
            children_qualifiers = (*qualifiers, name) if name else qualifiers
        elif node.type in spec.function_values:
            children_in_function = True  # inside a callback or an immediately invoked function
        stack.extend((child, children_qualifiers, children_in_function) for child in reversed(node.named_children))
    if not documented_only:
        inner = _inner_doc(tree.root_node, spec)
        if inner is not None and first_paragraph(inner[0]):
            found.append(MinedFunction("module docs", inner[0].strip(), first_paragraph(inner[0]), 1, inner[1] + 1,
                                       "section"))
        if script_name and not found and _has_code(tree.root_node, spec) and source.strip():
            lines = source.splitlines()
            found.append(MinedFunction(script_name, source.strip("\n"), "", 1, len(lines), "script"))
    found.sort(key=lambda unit: unit.first_line)
    return iter(found)


def _has_code(root: Node, spec: LanguageSpec) -> bool:
    """Whether a file has top-level statements (not only comments, imports or package lines)."""
    skipped = spec.comment_types | {"import_statement", "import_from_statement", "package_clause", "package_header",
                                    "package_declaration", "preproc_include", "use_declaration", "import_declaration",
                                    "using_directive", "import_header", "import_list", "future_import_statement"}
    return any(child.type not in skipped for child in root.named_children)

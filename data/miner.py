"""Mine functions and classes from source trees with tree-sitter, CodeSearchNet style.

Two uses, two modes. Training pairs (``documented_only=True``, the default): one record per function or
method that carries a docstring (Python) or a doc comment directly above it (Java, JavaScript, PHP:
``/** ... */``; Go: ``//`` lines; Ruby: ``#`` lines); the docstring is removed from ``code`` and its first
paragraph becomes ``docstring``, as CodeSearchNet did. The index (``documented_only=False``): every
documented function and method, every undocumented one that is public (no part of its name, file or folder
starts with an underscore, and its top-level name is in the module's ``__all__`` when the module has one, with
the names later ``append``-ed or ``extend``-ed to it; a public method of a private base class that a public class
inherits counts as public, as `argparse.ArgumentParser` exposes `_ActionsContainer.add_mutually_exclusive_group`;
a class's undocumented ``__init__`` and other dunders are covered by the class outline), and every class as an
outline (functions and classes defined inside a function are left out: closures are no API, and their bare
names, `cache_info` for `functools._lru_cache_wrapper.<locals>.cache_info`, would ground answers in names that
do not exist): its header line and the signatures of its methods, with its
docstring summary when it has one (``docstring`` is empty when there is none). Leaving out undocumented
internals was measured on the how-to dev questions: with them, they crowd out the public API.

Does not handle: anonymous functions and arrow functions bound to variables, languages other than the six
in ``LANGUAGES``, or dedup/splitting (see ``splits``).
"""

from __future__ import annotations

import ast
import functools
import inspect
import logging
import multiprocessing
import os
import re
import textwrap
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import NamedTuple

from tqdm.auto import tqdm
from tree_sitter import Language, Node, Parser

from data.errors import InputError
from data.records import Record
from data.visible_files import visible_files

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LanguageSpec:
    """How to find documented functions of one language in its tree-sitter grammar."""

    name: str
    suffixes: tuple[str, ...]
    function_types: frozenset[str]
    container_types: frozenset[str]  # classes/modules whose name prefixes a method's func_name
    comment_types: frozenset[str]
    load_language: Callable[[], object]
    block_doc_comment: bool  # True: one /** */ comment; False: a run of line comments


def _grammar(module: str, attr: str = "language") -> Callable[[], object]:
    def load() -> object:
        return getattr(__import__(module), attr)()

    return load


LANGUAGES: dict[str, LanguageSpec] = {
    spec.name: spec
    for spec in (
        LanguageSpec("python", (".py",), frozenset({"function_definition"}), frozenset({"class_definition"}),
                     frozenset(), _grammar("tree_sitter_python"), block_doc_comment=False),
        LanguageSpec("java", (".java",), frozenset({"method_declaration", "constructor_declaration"}),
                     frozenset({"class_declaration", "interface_declaration", "enum_declaration"}),
                     frozenset({"block_comment", "comment"}), _grammar("tree_sitter_java"), block_doc_comment=True),
        LanguageSpec("javascript", (".js", ".mjs", ".cjs"),
                     frozenset({"function_declaration", "generator_function_declaration", "method_definition"}),
                     frozenset({"class_declaration"}), frozenset({"comment"}),
                     _grammar("tree_sitter_javascript"), block_doc_comment=True),
        LanguageSpec("go", (".go",), frozenset({"function_declaration", "method_declaration"}), frozenset(),
                     frozenset({"comment"}), _grammar("tree_sitter_go"), block_doc_comment=False),
        LanguageSpec("php", (".php",), frozenset({"function_definition", "method_declaration"}),
                     frozenset({"class_declaration", "interface_declaration", "trait_declaration"}),
                     frozenset({"comment"}), _grammar("tree_sitter_php", "language_php"), block_doc_comment=True),
        LanguageSpec("ruby", (".rb",), frozenset({"method", "singleton_method"}), frozenset({"class", "module"}),
                     frozenset({"comment"}), _grammar("tree_sitter_ruby"), block_doc_comment=False),
    )
}
SUFFIX_TO_LANGUAGE = {suffix: spec.name for spec in LANGUAGES.values() for suffix in spec.suffixes}
DEFAULT_EXCLUDED_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", "__pycache__", "site-packages", "dist-packages", ".venv", "venv", ".tox"}
)
_DOC_TAG = re.compile(r"^\s*(@\w+|:param\b|:return|:raises?\b|Args:|Returns:|Raises:|Parameters\n)")


@cache
def _parser(language: str) -> Parser:
    return Parser(Language(LANGUAGES[language].load_language()))


@dataclass
class MineReport:
    """What a mining pass saw: files read, files skipped by reason, records found."""

    files_read: int = 0
    records: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    documented: int = 0
    classes: int = 0

    def summary(self) -> str:
        """One line for the log."""
        skipped = ", ".join(f"{count} {reason}" for reason, count in sorted(self.skipped.items())) or "none"
        if self.documented == self.records and not self.classes:
            found = f"{self.records} documented functions"
        else:
            found = f"{self.records} functions and classes ({self.documented} documented, {self.classes} classes)"
        return f"{found} from {self.files_read} files; skipped files: {skipped}"


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
    tree = _parser(language).parse(source_bytes)
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


def _is_private_name(func_name: str) -> bool:
    """Any part starts with an underscore: `_helper`, `Parser._step`, `Reader.__next__`."""
    return any(part.startswith("_") for part in func_name.split("."))


_ALL = re.compile(r"^__all__\s*=\s*([\[(].*?[\])])", re.M | re.S)


def _literal_names(node: ast.expr) -> set[str] | None:
    """The strings of a literal list/tuple (or a `+` of them); None when it is not one."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal_names(node.left), _literal_names(node.right)
        return None if left is None or right is None else left | right
    try:
        value = ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return None
    return {n for n in value if isinstance(n, str)} if isinstance(value, (list, tuple)) else None


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements a module runs on import, in order, inside `if`/`try`/`with` blocks too (not in defs)."""
    for statement in body:
        yield statement
        if isinstance(statement, (ast.If, ast.For, ast.While, ast.With)):
            yield from _module_level([*statement.body, *getattr(statement, "orelse", [])])
        elif isinstance(statement, ast.Try):
            for block in (statement.body, *(h.body for h in statement.handlers), statement.orelse,
                          statement.finalbody):
                yield from _module_level(block)


def _is_all(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "__all__"


def _python_all(source: str, tree: ast.Module | None = None) -> frozenset[str] | None:
    """The names a Python module exports in `__all__`: the literal it is assigned, with the literal names later
    added by ``+=``, ``.append`` and ``.extend`` (`os` adds `popen` so); None when it has no literal one.
    Names added by non-literal expressions (``__all__.extend(_get_exports_list(posix))``) are not known here,
    and come from other modules anyway."""
    if tree is None:
        match = _ALL.search(source)  # the file does not parse as this Python's syntax: the first literal
        if match is None:
            return None
        try:
            names = ast.literal_eval(match.group(1))
        except (ValueError, SyntaxError):
            return None
        return frozenset(n for n in names if isinstance(n, str))
    exported: set[str] | None = None
    for statement in _module_level(tree.body):
        added: set[str] | None = None
        if isinstance(statement, ast.Assign) and any(_is_all(t) for t in statement.targets):
            exported = _literal_names(statement.value)
            continue
        if isinstance(statement, ast.AugAssign) and _is_all(statement.target):
            added = _literal_names(statement.value)
        elif (isinstance(statement, ast.Expr) and isinstance(call := statement.value, ast.Call)
              and isinstance(call.func, ast.Attribute) and _is_all(call.func.value) and len(call.args) == 1):
            argument = call.args[0]
            if call.func.attr == "append" and isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                added = {argument.value}
            elif call.func.attr == "extend":
                added = _literal_names(argument)
        if exported is not None and added:
            exported |= added
    return None if exported is None else frozenset(exported)


def _exposed_private_classes(tree: ast.Module, exported: frozenset[str] | None) -> frozenset[str]:
    """Private top-level classes whose methods a public class of the module inherits (`argparse`'s
    `_ActionsContainer` under `ArgumentParser`): their public methods are the module's API."""
    classes = {c.name: c for c in tree.body if isinstance(c, ast.ClassDef)}
    exposed: set[str] = set()
    pending = [c for name, c in classes.items() if not name.startswith("_") and (exported is None or name in exported)]
    while pending:
        for base in pending.pop().bases:
            if isinstance(base, ast.Name) and base.id.startswith("_") and base.id in classes and base.id not in exposed:
                exposed.add(base.id)
                pending.append(classes[base.id])
    return frozenset(exposed)


def _python_tree(source: str) -> ast.Module | None:
    """The module's syntax tree; None when it does not parse (Python 2 files, templates). Its syntax warnings
    (invalid escapes in the miner's input) are not the user's to read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def _undocumented_api(func_name: str, exported: frozenset[str] | None, exposed: frozenset[str]) -> bool:
    """An undocumented function or class is API: its top-level name is exported (in `__all__`, or public when
    there is none) or, for a method, a private base class a public one inherits (the base's own outline is not: the
    subclass's is the API), and no other part starts with an underscore."""
    top, *rest = func_name.split(".")
    top_public = (top in exposed and bool(rest)) or (not top.startswith("_") and (exported is None or top in exported))
    return top_public and not _is_private_name(".".join(rest))


_DEPRECATION_CATEGORIES = frozenset({"DeprecationWarning", "PendingDeprecationWarning"})


def python_module_deprecated(source: str, tree: ast.Module | None = None) -> bool:
    """The module warns of its own deprecation when imported: a top-level ``warnings.warn(..., DeprecationWarning)``
    or ``warnings._deprecated(__name__, ...)`` (the standard library's idioms: distutils, imp, pipes, smtpd, ...).
    `tree`: the source's syntax tree when the caller has already parsed it."""
    if "eprecat" not in source:  # cheap test before parsing
        return False
    tree = tree if tree is not None else _python_tree(source)
    if tree is None:
        return False
    for node in tree.body:
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
            continue
        call = node.value
        name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
        if name == "_deprecated":
            return True
        if name == "warn":
            categories = [*call.args[1:2], *(k.value for k in call.keywords if k.arg == "category")]
            if any(isinstance(c, ast.Name) and c.id in _DEPRECATION_CATEGORIES for c in categories):
                return True
    return False


def _in_deprecated_python_module(path: Path, source: str, base: Path, packages: dict[Path, bool],
                                 tree: ast.Module | None = None) -> bool:
    """`path` (read as `source`, parsed as `tree` when given) is a deprecated module, or lies in a package below
    `base` whose ``__init__.py`` is one; `packages` caches each folder's verdict."""
    if python_module_deprecated(source, tree):
        return True
    folder = path.parent
    while folder != base and base in folder.parents:
        if folder not in packages:
            init = folder / "__init__.py"
            packages[folder] = init.is_file() and python_module_deprecated(init.read_text(encoding="utf-8", errors="replace"))
        if packages[folder]:
            return True
        folder = folder.parent
    return False


def _is_private_path(path: str) -> bool:
    """A file or folder named with a leading underscore (`_pydecimal.py`), `__init__.py` excepted."""
    return any(part.startswith("_") and part != "__init__.py" for part in path.split("/"))


def _read_source(path: Path, max_file_bytes: int, report: MineReport) -> str | None:
    try:
        size = path.stat().st_size
        if size > max_file_bytes:
            report.skipped["too large"] += 1
            return None
        raw = path.read_bytes()
    except OSError:
        report.skipped["unreadable"] += 1
        return None
    if b"\x00" in raw[:8192]:
        report.skipped["binary"] += 1
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        report.skipped["not UTF-8"] += 1
        return None
    if text and max(map(len, text.splitlines() or [""])) > 2000:
        report.skipped["minified (line over 2000 chars)"] += 1
        return None
    return text


def source_files(root: Path, languages: frozenset[str], excluded_dirs: frozenset[str], *,
                 include_ignored: bool = False) -> list[Path]:
    """Files under `root` in the given languages, in a deterministic (sorted) order: inside a git work tree,
    what git tracks or could add (`visible_files`: `.gitignore` respected) unless `include_ignored`; elsewhere
    (or with `include_ignored`) every file outside the `excluded_dirs` folders."""
    if root.is_file():
        return [root] if SUFFIX_TO_LANGUAGE.get(root.suffix) in languages else []
    visible = None if include_ignored else visible_files(root)
    if visible is not None:
        return [path for path in visible if SUFFIX_TO_LANGUAGE.get(path.suffix) in languages]
    found: list[Path] = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in excluded_dirs)
        found.extend(
            Path(directory) / name for name in sorted(files) if SUFFIX_TO_LANGUAGE.get(Path(name).suffix) in languages
        )
    return found


def mine_tree(
    root: str | Path,
    *,
    languages: frozenset[str] | None = None,
    excluded_dirs: frozenset[str] = DEFAULT_EXCLUDED_DIRS,
    max_file_bytes: int = 1_000_000,
    repo: str | None = None,
    report: MineReport | None = None,
    show_progress: bool | None = None,
    documented_only: bool = True,
    include_ignored: bool = False,
    only: frozenset[Path] | None = None,
    workers: int = 1,
) -> list[Record]:
    """Mine documented functions (or, for an index, every function and class) from a source tree or file.

    Args:
        root: a folder or a single source file.
        languages: language names from ``LANGUAGES``; all six when None.
        excluded_dirs: folder names never entered.
        max_file_bytes: larger files are skipped and counted.
        repo: the records' ``repo`` field; the folder's name when None.
        report: filled with counts of files read and skipped.
        show_progress: show a bar; None shows it when logging is at INFO or lower.
        documented_only: True for training pairs; False for an index (see `iter_functions`), which also leaves
            out Python modules that warn of their own deprecation on import, and the packages under one.
        include_ignored: inside a git work tree, also the files `.gitignore` excludes (see `source_files`).
        only: mine just these files of the tree (resolved paths; an index refresh re-mines what changed).
        workers: parse files in this many processes (the same records, in the same order, as one).

    Raises:
        FileNotFoundError: `root` does not exist.
        InputError: an unknown language name.
    """
    report = report if report is not None else MineReport()
    records = list(iter_tree(root, languages=languages, excluded_dirs=excluded_dirs, max_file_bytes=max_file_bytes,
                             repo=repo, report=report, show_progress=show_progress, documented_only=documented_only,
                             include_ignored=include_ignored, only=only, workers=workers))
    report.records += len(records)
    return records


def iter_tree(
    root: str | Path,
    *,
    languages: frozenset[str] | None = None,
    excluded_dirs: frozenset[str] = DEFAULT_EXCLUDED_DIRS,
    max_file_bytes: int = 1_000_000,
    repo: str | None = None,
    report: MineReport | None = None,
    show_progress: bool | None = None,
    documented_only: bool = True,
    include_ignored: bool = False,
    only: frozenset[Path] | None = None,
    workers: int = 1,
) -> Iterator[Record]:
    """`mine_tree` one record at a time, reading one file at a time (for lazy loaders); same arguments.

    The checks on `root` and `languages` run at the first `next()`.
    """
    root = Path(root).resolve()
    if not root.exists():
        msg = f"no such file or folder: {root}"
        raise FileNotFoundError(msg)
    languages = frozenset(languages or LANGUAGES)
    unknown = sorted(languages - set(LANGUAGES))
    if unknown:
        msg = f"unknown language(s) {unknown}: choose from {sorted(LANGUAGES)}"
        raise InputError(msg)
    report = report if report is not None else MineReport()
    repo = repo or root.name
    base = root.parent if root.is_file() else root
    files = source_files(root, languages, excluded_dirs, include_ignored=include_ignored)
    if only is not None:
        files = [path for path in files if path in only]
    if show_progress is None:
        show_progress = logger.isEnabledFor(logging.INFO)
    mine_one = functools.partial(_mine_file, base=base, repo=repo, documented_only=documented_only,
                                 max_file_bytes=max_file_bytes)
    with tqdm(total=len(files), desc=f"Mining {repo}", unit="file", disable=not show_progress) as bar:
        if workers <= 1 or len(files) < 2:
            results: Iterator[tuple[list[Record], MineReport]] = map(mine_one, files)
            pool = None
        else:  # files parsed in worker processes, results in file order: the same records as one process
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
            results = pool.map(mine_one, files, chunksize=16)
        try:
            for records, seen in results:
                report.files_read += seen.files_read
                report.skipped.update(seen.skipped)
                report.documented += seen.documented
                report.classes += seen.classes
                bar.update(1)
                yield from records
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)


_DEPRECATED_PACKAGES: dict[Path, bool] = {}  # per process: each folder's verdict (`_in_deprecated_python_module`)


def _mine_file(path: Path, *, base: Path, repo: str, documented_only: bool, max_file_bytes: int,
               ) -> tuple[list[Record], MineReport]:
    """The records of one source file and what reading it counted (run in a worker process by `iter_tree`)."""
    report = MineReport()
    records: list[Record] = []
    text = _read_source(path, max_file_bytes, report)
    if text is None:
        return records, report
    language = SUFFIX_TO_LANGUAGE[path.suffix]
    tree = _python_tree(text) if language == "python" and not documented_only else None  # parsed once, used twice
    if not documented_only and language == "python" and _in_deprecated_python_module(
            path, text, base, _DEPRECATED_PACKAGES, tree):
        report.skipped["deprecated modules"] += 1  # an index points at what to use, not at what is going away
        return records, report
    report.files_read += 1
    relative = path.relative_to(base).as_posix()
    hidden_file = _is_private_path(relative)
    exported: frozenset[str] | None = None
    exposed: frozenset[str] = frozenset()
    if language == "python" and not documented_only:
        exported = _python_all(text, tree)
        exposed = _exposed_private_classes(tree, exported) if tree is not None else frozenset()
    for found in iter_functions(text, language, documented_only=documented_only):
        if not found.docstring and (hidden_file or not _undocumented_api(found.func_name, exported, exposed)):
            continue  # undocumented internals (`_helper`, `Class.__init__`, not in `__all__`): not an API
        report.documented += bool(found.docstring)
        report.classes += found.is_class
        records.append(Record(repo=repo, path=relative, func_name=found.func_name, language=language, code=found.code,
                              docstring=found.docstring, url=f"{path.as_uri()}#L{found.first_line}-L{found.last_line}"))
    return records, report

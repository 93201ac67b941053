"""Which undocumented Python functions are public API (no underscore in their name, file or folder, named in
``__all__`` when the module has one, or public methods of a private base a public class exposes), and which
modules are deprecated (they warn with DeprecationWarning on import). Does not handle: parsing functions
(see `functions`).
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterator
from pathlib import Path


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


def python_all(source: str, tree: ast.Module | None = None) -> frozenset[str] | None:
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


def exposed_private_classes(tree: ast.Module, exported: frozenset[str] | None) -> frozenset[str]:
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


def python_tree(source: str) -> ast.Module | None:
    """The module's syntax tree; None when it does not parse (Python 2 files, templates). Its syntax warnings
    (invalid escapes in the miner's input) are not the user's to read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def undocumented_api(func_name: str, exported: frozenset[str] | None, exposed: frozenset[str]) -> bool:
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
    tree = tree if tree is not None else python_tree(source)
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


def in_deprecated_python_module(path: Path, source: str, base: Path, packages: dict[Path, bool],
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


def is_private_path(path: str) -> bool:
    """A file or folder named with a leading underscore (`_pydecimal.py`), `__init__.py` excepted."""
    return any(part.startswith("_") and part != "__init__.py" for part in path.split("/"))

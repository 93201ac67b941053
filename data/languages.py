"""The languages the miner reads: each one's file suffixes, tree-sitter grammar and the node types that hold
functions, classes and doc comments; and the folders a walk leaves out. Does not handle: reading files (see
`miner`) or parsing them (see `functions`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from tree_sitter import Language, Parser


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

@cache
def parser_for(language: str) -> Parser:
    return Parser(Language(LANGUAGES[language].load_language()))

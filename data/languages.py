"""Every kind of file the index reads, in one table: each programming language's file names, tree-sitter grammar
and the node types that hold its units (functions, classes, macros) and doc comments; the documentation and
configuration formats, read as sections or windows; and the folders a walk leaves out. Adding a language is an
entry here (and a fixture in tests/data/fixtures/languages/). Does not handle: reading files (see `miner`),
extracting units (see `functions`) or splitting documents (see `sections`).

`.h` is read as C++ when the header uses C++ (a class, a namespace, a template, `::` or an access specifier;
`header_language`), else as C (`extern "C"` is C's own idiom for C++ callers): a C header parses as C, a C++ header
as C++, whatever the rest of the repository is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import PurePath

from tree_sitter import Language, Parser

from data.cli import InputError

CODE, DOCS, CONFIG = "code", "docs", "config"
KINDS = ("function", "class", "section", "config", "script")
"""What an index entry is: a function, method, constructor or macro; a class, struct, enum, interface, trait, impl
block, protocol or object; a section of a document; a window of a configuration file; a script's top-level code."""


def _grammar(module: str, attr: str = "language") -> Callable[[], object]:
    def load() -> object:
        return getattr(__import__(module), attr)()

    return load


def _types(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class LanguageSpec:
    """How one language's files are read. For code (`reads` ``code``), the tree-sitter node types of its units:

    - `functions`: functions, methods, constructors; `classes`: classes, structs, enums, interfaces, traits,
      impl blocks, protocols, objects (they qualify the names of their members); `namespaces`: containers that
      qualify names but are no unit (a C++ namespace, a Rust module);
    - `bindings` whose value is one of `function_values` are functions named by the binding
      (``export const f = (...) => {...}``); `macros`: macro definitions that are API (with `documented_macros`,
      only those with a doc comment: a C ``#define f(x)``); `prototypes`: declarations that are units when they
      have a doc comment (a C prototype in a header, a trait's required method);
    - `attributes`: siblings above a unit that belong to it (``#[derive(Debug)]``);
    - doc comments: the nearest comment of `comment_types` directly above a unit when it starts with one of
      `doc_block` (``/**``; in C and C++ any ``/*``), or the run of line comments above it when its first line starts with one of
      `doc_lines` (``///``); `inner_doc`: line comments that document the file they open (Rust ``//!``);
      `xml_doc`: tags are stripped (C# ``<summary>``).
    """

    name: str
    suffixes: tuple[str, ...] = ()
    filenames: tuple[str, ...] = ()  # whole file names, any case (`Dockerfile`, `README`)
    reads: str = CODE
    grammar: Callable[[], object] | None = None
    functions: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()
    namespaces: frozenset[str] = frozenset()
    bindings: frozenset[str] = frozenset()
    function_values: frozenset[str] = frozenset()
    macros: frozenset[str] = frozenset()
    documented_macros: bool = False
    prototypes: frozenset[str] = frozenset()
    attributes: frozenset[str] = frozenset()
    comment_types: frozenset[str] = frozenset({"comment"})
    doc_block: tuple[str, ...] = ()
    doc_lines: tuple[str, ...] = ()
    inner_doc: tuple[str, ...] = ()
    xml_doc: bool = False
    separator: str = "."  # between a container's name and its member's: `Type::method` in Rust and C++
    classes_need_body: bool = False  # C/C++: `struct s;` is a declaration, not the struct
    filename_prefixes: tuple[str, ...] = field(default=())  # `Dockerfile.dev`
    title: str = ""  # how the language is written in prose (`C++`); its name capitalized when empty

    @property
    def display_name(self) -> str:
        """The language as prose writes it: ``C++``, ``TypeScript``, ``Python``."""
        return self.title or self.name.capitalize()

    @property
    def is_code(self) -> bool:
        """Whether its files are parsed into units (else read as sections or windows)."""
        return self.reads == CODE


_C_LIKE_DOC = {"doc_block": ("/*",), "doc_lines": ("//",)}  # C APIs document with plain /* */ above too (cJSON)
_JS_FUNCTIONS = _types("function_declaration generator_function_declaration method_definition")
_JS_BINDINGS = _types("variable_declarator assignment_expression field_definition public_field_definition")
_JS_VALUES = _types("arrow_function function_expression function generator_function")

LANGUAGES: dict[str, LanguageSpec] = {
    spec.name: spec
    for spec in (
        LanguageSpec("python", (".py",), grammar=_grammar("tree_sitter_python"),
                     functions=_types("function_definition"), classes=_types("class_definition")),
        LanguageSpec("java", (".java",), grammar=_grammar("tree_sitter_java"),
                     functions=_types("method_declaration constructor_declaration"),
                     classes=_types("class_declaration interface_declaration enum_declaration record_declaration"),
                     comment_types=_types("block_comment line_comment comment"), doc_block=("/**",)),
        LanguageSpec("javascript", (".js", ".mjs", ".cjs", ".jsx"), title="JavaScript", grammar=_grammar("tree_sitter_javascript"),
                     functions=_JS_FUNCTIONS, classes=_types("class_declaration"), bindings=_JS_BINDINGS,
                     function_values=_JS_VALUES, doc_block=("/**",)),
        LanguageSpec("typescript", (".ts", ".mts", ".cts"), title="TypeScript",
                     grammar=_grammar("tree_sitter_typescript", "language_typescript"),
                     functions=_JS_FUNCTIONS,
                     classes=_types("class_declaration abstract_class_declaration interface_declaration enum_declaration "
                                    "type_alias_declaration"),
                     namespaces=_types("internal_module module"), bindings=_JS_BINDINGS, function_values=_JS_VALUES,
                     prototypes=_types("abstract_method_signature function_signature method_signature"), doc_block=("/**",)),
        LanguageSpec("tsx", (".tsx",), title="TSX", grammar=_grammar("tree_sitter_typescript", "language_tsx"),
                     functions=_JS_FUNCTIONS,
                     classes=_types("class_declaration abstract_class_declaration interface_declaration enum_declaration "
                                    "type_alias_declaration"),
                     namespaces=_types("internal_module module"), bindings=_JS_BINDINGS, function_values=_JS_VALUES,
                     prototypes=_types("abstract_method_signature function_signature method_signature"), doc_block=("/**",)),
        LanguageSpec("go", (".go",), grammar=_grammar("tree_sitter_go"),
                     functions=_types("function_declaration method_declaration"), classes=_types("type_spec"),
                     doc_lines=("//",)),
        LanguageSpec("php", (".php",), title="PHP", grammar=_grammar("tree_sitter_php", "language_php"),
                     functions=_types("function_definition method_declaration"),
                     classes=_types("class_declaration interface_declaration trait_declaration enum_declaration"),
                     doc_block=("/**",)),
        LanguageSpec("ruby", (".rb",), grammar=_grammar("tree_sitter_ruby"),
                     functions=_types("method singleton_method"), classes=_types("class module"), doc_lines=("#",)),
        LanguageSpec("rust", (".rs",), grammar=_grammar("tree_sitter_rust"),
                     functions=_types("function_item"),
                     classes=_types("struct_item enum_item union_item trait_item impl_item"), namespaces=_types("mod_item"),
                     macros=_types("macro_definition"), prototypes=_types("function_signature_item"),
                     attributes=_types("attribute_item"), comment_types=_types("line_comment block_comment"),
                     doc_block=("/**",), doc_lines=("///",), inner_doc=("//!",), separator="::"),
        LanguageSpec("c", (".c", ".h"), grammar=_grammar("tree_sitter_c"),
                     functions=_types("function_definition"), classes=_types("struct_specifier enum_specifier union_specifier"),
                     macros=_types("preproc_function_def"), documented_macros=True, prototypes=_types("declaration"),
                     classes_need_body=True, **_C_LIKE_DOC),
        LanguageSpec("cpp", (".cc", ".cpp", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".h++", ".ipp", ".tpp", ".h"), title="C++",
                     grammar=_grammar("tree_sitter_cpp"), functions=_types("function_definition"),
                     classes=_types("class_specifier struct_specifier enum_specifier union_specifier"),
                     namespaces=_types("namespace_definition"), macros=_types("preproc_function_def"),
                     documented_macros=True, prototypes=_types("declaration field_declaration"),
                     classes_need_body=True, separator="::", **_C_LIKE_DOC),
        LanguageSpec("csharp", (".cs",), title="C#", grammar=_grammar("tree_sitter_c_sharp"),
                     functions=_types("method_declaration constructor_declaration operator_declaration"),
                     classes=_types("class_declaration struct_declaration interface_declaration enum_declaration "
                                    "record_declaration"),
                     doc_block=("/**",), doc_lines=("///",), xml_doc=True),
        LanguageSpec("kotlin", (".kt", ".kts"), grammar=_grammar("tree_sitter_kotlin"),
                     functions=_types("function_declaration secondary_constructor"),
                     classes=_types("class_declaration object_declaration"),
                     comment_types=_types("block_comment line_comment"), doc_block=("/**",)),
        LanguageSpec("swift", (".swift",), grammar=_grammar("tree_sitter_swift"),
                     functions=_types("function_declaration init_declaration deinit_declaration"),
                     classes=_types("class_declaration protocol_declaration"),
                     prototypes=_types("protocol_function_declaration"),
                     comment_types=_types("comment multiline_comment"), doc_block=("/**",), doc_lines=("///",)),
        LanguageSpec("scala", (".scala", ".sc"), grammar=_grammar("tree_sitter_scala"),
                     functions=_types("function_definition"),
                     classes=_types("class_definition object_definition trait_definition enum_definition"),
                     prototypes=_types("function_declaration"), comment_types=_types("block_comment comment"),
                     doc_block=("/**",)),
        LanguageSpec("lua", (".lua",), grammar=_grammar("tree_sitter_lua"),
                     functions=_types("function_declaration"), bindings=_types("assignment_statement"),
                     function_values=_types("function_definition"), doc_lines=("---",)),
        LanguageSpec("bash", (".sh", ".bash", ".zsh"), grammar=_grammar("tree_sitter_bash"),
                     functions=_types("function_definition"), doc_lines=("#",)),
        # documents: sections by heading (`sections.document_sections`)
        LanguageSpec("markdown", (".md", ".markdown", ".mdx"), reads=DOCS),
        LanguageSpec("restructuredtext", (".rst",), title="reStructuredText", reads=DOCS),
        LanguageSpec("text", (".txt",), filenames=("README", "CHANGELOG", "CHANGES", "HISTORY", "NEWS", "CONTRIBUTING",
                                                   "AUTHORS", "INSTALL", "TODO", "NOTICE"), reads=DOCS),
        # configuration: windows of lines (`sections.config_windows`)
        LanguageSpec("toml", (".toml",), title="TOML", reads=CONFIG),
        LanguageSpec("yaml", (".yaml", ".yml"), title="YAML", reads=CONFIG),
        LanguageSpec("json", (".json",), title="JSON", reads=CONFIG),
        LanguageSpec("ini", (".ini", ".cfg", ".conf", ".properties"), title="INI", filenames=("requirements.txt",), reads=CONFIG),
        LanguageSpec("dockerfile", (".dockerfile",), filenames=("Dockerfile", "Containerfile"),
                     filename_prefixes=("Dockerfile.",), reads=CONFIG),
        LanguageSpec("makefile", (".mk",), filenames=("Makefile", "GNUmakefile", "makefile", "CMakeLists.txt"),
                     reads=CONFIG),
    )
}
CODE_LANGUAGES = frozenset(name for name, spec in LANGUAGES.items() if spec.is_code)
MAX_CONFIG_BYTES = {"json": 64_000}  # a larger JSON file is data, not configuration
SUFFIX_TO_LANGUAGE: dict[str, str] = {}
for _spec in LANGUAGES.values():
    for _suffix in _spec.suffixes:
        SUFFIX_TO_LANGUAGE.setdefault(_suffix, _spec.name)  # `.h`: C first (see `header_language`)
_FILENAME_TO_LANGUAGE = {name.lower(): spec.name for spec in LANGUAGES.values() for name in spec.filenames}
_PREFIXES = tuple((prefix.lower(), spec.name) for spec in LANGUAGES.values() for prefix in spec.filename_prefixes)

DEFAULT_EXCLUDED_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", "__pycache__", "site-packages", "dist-packages", ".venv", "venv", ".tox"}
)
LOCK_FILES = frozenset({"package-lock.json", "yarn.lock", "pnpm-lock.yaml", "cargo.lock", "poetry.lock", "go.sum",
                        "composer.lock", "gemfile.lock", "pipfile.lock", "uv.lock", "npm-shrinkwrap.json",
                        "bun.lockb", "packages.lock.json", "podfile.lock", "flake.lock", "mix.lock"})


_TEST_FOLDERS = frozenset({"test", "tests", "__tests__", "testing", "spec", "specs", "fuzz", "fuzzing", "testdata",
                           "test_data", "e2e"})
_TEST_FILE = re.compile(r"^(test_.+\.py|.+_test\.(py|go|rs|c|cc|cpp)|.+\.(test|spec)\.[cm]?[jt]sx?|"
                        r".+(Test|Tests|Spec)\.(java|kt|swift|cs|scala)|.+_spec\.rb)$")


def language_in_prose(language: str) -> str:
    """A language's name as prose writes it (`C++`, `TypeScript`), for one the table lacks its name capitalized."""
    spec = LANGUAGES.get(language)
    return spec.display_name if spec is not None else language.capitalize()


def is_test_path(path: str) -> bool:
    """Whether a corpus-relative path is test code: under a test folder (`tests/`, `__tests__/`, `RainbowTests/`,
    `fuzz/`...) or named as a test file (`test_x.py`, `x_test.go`, `x.spec.ts`, `XTests.swift`, `x_spec.rb`...)."""
    *folders, name = path.split("/")
    return any(f.lower() in _TEST_FOLDERS or f.endswith("Tests") for f in folders) or bool(_TEST_FILE.match(name))


def path_language(path: PurePath) -> str | None:
    """The language a file is read as, from its name (`.h`: C here, `header_language` decides after reading);
    None for a file no entry reads."""
    name = path.name.lower()
    if name in _FILENAME_TO_LANGUAGE:
        return _FILENAME_TO_LANGUAGE[name]
    for prefix, language in _PREFIXES:
        if name.startswith(prefix):
            return language
    return SUFFIX_TO_LANGUAGE.get(path.suffix.lower()) if path.suffix else None


def path_languages(path: PurePath) -> frozenset[str]:
    """Every language a file may be read as: `.h` may be C or C++."""
    language = path_language(path)
    if language is None:
        return frozenset()
    return frozenset({"c", "cpp"}) if path.suffix.lower() == ".h" else frozenset({language})


_CPP_HEADER = re.compile(r"^\s*(class|namespace|template)\b|::|^\s*(public|private|protected)\s*:", re.M)


def header_language(text: str) -> str:
    """A `.h` file's language: C++ when it uses C++ (see the module docstring), else C."""
    return "cpp" if _CPP_HEADER.search(text) else "c"


def file_language(path: PurePath, text: str) -> str | None:
    """The language a file with this text is read as."""
    language = path_language(path)
    return header_language(text) if language is not None and path.suffix.lower() == ".h" else language


def check_languages(names: frozenset[str] | set[str] | list[str]) -> None:
    """Raise `InputError` naming the unknown ones."""
    unknown = sorted(set(names) - set(LANGUAGES))
    if unknown:
        msg = f"unknown language(s) {unknown}: choose from {', '.join(sorted(LANGUAGES))}"
        raise InputError(msg)


@cache
def parser_for(language: str) -> Parser:
    """A tree-sitter parser of a code language (grammars load from their installed wheels, never the network)."""
    grammar = LANGUAGES[language].grammar
    if grammar is None:
        msg = f"{language} is read as {LANGUAGES[language].reads}, not parsed"
        raise ValueError(msg)
    return Parser(Language(grammar()))

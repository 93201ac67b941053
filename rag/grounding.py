"""Is an answer grounded? The code identifiers it uses, looked up in its sources and the indexed corpus;
runaway repetition in a stream; the extractive answer shown when a generated one fails.

An identifier counts when the answer writes it as code (inline backticks, a fenced block, or an import
statement on a line of its own): imports
(`from json import loads`), dotted names (`json.loads`, `csv.DictReader`), called names (`loads(`), and a
name that is a whole inline span (`loads`); other bare names are taken for an example's placeholders.
Names the answer binds itself (assignments, loop and `with` targets, parameters, import aliases),
Python keywords and builtins are not looked up. A dotted name is known when its parts appear, in order and
ending with its last part, in the qualified name of a corpus function (`json.JSONDecoder.decode` matches
`json.decoder.JSONDecoder.decode`), or when it appears as written in a cited source, or, for a corpus with
Python code, when the running Python's standard library has it (`csv.reader`, written in C, so never mined;
the module is imported to look, except those with side effects on import). Does not handle: the
types of local variables (`reader.fieldnames` is accepted whatever `reader` is) or languages' own import
syntax other than Python's.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import importlib
import keyword
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from data.documents import Documented, is_code_unit, module_name, qualified_name, source_label
from data.languages import LANGUAGES

_FENCE = re.compile(r"```[\w+-]*\n?(.*?)(?:```|$)", re.S)
_INLINE = re.compile(r"`([^`\n]+)`")
_STRING = re.compile(r"(?:[rbuRBUfF]{0,2})(\"\"\".*?\"\"\"|'''.*?'''|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*')", re.S)
_COMMENT = re.compile(r"#[^\n]*")
_CHAIN = re.compile(r"(?<![\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(\s*\()?")
_FROM_IMPORT = re.compile(r"^\s*from\s+([\w.]+)\s+import\s+\(?([^)\n]+)", re.M)
_IMPORT = re.compile(r"^\s*import\s+([^\n]+)", re.M)
_BINDINGS = (
    re.compile(r"(?<![\w.=!<>])([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*(?::[^=\n]+)?=(?!=)"),  # a, b = ... / x: int =
    re.compile(r"\bfor\s+([\w\s,()]+?)\s+in\b"),
    re.compile(r"\bas\s+([A-Za-z_]\w*)"),
    re.compile(r"\b(?:def|class)\s+([A-Za-z_]\w*)"),
    re.compile(r"\blambda\s+([^:]*):"),
)
_PARAMETERS = re.compile(r"\bdef\s+\w+\s*\(([^)]*)\)")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_BARE_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+)?import[ \t]+[\w., \t]+$", re.M)
BUILTIN_NAMES = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | {"self", "cls"}


def code_spans(answer: str) -> list[str]:
    """The parts of an answer written as code: fenced blocks (a last one left open counts), inline spans, and
    import statements written as plain lines."""
    blocks = [m.group(1) for m in _FENCE.finditer(answer)]
    prose = _FENCE.sub(" ", answer)
    imports = [m.group(0) for m in _BARE_IMPORT.finditer(_INLINE.sub(" ", prose))]
    return blocks + [m.group(1) for m in _INLINE.finditer(prose)] + imports


@dataclass
class KnownNames:
    """What an answer may refer to: qualified names of the corpus's functions, plus dotted names as written in
    the cited sources."""

    qualified: set[str] = field(default_factory=set)
    parts: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)  # last part → qualified names' parts
    modules: set[str] = field(default_factory=set)
    written: set[str] = field(default_factory=set)
    python: bool = False  # the corpus has Python code: the running Python's standard library counts too

    @classmethod
    def from_corpus(cls, entries: Iterable[tuple[str, str, str, str]]) -> KnownNames:
        """From ``(repo, path, func_name, language)`` of every indexed function."""
        known = cls()
        for repo, path, func_name, language in entries:
            if language in LANGUAGES and not LANGUAGES[language].is_code:
                continue  # a section's heading is no name; what a section states counts once it is a source
            known.add(qualified_name(path, func_name, language))
            if language == "python" and repo:  # a tree mined from inside its package: `pkg.mod.f` as well
                known.add(f"{repo}.{qualified_name(path, func_name, language)}")
            if language == "python":
                known.python = True
                module = module_name(path)
                while module:
                    known.modules.add(module)
                    module = module.rpartition(".")[0]
        return known

    def add(self, name: str) -> None:
        """One qualified name."""
        name = name.replace("::", ".")  # `Version::new`, `geo::Shape::area`: parts as with dots
        if name not in self.qualified:
            self.qualified.add(name)
            split = tuple(name.split("."))
            for end in range(1, len(split) + 1):  # `json.decoder.JSONDecoder` is known from its methods too
                prefixes = self.parts.setdefault(split[end - 1], [])
                if split[:end] not in prefixes:
                    prefixes.append(split[:end])

    def with_sources(self, sources: Sequence[Documented]) -> KnownNames:
        """A copy that also knows every identifier and dotted name written in the sources' code and docstrings."""
        written = set(self.written)
        for source in sources:
            text = f"{source.docstring}\n{source.code}"
            written.update(m.group(1) for m in _CHAIN.finditer(text.replace("::", ".")))
            written.update(_IDENTIFIER.findall(text))
            if hasattr(source, "path") and getattr(source, "language", "") == "python":
                written.add(qualified_name(source.path, source.func_name, "python"))  # type: ignore[attr-defined]
        return KnownNames(self.qualified, self.parts, self.modules, written, self.python)

    def knows(self, name: str) -> bool:
        """True when `name` (dotted or not) is in the corpus or written in a source."""
        if name in self.written or name in self.qualified or name in self.modules:
            return True
        wanted = name.split(".")
        for candidate in self.parts.get(wanted[-1], ()):
            if len(wanted) == 1 or _in_order(wanted, candidate):
                return True
        return self.python and len(wanted) > 1 and standard_library_has(name)


NEVER_IMPORT = frozenset({"antigravity", "this", "idlelib", "turtle", "turtledemo", "tkinter"})  # act on import


@functools.cache
def standard_library_has(name: str) -> bool:
    """True when `name` (``csv.reader``, ``os.path.join``) is a module of the running Python's standard library
    or an attribute of one: the longest importable module prefix, then attributes."""
    parts = name.split(".")
    if parts[0] not in sys.stdlib_module_names or parts[0] in NEVER_IMPORT:
        return False
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except Exception:  # noqa: BLE001, S112 (a module that fails to import here is simply not available)
            continue
        for part in parts[cut:]:
            with contextlib.suppress(Exception):
                target = getattr(target, part)
                continue
            return False
        return True
    return False


def _in_order(wanted: list[str], candidate: tuple[str, ...]) -> bool:
    """True when every part of `wanted` occurs in `candidate`, in order, the first part and last part included."""
    position = 0
    for part in wanted:
        try:
            position = candidate.index(part, position) + 1
        except ValueError:
            return False
    return True


@dataclass
class Grounding:
    """The identifiers an answer's code uses, and those neither the sources nor the corpus know."""

    identifiers: list[str]
    unverified: list[str]

    @property
    def grounded(self) -> bool:
        """No unknown identifier."""
        return not self.unverified


def _strip_literals(code: str) -> str:
    return _COMMENT.sub("", _STRING.sub('""', code))


def _bound_names(code: str) -> set[str]:
    bound: set[str] = set()
    for pattern in _BINDINGS:
        for match in pattern.finditer(code):
            bound.update(_IDENTIFIER.findall(match.group(1)))
    for match in _PARAMETERS.finditer(code):
        bound.update(part.split("=")[0].split(":")[0].strip(" *") for part in match.group(1).split(","))
    return bound


def _imports(code: str) -> tuple[list[str], dict[str, str]]:
    """(names the imports refer to, the names they bind → what they stand for)."""
    referred: list[str] = []
    aliases: dict[str, str] = {}
    for match in _FROM_IMPORT.finditer(code):
        module = match.group(1)
        for item in match.group(2).split(","):
            name, _, alias = item.strip().partition(" as ")
            name = name.strip()
            if _IDENTIFIER.fullmatch(name):
                referred.append(f"{module}.{name}")
                aliases[alias.strip() or name] = f"{module}.{name}"
    for match in _IMPORT.finditer(code):
        for item in match.group(1).split(","):
            name, _, alias = item.strip().partition(" as ")
            name = name.strip()
            if re.fullmatch(r"[\w.]+", name):
                referred.append(name)
                if alias.strip():
                    aliases[alias.strip()] = name
                else:
                    aliases[name.split(".")[0]] = name.split(".")[0]
    return referred, aliases


def _builtin_attribute(chain: list[str]) -> bool:
    """`str.join`, `dict.fromkeys`: a builtin's real attribute."""
    target: object = builtins
    for part in chain:
        if not hasattr(target, part):
            return False
        target = getattr(target, part)
    return True


def identifiers_used(answer: str) -> list[str]:
    """The identifiers the answer's code refers to, import aliases resolved, names it binds left out; in order,
    without repeats."""
    used: list[str] = []
    aliases: dict[str, str] = {}
    local: set[str] = set()
    spans = [_strip_literals(span).replace("::", ".") for span in code_spans(answer)]
    for code in spans:
        referred, imported = _imports(code)
        aliases.update(imported)
        local |= _bound_names(code)
        used.extend(referred)
    for code in spans:
        body = _IMPORT.sub("", _FROM_IMPORT.sub("", code))
        whole = _IDENTIFIER.fullmatch(body.strip()) is not None  # `loads` alone: the answer names it
        for match in _CHAIN.finditer(body):
            root, dot, rest = match.group(1).partition(".")
            if not dot and not match.group(2) and not whole:
                continue  # a bare name neither called nor dotted: a placeholder such as `text` in an example
            if root in aliases:
                used.append(aliases[root] + dot + rest)
            elif root not in local:
                used.append(match.group(1))
    return list(dict.fromkeys(used))


_CITED = re.compile(r"`([A-Za-z_][\w.:]*)(?:\([^`]*\))?`\s*\[(\d+)\]")


def miscited(answer: str, sources: Sequence[Documented]) -> list[str]:
    """The citations ``\`name\` [n]`` whose name is not source n's (its qualified name, or a dotted tail of it
    such as `JSONDecoder.decode`), or whose n is no source; as written, in order."""
    wrong = []
    for match in _CITED.finditer(answer):
        name, number = match.group(1), int(match.group(2))
        if 1 <= number <= len(sources):
            cited = sources[number - 1]
            language = getattr(cited, "language", "python")
            if not is_code_unit(cited):
                continue  # a section or window: the answer may name what it states
            qualified = qualified_name(cited.path, cited.func_name, language).replace("::", ".").split(".")  # type: ignore[attr-defined]
            wanted = name.replace("::", ".").split(".")
            if (wanted[-1] == qualified[-1] and _in_order(wanted, tuple(qualified))) or name == cited.func_name:
                continue
        wrong.append(f"`{name}` [{number}]")
    return list(dict.fromkeys(wrong))


def check_grounding(answer: str, known: KnownNames) -> Grounding:
    """Look up every identifier the answer's code uses; see the module docstring for what counts."""
    checked, unverified = [], []
    for name in identifiers_used(answer):
        root, *rest = name.split(".")
        if root in BUILTIN_NAMES:
            if rest and root in dir(builtins) and not _builtin_attribute(name.split(".")):
                unverified.append(name)
            continue
        checked.append(name)
        if not known.knows(name):
            unverified.append(name)
    return Grounding(identifiers=checked, unverified=list(dict.fromkeys(unverified)))


_SENTENCE = re.compile(r"[^.!?:;\n]+[.!?:;]")  # sentences and clauses


def _prose(text: str) -> str:
    """`text` with its code blocks and inline code blanked out (same length: offsets stay valid)."""
    blanked = re.sub(r"```.*?(```|$)", lambda m: " " * len(m.group(0)), text, flags=re.S)
    return re.sub(r"`[^`\n]*`", lambda m: " " * len(m.group(0)), blanked)


def find_loop(text: str, *, ngram: int = 6, repeats: int = 3, line_repeats: int = 3, phrase: int = 8,
              sentence_words: int = 5) -> int | None:
    """Where runaway repetition starts in `text` (the character offset of its second occurrence), or None.

    Degenerate means: a run of `ngram` words that occurs `repeats` times without overlapping itself; a
    non-trivial line (4+ characters) repeated `line_repeats` times in a row; or, in the prose (code left out), a
    phrase of `phrase` words, or a sentence of `sentence_words` words or more, said a second time ("This will be
    a connection to the client. This will be a connection to the client."). The earliest cut wins.
    """
    cuts = []
    prose = _prose(text)
    said: dict[tuple[str, ...], int] = {}
    for match in _SENTENCE.finditer(prose):
        key = tuple(match.group().lower().split())
        if len(key) >= sentence_words:
            if key in said:
                cuts.append(match.start() + len(match.group()) - len(match.group().lstrip()))
                break
            said[key] = match.start()
    prose_words = list(re.finditer(r"\S+", prose))
    first_seen: dict[tuple[str, ...], int] = {}
    for i in range(len(prose_words) - phrase + 1):
        key = tuple(w.group().lower() for w in prose_words[i : i + phrase])
        if key in first_seen and i - first_seen[key] >= phrase:  # said again, not overlapping itself
            cuts.append(prose_words[i].start())
            break
        first_seen.setdefault(key, i)
    words = list(re.finditer(r"\S+", text))
    seen: dict[tuple[str, ...], list[int]] = {}
    for i in range(len(words) - ngram + 1):
        starts = seen.setdefault(tuple(w.group() for w in words[i : i + ngram]), [])
        if starts and i - starts[-1] < ngram:
            continue  # overlapping its previous occurrence
        starts.append(i)
        if len(starts) >= repeats:
            cuts.append(words[starts[1]].start())
            break
    run: list[int] = []  # offsets of the current run of one repeated line (blank lines skipped)
    previous, offset = "", 0
    for line in text.splitlines(keepends=True):
        key = line.strip()
        if key:
            run = [*run, offset] if key == previous else [offset]
            previous = key
            if len(key) >= 4 and len(run) >= line_repeats:
                cuts.append(run[1])
                break
        offset += len(line)
    return min(cuts, default=None)


def signature(source: Documented) -> str:
    """A function's header line(s) as one line (up to the body), or a class outline's first line."""
    lines = []
    for line in source.code.strip().splitlines()[:6]:
        lines.append(line.strip())
        if line.rstrip().endswith((":", "{", ")")):
            break
    header = " ".join(lines).removesuffix("{").removesuffix(":").strip()
    return header if len(header) <= 160 else header[:157] + "..."


def first_sentence(docstring: str) -> str:
    """A docstring's first sentence, its full stop kept (the whole docstring when it has none)."""
    return re.split(r"(?<=\.)\s", docstring.strip(), maxsplit=1)[0] if docstring else ""


def extractive_answer(sources: Sequence, *, limit: int = 3) -> str:
    """The top sources as an answer: name, signature, the docstring's first sentence, and the citation."""
    if not sources:
        return "The index holds nothing close to this question."
    lines = ["From the sources:"]
    for number, source in enumerate(sources[:limit], start=1):
        sentence = first_sentence(source.docstring)
        described = f": {sentence}" if sentence else ""
        if not is_code_unit(source):
            lines.append(f"- {source_label(source)} [{number}]{described}")
            continue
        name = qualified_name(source.path, source.func_name, source.language)
        lines.append(f"- `{name}` [{number}] `{signature(source)}`{described}")
    return "\n".join(lines)

"""Rewrite a function's docstring summary into the short web-style questions people type into a search box.

"Return True if the path is a directory." becomes "python check if path is directory"; "Converts a string
to lowercase." becomes "how to convert string to lowercase in python". Rules, not a model: the first
sentence, its verb in the imperative (Returns → get, Return True if → check if), markup and articles
dropped, words lowercased, at most `MAX_WORDS`, and the language named the way web queries name it (before,
after, or not at all). Every choice is drawn from a hash of the function and a seed, so the same corpus
gives the same questions on every machine.

Does not handle: questions a docstring does not suggest (see `retriever_finetune.synthetic` for LM-written ones), or
docstrings that say nothing a user would ask (constructors, tests, dunder methods): those give no question.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from data.records import Record

MAX_WORDS = 12
MIN_WORDS = 2
# Imperative forms of the third-person verbs that open docstrings ("Converts" → "convert").
VERBS = frozenset("""
    accept access add adjust allocate append apply assert assign attach build calculate call cancel change check
    clean clear close collect combine compare compile compress compute configure connect construct convert copy
    count create decode decompress delete deserialize detect determine disable display dump emit enable encode
    ensure escape evaluate execute expand export extract fetch fill filter find finish flush format generate get
    guess handle hash import initialize insert install interpret invoke iterate join list load locate lock log
    look make map mark match merge modify move normalize open pack pad parse perform pop populate prepare print
    process produce quote raise read receive record reduce register reload remove rename render reorder repeat
    replace report request reset resolve restore retrieve return reverse round run save scan search select send
    serialize set show shuffle sort split start stop store strip submit substitute swap take terminate test
    tokenize transform translate trim truncate try turn unescape unlock unpack unquote unregister update upload
    validate verify visit wait walk wrap write yield zip
""".split())
_ARTICLES = frozenset({"a", "an", "the"})
_MARKUP = re.compile(r":[a-z]+:`~?([^`]+)`|``([^`]+)``|`([^`]+)`|\*\*?([^*]+)\*\*?")
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)\]'\"`])[.!?](?:\s|$)|;\s|:\s*$|\s--\s|\s-\s")
_WORD = re.compile(r"[A-Za-z0-9_]+(?:[.'][A-Za-z0-9_]+)*")
_OPENERS = (
    (re.compile(r"^returns?\s+(true|false)\s+(if|when|iff)\b", re.I), "check if"),
    (re.compile(r"^returns?\s+whether\b", re.I), "check whether"),
    (re.compile(r"^(true|false)\s+(if|when|iff)\b", re.I), "check if"),
    (re.compile(r"^whether\b", re.I), "check whether"),
    (re.compile(r"^(tests?|checks?)\s+(if|whether)\b", re.I), "check if"),
    (re.compile(r"^(returns?|gets?|retrieves?)\b", re.I), "get"),
    (re.compile(r"^(this|the)\s+(function|method)\s+(that\s+)?", re.I), ""),
    (re.compile(r"^(a\s+)?(helper|utility|convenience)\s+(function|method)?\s*(to|for|that)\s+", re.I), ""),
    (re.compile(r"^(function|method)\s+(to|for|that)\s+", re.I), ""),
)
_UNASKABLE = re.compile(r"^(constructor|initiali[sz]e|init|docstring|test|tests|todo|xxx|deprecated|internal|"
                        r"see |same as |alias |override|overrides|overridden|implement|abstract|dummy|helper\.?$)",
                        re.I)
_LANGUAGE_WORDS = {"python": "python", "javascript": "javascript", "java": "java", "go": "golang", "php": "php",
                   "ruby": "ruby"}


def _unit(*parts: object) -> float:
    """A number in [0, 1) that depends only on `parts` (a seeded, portable coin)."""
    digest = hashlib.sha1("\x00".join(map(str, parts)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def first_sentence(docstring: str) -> str:
    """The docstring's first sentence with reStructuredText/Markdown markup unwrapped."""
    text = _MARKUP.sub(lambda m: next(g for g in m.groups() if g), " ".join(docstring.split()))
    match = _SENTENCE_END.search(text)
    return (text[: match.start()] if match else text).strip()


def _imperative(words: list[str]) -> list[str]:
    """Docstrings open with a verb; "Converts"/"Finalizes"/"Copies" become "convert"/"finalize"/"copy"."""
    head = words[0].lower()
    for suffix, ending in (("ies", "y"), ("es", ""), ("es", "e"), ("s", "")):
        stem = head[: -len(suffix)] + ending
        if head.endswith(suffix) and stem in VERBS:
            return [stem, *words[1:]]
    if re.fullmatch(r"[a-z]{3,}[^su]s", head) and words[0][0].isupper():  # an unlisted verb: "Highlights"
        return [head[:-2] if re.search(r"(sh|ch|x|z)es$", head) else head[:-1], *words[1:]]
    return [head, *words[1:]]


def rewrite_docstring(record: Record, *, seed: int = 0, variant: int = 0) -> str | None:
    """A web-style question for the record's docstring summary, or None when it suggests none.

    Args:
        record: the function; its `docstring` is the CodeSearchNet summary (first paragraph).
        seed: changes every random choice (article dropping, where the language goes).
        variant: a second question for the same function draws other choices.
    """
    if record.func_name.rsplit(".", 1)[-1].startswith("__") or not record.docstring:
        return None
    sentence = first_sentence(record.docstring)
    if not sentence or _UNASKABLE.match(sentence):
        return None
    for pattern, replacement in _OPENERS:
        if pattern.match(sentence):
            sentence = pattern.sub(replacement, sentence, count=1).strip()
            break
    words = _WORD.findall(sentence)
    if len(words) < MIN_WORDS:
        return None
    words = _imperative(words)
    coin = lambda name: _unit(seed, variant, record.repo, record.path, record.func_name, name)  # noqa: E731
    drop_articles = coin("articles") < 0.7
    words = [w.lower() if not ("_" in w or "." in w) else w for w in words
             if not (drop_articles and w.lower() in _ARTICLES)][:MAX_WORDS]
    question = " ".join(words)
    language = _LANGUAGE_WORDS.get(record.language, record.language)
    where = coin("language")
    if where < 0.45:
        question = f"{language} {question}"
    elif where < 0.65:
        question = f"{question} {language}"
    elif where < 0.8:
        question = f"how to {question} in {language}" if words[0] in VERBS else f"{question} in {language}"
    return question


def rewrite_corpus(records: list[Record], *, per_function: int = 1, seed: int = 0) -> Iterator[tuple[Record, str]]:
    """(record, question) for every record whose docstring suggests one; up to `per_function` distinct each."""
    for record in records:
        seen: set[str] = set()
        for variant in range(per_function):
            question = rewrite_docstring(record, seed=seed, variant=variant)
            if question is not None and question not in seen:
                seen.add(question)
                yield record, question

"""Query sets ranked against a separate code base: CoSQA's files, and GraphCodeBERT's test + codebase jsonl.

In the code-base protocol every query is ranked against the whole code base (not its own code plus
distractors), and its answer is named by an id into that code base:

- CoSQA (Huang et al., 2021): ``code_idx_map.txt`` is one JSON object mapping each code string to its
  integer index; ``cosqa-retrieval-*.json`` is a JSON list of ``{doc, retrieval_idx, ...}``.
- GraphCodeBERT's filtered CodeSearchNet and AdvTest: ``test.jsonl`` (one query per line: ``url`` and
  ``docstring_tokens``) and ``codebase.jsonl`` (one function per line: ``url`` and ``original_string`` /
  ``code`` / ``code_tokens``); a query's answer is the function with its ``url``.

Does not handle: the 999-distractor protocol (see `eval.retrieval`), or several answers per query.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from data.cli import InputError
from data.records import read_json_lines

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CodeBaseBenchmark:
    """Queries, each with the id of its answer in a code base of (id, code)."""

    queries: list[str]
    answers: list[str]  # answers[i] is the id of query i's answer in `code_ids`
    code_ids: list[str]
    codes: list[str]
    other_answers: list[list[str]] | None = None  # more correct ids per query (StaQC: a question, several snippets)

    def __post_init__(self) -> None:
        if not self.queries:
            msg = "the query file holds no queries"
            raise InputError(msg)
        if not self.codes:
            msg = "the code base holds no code"
            raise InputError(msg)
        known = set(self.code_ids)
        missing = sorted({a for a in self.answers + [a for more in self.other_answers or () for a in more]
                          if a not in known})
        if missing:
            shown = ", ".join(map(str, missing[:5])) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            msg = (f"the code base does not hold the answers of {sum(a not in known for a in self.answers)} "
                   f"queries (ids {shown}); pass the code base these queries were made for")
            raise InputError(msg)

    def answer_positions(self) -> list[int]:
        """Row of each query's answer in `codes`."""
        row = {code_id: i for i, code_id in enumerate(self.code_ids)}
        return [row[a] for a in self.answers]

    def all_answer_positions(self) -> list[list[int]]:
        """Rows of every correct answer of each query (the first is `answer_positions`')."""
        row = {code_id: i for i, code_id in enumerate(self.code_ids)}
        more = self.other_answers or [[] for _ in self.answers]
        return [[row[a] for a in (first, *others)] for first, others in zip(self.answers, more, strict=True)]


def _read_json(path: Path) -> object:
    if not path.is_file():
        msg = f"no such file: {path}"
        raise FileNotFoundError(msg)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        msg = f"{path}: not valid JSON ({error.msg} at line {error.lineno})"
        raise InputError(msg) from None


def load_cosqa(queries_path: str | Path, code_map_path: str | Path) -> CodeBaseBenchmark:
    """CoSQA's retrieval split (``cosqa-retrieval-*.json``) against its ``code_idx_map.txt``.

    Raises:
        InputError: a file of the wrong shape, or answers missing from the code base.
    """
    queries_path, code_map_path = Path(queries_path), Path(code_map_path)
    code_map = _read_json(code_map_path)
    if not isinstance(code_map, dict) or not all(isinstance(v, int) for v in code_map.values()):
        msg = f"{code_map_path}: expected one JSON object mapping each code string to its integer index (CoSQA)"
        raise InputError(msg)
    rows = _read_json(queries_path)
    if not isinstance(rows, list) or not all(isinstance(r, dict) and "doc" in r and "retrieval_idx" in r
                                             for r in rows):
        msg = f"{queries_path}: expected a JSON list of {{doc, retrieval_idx}} objects (CoSQA retrieval split)"
        raise InputError(msg)
    ordered = sorted(code_map.items(), key=lambda item: item[1])
    return CodeBaseBenchmark(queries=[str(r["doc"]) for r in rows], answers=[str(r["retrieval_idx"]) for r in rows],
                             code_ids=[str(i) for _, i in ordered], codes=[code for code, _ in ordered])


def _code_of(row: dict) -> str:
    for key in ("original_string", "code", "function"):
        if isinstance(row.get(key), str) and row[key]:
            return row[key]
    tokens = row.get("code_tokens") or row.get("function_tokens")
    return " ".join(tokens) if isinstance(tokens, list) else ""


def _query_of(row: dict) -> str:
    tokens = row.get("docstring_tokens")
    if isinstance(tokens, list) and tokens:
        return " ".join(tokens)  # GraphCodeBERT's query text
    return str(row.get("docstring") or row.get("doc") or "")


def load_graphcodebert(queries_path: str | Path, codebase_path: str | Path) -> CodeBaseBenchmark:
    """GraphCodeBERT-layout ``test.jsonl`` queries against ``codebase.jsonl``, joined by ``url``.

    Raises:
        InputError: rows without a url, a query, or code; or answers missing from the code base.
    """
    queries_path, codebase_path = Path(queries_path), Path(codebase_path)
    queries, answers = [], []
    for number, row in read_json_lines(queries_path):
        query = _query_of(row)
        if not row.get("url") or not query:
            msg = f"{queries_path}:{number}: a query needs 'url' and 'docstring_tokens' (or 'docstring')"
            raise InputError(msg)
        queries.append(query)
        answers.append(str(row["url"]))
    code_ids, codes = [], []
    for number, row in read_json_lines(codebase_path):
        code = _code_of(row)
        if not row.get("url") or not code:
            msg = f"{codebase_path}:{number}: a code base row needs 'url' and 'original_string', 'code' or 'code_tokens'"
            raise InputError(msg)
        code_ids.append(str(row["url"]))
        codes.append(code)
    return CodeBaseBenchmark(queries=queries, answers=answers, code_ids=code_ids, codes=codes)


def load_labelled_pairs(path: str | Path) -> CodeBaseBenchmark:
    """A labelled pairs file (StaQC's ``dev_staqc.json``, CoSQA's pairs: ``[{doc, code, label}]``) as a benchmark:
    each question with a label-1 snippet against every distinct snippet of the file, its label-1 snippets correct.

    Raises:
        InputError: rows without doc, code and label, or no question with a label-1 snippet.
    """
    path = Path(path)
    rows = _read_json(path)
    if not isinstance(rows, list) or not all(isinstance(r, dict) and {"doc", "code", "label"} <= set(r) for r in rows):
        msg = f"{path}: expected a JSON list of {{doc, code, label}} objects (StaQC or CoSQA pairs)"
        raise InputError(msg)
    code_ids: dict[str, str] = {}
    correct: dict[str, list[str]] = {}
    for row in rows:
        code_id = code_ids.setdefault(str(row["code"]), str(len(code_ids)))
        if int(row["label"]) == 1:
            correct.setdefault(str(row["doc"]), [])
            if code_id not in correct[str(row["doc"])]:
                correct[str(row["doc"])].append(code_id)
    return CodeBaseBenchmark(queries=list(correct), answers=[ids[0] for ids in correct.values()],
                             code_ids=list(code_ids.values()), codes=list(code_ids),
                             other_answers=[ids[1:] for ids in correct.values()])


def _is_labelled_pairs(path: Path) -> bool:
    rows = _read_json(path)
    return isinstance(rows, list) and bool(rows) and isinstance(rows[0], dict) and "label" in rows[0] \
        and "retrieval_idx" not in rows[0]


def load_codebase_benchmark(queries_path: str | Path, codebase_path: str | Path) -> CodeBaseBenchmark:
    """CoSQA or GraphCodeBERT layout, told apart by the queries file (a JSON list, or JSON lines); or a labelled
    pairs file (StaQC) ranked against its own snippets, given as both the queries and the code base.

    Raises:
        InputError: a pairs file with another file as its code base.
    """
    path = Path(queries_path)
    if not path.is_file():
        msg = f"no such query file: {path}"
        raise FileNotFoundError(msg)
    with path.open(encoding="utf-8") as handle:
        head = handle.read(4096).lstrip()[:1]
    if head == "[" and _is_labelled_pairs(path):
        if Path(codebase_path).resolve() != path.resolve():
            msg = (f"{path} is a labelled pairs file (StaQC): its questions rank against its own snippets, so pass "
                   f"it as --codebase too (got {codebase_path})")
            raise InputError(msg)
        return load_labelled_pairs(path)
    if head == "[":
        return load_cosqa(queries_path, codebase_path)
    return load_graphcodebert(queries_path, codebase_path)

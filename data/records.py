"""The CodeSearchNet-shaped record every corpus is made of, and jsonl read/write.

Field names follow CodeSearchNet (`func_name`, `code`, `docstring`, ...) so public CSN jsonl loads
unchanged. Does not handle: Hugging Face datasets (see `loaders`), mining (see `miner`).
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import IO

from data.cli import InputError

logger = logging.getLogger(__name__)

REQUIRED_FIELDS = ("code", "docstring")
ALIASES = {  # other schemas' field name → ours
    "func_code_string": "code", "func_documentation_string": "docstring", "repository_name": "repo",
    "func_path_in_repository": "path", "func_code_url": "url", "original_string": "code",
}
_LINES_IN_URL = re.compile(r"#L(\d+)(?:-L(\d+))?$")


def line_range(url: str) -> tuple[int | None, int | None]:
    """(first, last) line of a function from its url's ``#L<first>-L<last>`` (None where it does not say)."""
    match = _LINES_IN_URL.search(url)
    if not match:
        return None, None
    return int(match.group(1)), int(match.group(2)) if match.group(2) else None


@dataclass(frozen=True)
class Record:
    """One function (or class, document section, configuration window, script) with its documentation,
    CodeSearchNet field names; `kind` says which (CodeSearchNet's own rows are functions)."""

    repo: str
    path: str
    func_name: str
    language: str
    code: str
    docstring: str
    url: str = ""
    kind: str = "function"  # `data.languages.KINDS`: function, class, section, config, script

    @property
    def start_line(self) -> int | None:
        """First line of the function in its file, when the url carries `#L<n>`."""
        return line_range(self.url)[0]

    def to_dict(self) -> dict[str, str]:
        """The record as a plain dict (the jsonl line)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, row: dict, *, where: str = "") -> Record:
        """Build a record from a CSN-style dict, mapping other schemas' names first.

        The Hugging Face ``code_search_net`` schema (``func_code_string``, ``func_documentation_string``,
        ``func_name``, ``repository_name``, ``func_path_in_repository``, ``func_code_url``) and the
        CodeXGLUE/GraphCodeBERT jsonl one (``original_string``, ``code_tokens``, ``docstring_tokens``) load as
        they are; CodeSearchNet's own names win where both are present.

        Raises:
            InputError: when no code or docstring field is present, or one is not a string.
        """
        row = {**{ours: row[theirs] for theirs, ours in ALIASES.items() if theirs in row and ours not in row}, **row}
        for ours, theirs in (("code", "code_tokens"), ("docstring", "docstring_tokens")):
            if ours not in row and isinstance(row.get(theirs), list):
                row[ours] = " ".join(map(str, row[theirs]))
        for name in REQUIRED_FIELDS:
            if not isinstance(row.get(name), str):
                msg = (f"{where}: field {name!r} is missing or not a string; every record needs 'code' and "
                       "'docstring' (or the Hugging Face / CodeXGLUE names for them)")
                raise InputError(msg)
        values = {f.name: str(row.get(f.name) or "") for f in fields(cls)}
        values["language"] = (values["language"] or "unknown").lower()
        values["kind"] = values["kind"] or "function"
        return cls(**values)


def _open_text(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return path.open(encoding="utf-8")


def read_json_lines(path: str | Path) -> Iterator[tuple[int, dict]]:
    """Yield (line number, object) of a JSON-lines file (gzipped when it ends in .gz), skipping blank lines.

    Raises:
        FileNotFoundError: the file does not exist.
        InputError: a line is not a JSON object (naming the file and line).
    """
    path = Path(path)
    if not path.is_file():
        msg = f"no such data file: {path}"
        raise FileNotFoundError(msg)
    with _open_text(path) as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                msg = f"{path}:{line_number}: not valid JSON ({error.msg}); expected one JSON object per line"
                raise InputError(msg) from None
            if not isinstance(row, dict):
                msg = f"{path}:{line_number}: expected a JSON object, got {type(row).__name__}"
                raise InputError(msg)
            yield line_number, row


def read_jsonl(path: str | Path) -> Iterator[Record]:
    """Yield the records of a jsonl or jsonl.gz file, naming the line of any malformed row.

    Raises:
        FileNotFoundError: the file does not exist.
        InputError: a line is not JSON or lacks a required field.
    """
    for line_number, row in read_json_lines(path):
        yield Record.from_dict(row, where=f"{path}:{line_number}")


def write_jsonl(records: Iterable[Record], path: str | Path) -> int:
    """Write records as jsonl (gzip when the name ends in .gz), atomically; return how many were written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    count = 0
    opener = gzip.open(tmp, "wt", encoding="utf-8") if path.suffix == ".gz" else tmp.open("w", encoding="utf-8")
    with opener as handle:
        for record in records:
            handle.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
            count += 1
    tmp.replace(path)
    return count

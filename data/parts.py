"""A unit longer than the encoder reads, as parts that each fit: the first part is the unit's start; every later
part starts with the unit's signature line, then ``...``, then its own lines, so the end of a long function is
embedded too and cites its own lines. Parts keep the unit's name and kind; their url holds their own line range.
Does not handle: counting tokens (the caller's `count_tokens`), or documents (`sections` splits them by paragraph).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from data.records import Record, line_range

PART_MARKER = "    ..."  # between a later part's signature line and its lines


def _signature_line(code: str) -> str:
    """The line a later part repeats: the first that is not a decorator or attribute."""
    lines = code.splitlines()
    return next((line for line in lines if line.strip() and not line.lstrip().startswith(("@", "#["))), lines[0])


def split_record(record: Record, count_tokens: Callable[[Sequence[str]], list[int]], max_tokens: int) -> list[Record]:
    """`record` whole when its code fits in `max_tokens` (by `count_tokens`, one count per text), else its parts.

    Lines are packed greedily; a line alone over the budget is a part of its own (the encoder cuts it)."""
    lines = record.code.splitlines()
    first, last = line_range(record.url)
    counts = count_tokens(lines)
    if sum(counts) + len(lines) <= max_tokens or first is None or len(lines) < 2:
        return [record]
    signature = _signature_line(record.code)
    head_cost = sum(count_tokens([signature, PART_MARKER])) + 2
    parts: list[tuple[int, int]] = []  # [start, end) line indexes
    start, used = 0, 0
    for index, count in enumerate(counts):
        budget = max_tokens - (head_cost if parts else 0)
        if index > start and used + count + 1 > budget:
            parts.append((start, index))
            start, used = index, 0
        used += count + 1
    parts.append((start, len(lines)))
    base = record.url.rsplit("#", 1)[0]
    removed = max(0, (last or first) - first + 1 - len(lines))  # a Python docstring cut below the signature

    def file_line(index: int) -> int:
        return first + index + (removed if index >= 1 else 0)

    split = []
    for number, (begin, end) in enumerate(parts):
        body = lines[begin:end]
        code = "\n".join(body if number == 0 else [signature, PART_MARKER, *body])
        split.append(replace(record, code=code, url=f"{base}#L{file_line(begin)}-L{file_line(end - 1)}"))
    return split


def split_records(records: Sequence[Record], count_tokens: Callable[[Sequence[str]], list[int]], max_tokens: int,
                  kinds: frozenset[str] = frozenset({"function", "class", "script"})) -> list[Record]:
    """Every record of `kinds` that does not fit as its parts (`split_record`), the others as they are."""
    return [part for record in records
            for part in (split_record(record, count_tokens, max_tokens) if record.kind in kinds else [record])]

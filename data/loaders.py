"""Load records from CodeSearchNet jsonl files, folders of them, or a Hugging Face dataset.

Does not handle: mining source trees (see `miner`) or splitting (see `splits`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from data.errors import InputError
from data.records import Record, read_jsonl

logger = logging.getLogger(__name__)

JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")


def load_jsonl_files(paths: Iterable[str | Path]) -> list[Record]:
    """Read every record from jsonl / jsonl.gz files or folders holding them (sorted, recursive)."""
    records: list[Record] = []
    for path in map(Path, paths):
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.name.endswith(JSONL_SUFFIXES))
            if not files:
                msg = f"folder {path} holds no .jsonl or .jsonl.gz files"
                raise InputError(msg)
        else:
            files = [path]
        for file in files:
            records.extend(read_jsonl(file))
    return records


def load_hf_dataset(name: str, *, split: str = "test", languages: Iterable[str] | None = None) -> list[Record]:
    """Load a CodeSearchNet-schema dataset from the Hugging Face Hub (needs the network).

    Args:
        name: dataset id, e.g. ``code_search_net``.
        split: ``train``, ``validation`` or ``test``.
        languages: dataset configurations to load (``python``, ``java``...); ``all`` when None.
    """
    import datasets  # imported lazily: heavy, and only this path needs it

    logger.info("downloading dataset %s (%s) from the Hub", name, split)
    configs = list(languages) if languages else ["all"]
    records: list[Record] = []
    for config in configs:
        try:
            rows = datasets.load_dataset(name, config, split=split)
        except Exception as error:  # the hub client raises many unrelated types
            msg = f"could not load dataset {name!r} ({config}, {split}) from the Hub: {error}"
            raise InputError(msg) from None
        for index, row in enumerate(rows):
            row = dict(row)
            row["language"] = row.get("language") or config
            records.append(Record.from_dict(row, where=f"{name}[{config}/{split}][{index}]"))
    return records


def load_records(source: str | Path, *, languages: Iterable[str] | None = None) -> list[Record]:
    """Load records from a jsonl file/folder, or from the Hub when `source` is ``hf:NAME``.

    Args:
        source: a path, or ``hf:code_search_net`` to ask the Hub explicitly.
        languages: keep only these languages (lowercase CSN names); all when None.

    Raises:
        InputError: unreadable data, or no record for a requested language.
    """
    wanted = sorted({lang.lower() for lang in languages}) if languages else None
    source = str(source)
    if source.startswith("hf:"):
        records = load_hf_dataset(source[3:], languages=wanted)
    else:
        records = load_jsonl_files([source])
    if not records:
        msg = f"{source} holds no records"
        raise InputError(msg)
    if wanted:
        present = {r.language for r in records}
        missing = [lang for lang in wanted if lang not in present]
        if missing:
            msg = f"{source} has no records for {', '.join(missing)}; it has {', '.join(sorted(present))}"
            raise InputError(msg)
        records = [r for r in records if r.language in wanted]
    return records

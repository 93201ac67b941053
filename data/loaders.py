"""Load records from CodeSearchNet jsonl/parquet files, folders of them, saved datasets, or the Hub.

Does not handle: mining source trees (see `miner`) or splitting (see `splits`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from data.cli import InputError
from data.records import Record, read_jsonl

logger = logging.getLogger(__name__)

JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")
PARQUET_SUFFIX = ".parquet"
DATA_SUFFIXES = (*JSONL_SUFFIXES, PARQUET_SUFFIX)
SAVED_DATASET_MARKERS = ("dataset_info.json", "state.json")  # what `Dataset.save_to_disk` writes
SAVED_DATASET_DICT_MARKER = "dataset_dict.json"  # what `DatasetDict.save_to_disk` writes


def read_parquet(path: str | Path) -> Iterator[Record]:
    """Yield the records of a parquet file (CodeSearchNet, Hugging Face or CodeXGLUE column names)."""
    import pyarrow.parquet as pq  # a `datasets` dependency; imported lazily

    path = Path(path)
    try:
        table = pq.ParquetFile(path)
    except Exception as error:  # pyarrow raises its own ArrowInvalid/OSError family
        msg = f"{path}: not a readable parquet file ({error})"
        raise InputError(msg) from None
    row_number = 0
    for batch in table.iter_batches(batch_size=4096):
        for row in batch.to_pylist():
            yield Record.from_dict(row, where=f"{path}[row {row_number}]")
            row_number += 1


def _is_saved_dataset(folder: Path) -> bool:
    return all((folder / marker).is_file() for marker in SAVED_DATASET_MARKERS)


def read_saved_dataset(folder: str | Path) -> list[Record]:
    """Read a folder written by ``datasets``' ``save_to_disk`` (a Dataset, or a DatasetDict with one split).

    Raises:
        InputError: a DatasetDict with several splits (the message names the split folders to pass).
    """
    import datasets  # heavy; only this path needs it

    folder = Path(folder)
    if (folder / SAVED_DATASET_DICT_MARKER).is_file():
        splits = sorted(p.name for p in folder.iterdir() if p.is_dir() and _is_saved_dataset(p))
        if len(splits) != 1:
            choices = ", ".join(str(folder / split) for split in splits)
            msg = f"{folder} is a saved DatasetDict with splits {', '.join(splits)}; pass one of them: {choices}"
            raise InputError(msg)
        folder = folder / splits[0]
    rows = datasets.load_from_disk(str(folder))
    return [Record.from_dict(dict(row), where=f"{folder}[{index}]") for index, row in enumerate(rows)]


def _read_file(path: Path) -> Iterable[Record]:
    if path.name.endswith(PARQUET_SUFFIX):
        return read_parquet(path)
    return read_jsonl(path)


def load_jsonl_files(paths: Iterable[str | Path]) -> list[Record]:
    """Read every record from jsonl / jsonl.gz / parquet files, folders holding them (sorted, recursive),
    or folders written by ``datasets``' ``save_to_disk``."""
    records: list[Record] = []
    for path in map(Path, paths):
        if path.is_dir() and (_is_saved_dataset(path) or (path / SAVED_DATASET_DICT_MARKER).is_file()):
            records.extend(read_saved_dataset(path))
            continue
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.name.endswith(DATA_SUFFIXES))
            if not files:
                msg = (f"folder {path} holds no .jsonl, .jsonl.gz or .parquet files and is not a folder "
                       "written by datasets' save_to_disk")
                raise InputError(msg)
        else:
            files = [path]
        for file in files:
            records.extend(_read_file(file))
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

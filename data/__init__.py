"""Corpora: CodeSearchNet-shaped records, loaders, the tree-sitter miner, dedup and splits."""

from data.cli import InputError
from data.records import Record, read_jsonl, write_jsonl

__all__ = ["InputError", "Record", "read_jsonl", "write_jsonl"]

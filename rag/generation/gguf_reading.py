"""GGUF files read into memory instead of through `np.memmap` while transformers parses them.

`gguf.GGUFReader` slices its memory map once per element of every array field; for Gemma's 262,144-token
vocabulary that is millions of `memmap.__getitem__`/`__array_finalize__` calls, most of the converting minute.
The same bytes in an ordinary array parse to the same fields, faster (`python bench/gguf_conversion.py`;
figures in docs/RESULTS.md). Does not handle: the conversion itself (see `gemma.gemma_from_package`).
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Iterator


@contextlib.contextmanager
def gguf_read_into_memory() -> Iterator[None]:
    """While open, every `GGUFReader` reads its whole file into memory (transformers only reads it)."""
    import numpy as np
    from gguf import gguf_reader

    def read(path, mode: str = "r", **_):  # noqa: ANN001, ANN202, ARG001 (transformers only reads)
        return np.fromfile(path, dtype=np.uint8)

    in_memory = types.ModuleType("numpy")
    in_memory.__dict__.update(np.__dict__)
    in_memory.memmap = read  # type: ignore[attr-defined]
    saved = gguf_reader.np
    gguf_reader.np = in_memory  # type: ignore[assignment]
    try:
        yield
    finally:
        gguf_reader.np = saved

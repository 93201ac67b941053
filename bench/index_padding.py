"""Benchmark: token padding of the standard-library index build per chunk size (what `CHROMA_BATCH` decides).

    python bench/index_padding.py [--chunks 256,1024,4096,0] [--batch_size 32]

Mines the default corpus as `rag.ask` does, tokenizes every function's document with the default encoder, and
for each chunk size (0: the whole corpus) sorts each chunk by length into batches, as `Encoder.encode` does, and
reports the tokens run (padding included) against the real tokens.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from data.corpus import DEFAULT_CORPUS_EXCLUDES, default_corpus, mine_corpus  # noqa: E402
from data.documents import DEFAULT_DOCUMENT, document_text  # noqa: E402
from retriever_finetune.models import load_retriever  # noqa: E402
from retriever_finetune.spec import parse_retriever  # noqa: E402


def padded_tokens(lengths: list[int], chunk: int, batch_size: int) -> int:
    total = 0
    for start in range(0, len(lengths), chunk):
        ordered = sorted(lengths[start : start + chunk], reverse=True)
        for first in range(0, len(ordered), batch_size):
            batch = ordered[first : first + batch_size]
            total += max(batch) * len(batch)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", default="256,1024,4096,0")
    parser.add_argument("--batch_size", type=int, default=32)
    args = parser.parse_args()
    records = mine_corpus(default_corpus(), exclude=DEFAULT_CORPUS_EXCLUDES)
    encoder = load_retriever(parse_retriever("base"))
    lengths = [len(ids) for ids in encoder.tokenize([document_text(r, DEFAULT_DOCUMENT) for r in records],
                                                    encoder.max_code_length)]
    real = sum(lengths)
    print(f"{len(lengths)} functions, {real} tokens")  # noqa: T201
    for chunk in (int(c) for c in args.chunks.split(",")):
        run = padded_tokens(lengths, chunk or len(lengths), args.batch_size)
        print(f"chunk {chunk or 'all'}: {run} tokens run, padding {run / real - 1:.1%}")  # noqa: T201


if __name__ == "__main__":
    main()

"""A process that searches an index while another process adds to it never crashes.

Embedded Chroma keeps a collection's vectors in the memory of each process that read them; entries another
process adds later are in the shared metadata but not in that copy, and reading their vectors raised
`InternalError: Error finding id` (two `rag.ask` right after an edit: one refreshes, the other searches).
"""

import subprocess
import sys
from pathlib import Path

from rag.options import StoreOptions
from rag.search import Retriever
from rag.store import build_search_index, open_index
from retriever_finetune.models import load_encoder
from retriever_finetune.spec import RetrieverSpec
from tests.conftest import write_module

WRITER = """
import sys
from rag.store import build_search_index
from rag.options import StoreOptions
from retriever_finetune.models import load_encoder
from retriever_finetune.spec import RetrieverSpec
corpus, model, persist = sys.argv[1:]
spec = RetrieverSpec(label="tiny", base=model)
stats = build_search_index([corpus], spec, load_encoder(model, device="cpu"), StoreOptions(persist))
print(stats.added, stats.deleted)
"""


def test_a_reader_meets_entries_another_process_added(corpus: Path, tiny_bert_dir: Path, tmp_path: Path) -> None:
    spec, store = RetrieverSpec(label="tiny", base=str(tiny_bert_dir)), StoreOptions(str(tmp_path / "chroma"))
    encoder = load_encoder(str(tiny_bert_dir), device="cpu")
    build_search_index([str(corpus)], spec, encoder, store)
    reader = Retriever(encoder, open_index([str(corpus)], spec, store, create=False), lexical_weight=0.5)
    assert reader.search("parse json", 2)  # this process now holds the collection's vectors in memory

    write_module(corpus, "zebra.py", [("frobnicate_zebra", "Frobnicate the zebra stripes.", "return stripes[::-1]")])
    done = subprocess.run([sys.executable, "-c", WRITER, str(corpus), str(tiny_bert_dir), store.persist],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and done.stdout.split() == ["1", "0"], done.stderr

    reader.forget_entries()  # as a refresh that found the index changed does: BM25 now knows the new function
    # BM25's best hit has no vector in this process's copy: it is left out, the search goes on
    found = reader.search("frobnicate zebra stripes", 5)
    assert [s.func_name for s in found] and "frobnicate_zebra" not in [s.func_name for s in found]

"""The reference ranks are stored with the index, follow its changes, and reach the rerank; without them the prior
is neutral."""

import json
from pathlib import Path

import pytest

from rag.options import IndexChoice, StoreOptions
from rag.search import open_retriever
from rag.store import open_search_index, references_path, update_search_index
from retriever_finetune.models import load_retriever
from retriever_finetune.spec import parse_retriever
from tests.conftest import write_module


def test_ranks_are_stored_with_the_index_and_follow_it(corpus: Path, tiny_bert_dir: Path, tmp_path: Path) -> None:
    spec = parse_retriever(str(tiny_bert_dir))
    encoder = load_retriever(spec)
    store = StoreOptions(str(tmp_path / "db"))
    paths = [str(corpus)]
    stats = update_search_index(paths, spec, encoder, store)
    target = references_path(store, stats.collection)
    ids, _ = open_search_index(paths, spec, encoder, store).entries()
    before = json.loads(target.read_text())
    assert set(before) == set(ids) and len(ids) == 5  # every function ranked; nothing refers yet: all uniform
    assert list(before.values()) == pytest.approx([0.0] * 5)
    write_module(corpus, "report.py", [("summary_line", "One line about some numbers.", "return str(maths.mean(x))"),
                                       ("average_of", "The mean.", "return maths.mean(x) + maths.mean(x)")])
    update_search_index(paths, spec, encoder, store)  # a refresh that changed the index works them out again
    after = json.loads(target.read_text())
    ids, metadatas = open_search_index(paths, spec, encoder, store).entries()
    (mean_id,) = [i for i, m in zip(ids, metadatas, strict=True) if m["func_name"] == "mean"]  # `maths.mean`: 3×
    assert len(after) == 7
    assert after[mean_id] == max(after.values()) > 0
    target.unlink()
    update_search_index(paths, spec, encoder, store)  # nothing changed, none stored: written again
    assert json.loads(target.read_text()) == pytest.approx(after)


def test_the_retriever_gives_the_rerank_the_ranks_and_none_without_them(corpus: Path, tiny_bert_dir: Path,
                                                                          tmp_path: Path) -> None:
    write_module(corpus, "report.py", [("summary_line", "One line about some numbers.", "return maths.mean(x)")])
    choice = IndexChoice(retriever=str(tiny_bert_dir), persist=str(tmp_path / "db"))
    seen: list[list] = []

    class Recording:
        candidates = 6

        def rerank(self, question: str, sources: list, k: int) -> list:
            seen.append([s.reference_rank for s in sources])
            return sources[:k]

    retriever = open_retriever(choice, [str(corpus)], reranker=Recording())
    retriever.retrieve("average of numbers", 3)
    assert len(seen[0]) == 6 and all(r is not None for r in seen[0])
    references_path(choice.store_options(), retriever.index.name).unlink()
    retriever.forget_entries()
    retriever.retrieve("average of numbers", 3)
    assert seen[1] == [None] * 6  # an index without stored ranks: the prior is neutral

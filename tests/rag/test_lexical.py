"""Hybrid search: identifier tokens, BM25 against a hand computation of Lucene's formula, z-score fusion, and
the Retriever's first stage (pooled dense + BM25 hits, fused; weight 0 is the dense search unchanged)."""

import math
from pathlib import Path

import numpy as np
import pytest

from data.cli import InputError
from rag.options import StoreOptions
from rag.search import Retriever
from rag.search import retriever as first_stage
from rag.search.lexical import LexicalIndex, fuse_standardised, identifier_tokens
from rag.store import build_search_index, open_index
from retriever_finetune.models import load_encoder
from retriever_finetune.spec import RetrieverSpec


def test_identifier_tokens_split_names_and_drop_stop_words() -> None:
    assert identifier_tokens("How do I parse JSON with json.loads?") == ["parse", "json", "json", "loads"]
    assert identifier_tokens("csv.DictReader") == ["csv", "dict", "reader", "dictreader"]
    assert identifier_tokens("shutil.rmtree _read_file HTTPConnection b64encode") == [
        "shutil", "rmtree", "read", "file", "read_file", "http", "connection", "httpconnection", "64", "encode",
        "b64encode"]
    assert identifier_tokens("a to of   !!") == []


def lucene_bm25(query: list[str], docs: list[list[str]], i: int, k1: float = 1.2, b: float = 0.75) -> float:
    """Lucene's BM25 of doc i, written out: sum over query terms of idf * tf / (tf + k1 * (1 - b + b * len / avg))."""
    avg = sum(map(len, docs)) / len(docs)
    total = 0.0
    for term in set(query):
        df = sum(term in d for d in docs)
        tf = docs[i].count(term)
        if not tf:
            continue
        idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
        total += idf * tf / (tf + k1 * (1 - b + b * len(docs[i]) / avg))
    return total


def test_bm25_scores_match_lucenes_formula_by_hand() -> None:
    texts = ["json.loads Deserialize a JSON document", "csv.DictReader", "json.dumps Serialize to a JSON string",
             "json.tool.main Command-line JSON tool: parse and pretty print JSON"]
    index = LexicalIndex(["a", "b", "c", "d"], texts)
    docs = [identifier_tokens(t) for t in texts]
    question = "how to parse json"
    expected = [lucene_bm25(identifier_tokens(question), docs, i) for i in range(4)]
    np.testing.assert_allclose(index.scores(question), expected, rtol=1e-5)
    assert expected[1] == 0 and expected[3] > expected[0] > 0  # "parse" and twice "json" put the tool first
    assert list(index.search(question, 10)) == ["d", "a", "c"]  # no shared word: left out
    assert list(index.search(question, 1)) == ["d"]
    assert not index.scores("unknown words only").any()
    assert len(LexicalIndex([], []).scores("json")) == 0
    with pytest.raises(InputError, match="2 ids for 1 texts"):
        LexicalIndex(["a", "b"], ["json"])


def test_fuse_standardised_by_hand() -> None:
    # first: mean 2, sd sqrt(2/3); second: mean 4/3, sd sqrt(32/9)
    got = fuse_standardised([1.0, 2.0, 3.0], [0.0, 0.0, 4.0], 0.25)
    z1 = [(v - 2) / math.sqrt(2 / 3) for v in (1, 2, 3)]
    z2 = [(v - 4 / 3) / math.sqrt(32 / 9) for v in (0, 0, 4)]
    np.testing.assert_allclose(got, [0.75 * a + 0.25 * b for a, b in zip(z1, z2, strict=True)])
    assert fuse_standardised([1.0, 1.0], [5.0, 5.0], 0.5) == [0.0, 0.0]
    assert fuse_standardised([], [], 0.5) == []
    with pytest.raises(InputError, match="differ in length"):
        fuse_standardised([1.0], [1.0, 2.0], 0.5)


@pytest.fixture
def index(corpus: Path, tiny_bert_dir: Path, tmp_path: Path):  # noqa: ANN201
    spec = RetrieverSpec(label="tiny", base=str(tiny_bert_dir))
    encoder = load_encoder(str(tiny_bert_dir), device="cpu")
    store = StoreOptions(str(tmp_path / "chroma"))
    build_search_index([str(corpus)], spec, encoder, store)
    return encoder, open_index([str(corpus)], spec, store, create=False)


def test_weight_zero_is_the_dense_search_and_the_weight_is_checked(index) -> None:  # noqa: ANN001
    encoder, code_index = index
    question = "parse a json document"
    dense = code_index.search(encoder.encode_queries([question], show_progress=False)[0], 5)
    plain = Retriever(encoder, code_index, lexical_weight=0).search(question, 5)
    assert plain == dense and all(s.lexical_score is None and s.first_stage_score == s.score for s in plain)
    with pytest.raises(InputError, match=r"lexical weight must be in \[0, 1\]"):
        Retriever(encoder, code_index, lexical_weight=1.5)


def test_fetch_scores_entries_as_the_search_does(index) -> None:  # noqa: ANN001
    encoder, code_index = index
    vector = encoder.encode_queries(["write text to a file"], show_progress=False)[0]
    searched = code_index.search(vector, 5)  # the whole corpus, scored by Chroma's own cosine distance
    ids = [s.id for s in reversed(searched)] + ["no-such-id"]
    fetched = code_index.fetch(ids, vector)
    assert [s.id for s in fetched] == ids[:-1]
    for got, want in zip(fetched, reversed(searched), strict=True):
        assert got.score == pytest.approx(want.score, abs=1e-5)
        assert (got.func_name, got.code, got.docstring, got.start_line) == (want.func_name, want.code, want.docstring,
                                                                            want.start_line)


QUESTIONS = ["parse a json document", "average of numbers", "write a string to a file", "read a text file line",
             "serialise objects to a json string"]


def test_hybrid_search_orders_the_pool_by_fused_scores(index) -> None:  # noqa: ANN001
    encoder, code_index = index
    lexical = LexicalIndex.of(code_index)
    ids = lexical.ids
    reordered = 0
    for question in QUESTIONS:
        searched = code_index.search(encoder.encode_queries([question], show_progress=False)[0], 5)  # the whole pool
        bm25 = dict(zip(ids, lexical.scores(question), strict=True))
        fused = fuse_standardised([s.score for s in searched], [float(bm25[s.id]) for s in searched], 0.5)
        expected = [searched[i].func_name for i in sorted(range(5), key=lambda i: -fused[i])]
        got = Retriever(encoder, code_index, lexical_weight=0.5).search(question, 5)
        assert [s.func_name for s in got] == expected
        assert [s.hybrid_score for s in got] == pytest.approx(sorted(fused, reverse=True))
        assert all(s.first_stage_score == s.hybrid_score for s in got)
        reordered += expected != [s.func_name for s in searched]
    assert reordered  # the tiny random encoder disagrees with the words at least once


def test_hybrid_search_fetches_what_only_bm25_found(index, monkeypatch) -> None:  # noqa: ANN001
    encoder, code_index = index
    lexical = LexicalIndex.of(code_index)
    monkeypatch.setattr(first_stage, "HYBRID_POOL", 1)  # dense top 1 + BM25 top 1
    fetched = 0
    for question in QUESTIONS:
        vector = encoder.encode_queries([question], show_progress=False)[0]
        dense_top = code_index.search(vector, 1)[0]
        best_id = next(iter(lexical.search(question, 1)))
        got = Retriever(encoder, code_index, lexical_weight=1.0).search(question, 1)
        assert [s.id for s in got] == [best_id]
        assert got[0].lexical_score == pytest.approx(float(lexical.scores(question).max()))
        fetched += best_id != dense_top.id
    assert fetched  # at least one answer came from BM25 alone


def test_a_code_index_matches_names_only(corpus: Path, tiny_bert_dir: Path, tmp_path: Path) -> None:
    spec = RetrieverSpec(label="tiny", base=str(tiny_bert_dir))
    encoder = load_encoder(str(tiny_bert_dir), device="cpu")
    store = StoreOptions(str(tmp_path / "chroma"), document="code")
    build_search_index([str(corpus)], spec, encoder, store)
    texts = LexicalIndex.of(open_index([str(corpus)], spec, store, create=False)).texts
    assert sorted(t.strip() for t in texts) == ["files.read_lines", "files.write_text", "jsonish.dump_json",
                                                "jsonish.parse_json", "maths.mean"]

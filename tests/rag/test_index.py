"""Incremental indexing: unchanged → nothing added, edits replace only their functions, deletions leave,
an interrupted build resumes without duplicates, and two retrievers' collections live side by side."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from data.cli import InputError
from data.documents import document_text
from data.miner import mine_tree
from rag import index as index_cli
from rag.grounding import KnownNames
from rag.options import StoreOptions
from rag.store import build_search_index, open_index, record_id
from retriever_finetune.models import load_encoder
from retriever_finetune.spec import RetrieverSpec, parse_retriever
from tests.conftest import write_module


@pytest.fixture
def setup(tiny_bert_dir: Path, tmp_path: Path):  # noqa: ANN201
    spec = RetrieverSpec(label="tiny", base=str(tiny_bert_dir))
    encoder = load_encoder(str(tiny_bert_dir), device="cpu")
    return spec, encoder, StoreOptions(str(tmp_path / "chroma"))


def ids_by_name(corpus: Path, spec: RetrieverSpec, store: StoreOptions) -> dict[str, str]:
    got = open_index([str(corpus)], spec, store).collection.get(include=["metadatas"])
    return {meta["func_name"]: id_ for id_, meta in zip(got["ids"], got["metadatas"], strict=True)}


def test_unchanged_edited_and_deleted(corpus: Path, setup) -> None:  # noqa: ANN001
    spec, encoder, store = setup
    first = build_search_index([str(corpus)], spec, encoder, store)
    assert (first.added, first.total) == (5, 5)
    again = build_search_index([str(corpus)], spec, encoder, store)
    assert (again.added, again.deleted, again.unchanged) == (0, 0, 5)
    before = ids_by_name(corpus, spec, store)

    write_module(corpus, "files.py", [("read_lines", "Read a text file line by line.", "return list(open(path))"),
                                      ("write_text", "Write a string to a file.", "open(path, 'w').write(text)")])
    edited = build_search_index([str(corpus)], spec, encoder, store)
    assert (edited.added, edited.deleted) == (1, 1)
    after = ids_by_name(corpus, spec, store)
    assert after["read_lines"] != before["read_lines"]
    assert {k: v for k, v in after.items() if k != "read_lines"} == {k: v for k, v in before.items() if k != "read_lines"}

    (corpus / "maths.py").unlink()
    deleted = build_search_index([str(corpus)], spec, encoder, store)
    assert (deleted.added, deleted.deleted, deleted.total) == (0, 1, 4)
    assert "mean" not in ids_by_name(corpus, spec, store)


def test_moved_function_updates_line_without_reembedding(corpus: Path, setup) -> None:  # noqa: ANN001
    spec, encoder, store = setup
    build_search_index([str(corpus)], spec, encoder, store)
    text = (corpus / "maths.py").read_text()
    (corpus / "maths.py").write_text("import os\n\n\n" + text)
    moved = build_search_index([str(corpus)], spec, encoder, store)
    assert (moved.added, moved.deleted, moved.updated) == (0, 0, 1)
    got = open_index([str(corpus)], spec, store).collection.get(where={"func_name": "mean"}, include=["metadatas"])
    assert got["metadatas"][0]["start_line"] == 4


def test_interrupted_build_resumes_without_duplicates(corpus: Path, setup) -> None:  # noqa: ANN001
    spec, encoder, store = setup
    real_encode = encoder.encode_code
    calls = {"n": 0}

    def failing_encode(texts, **kwargs):  # noqa: ANN001, ANN003, ANN202
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real_encode(texts, **kwargs)

    encoder.encode_code = failing_encode
    with pytest.raises(KeyboardInterrupt):
        build_search_index([str(corpus)], spec, encoder, store, batch_size=2)
    assert open_index([str(corpus)], spec, store).count() == 2  # the first batch was kept
    encoder.encode_code = real_encode
    resumed = build_search_index([str(corpus)], spec, encoder, store, batch_size=2)
    assert (resumed.added, resumed.total) == (3, 5)


def test_undocumented_functions_and_classes_are_indexed_and_named_by_the_grounding_check(
        corpus: Path, setup) -> None:  # noqa: ANN001
    spec, encoder, store = setup
    (corpus / "rows.py").write_text(
        "class RowReader:\n    def __init__(self, f, fieldnames=None):\n        self.f = f\n\n"
        "    def __next__(self):\n        return next(self.f)\n\n\ndef count_rows(f):\n    return sum(1 for _ in f)\n")
    build_search_index([str(corpus)], spec, encoder, store)
    index = open_index([str(corpus)], spec, store)
    got = index.collection.get(where={"path": "rows.py"}, include=["documents", "metadatas"])
    by_name = {m["func_name"]: code for m, code in zip(got["metadatas"], got["documents"], strict=True)}
    assert by_name == {
        "RowReader": "class RowReader:\n    def __init__(self, f, fieldnames=None):\n    def __next__(self):",
        "RowReader.__init__": "def __init__(self, f, fieldnames=None):\n    self.f = f",
        "RowReader.__next__": "def __next__(self):\n    return next(self.f)",
        "count_rows": "def count_rows(f):\n    return sum(1 for _ in f)",
    }  # a user's code base: every unit, the undocumented dunders too (the standard library leaves them out)
    assert index.count() == 5 + 4
    stored = index.collection.get(where={"func_name": "count_rows"}, include=["embeddings"])["embeddings"][0]
    by_hand = encoder.encode_code(["rows.count_rows\ndef count_rows(f):\n    return sum(1 for _ in f)"],
                                  show_progress=False)[0]
    assert stored == pytest.approx(by_hand, abs=1e-5)  # the qualified name stands in for the missing docstring
    known = KnownNames.from_corpus(index.name_entries())
    assert known.knows("rows.RowReader") and known.knows("rows.count_rows") and known.knows("jsonish.parse_json")
    assert not known.knows("rows.parse_json")


def test_two_retrievers_side_by_side(corpus: Path, setup, tiny_codet5p_dir: Path) -> None:  # noqa: ANN001
    spec, encoder, store = setup
    other = RetrieverSpec(label="tiny-t5", base=str(tiny_codet5p_dir))
    build_search_index([str(corpus)], spec, encoder, store)
    build_search_index([str(corpus)], other, load_encoder(str(tiny_codet5p_dir), device="cpu"), store)
    first, second = open_index([str(corpus)], spec, store), open_index([str(corpus)], other, store)
    assert first.name != second.name and first.count() == second.count() == 5
    vector = first.collection.get(limit=1, include=["embeddings"])["embeddings"][0]
    assert len(vector) == 32 and len(second.collection.get(limit=1, include=["embeddings"])["embeddings"][0]) == 16


def test_document_formats_embed_what_they_name(corpus: Path, setup) -> None:  # noqa: ANN001
    from data.miner import mine_tree

    spec, encoder, store = setup
    code_only = StoreOptions(store.persist, document="code")
    build_search_index([str(corpus)], spec, encoder, store)
    build_search_index([str(corpus)], spec, encoder, code_only)
    default, plain = open_index([str(corpus)], spec, store), open_index([str(corpus)], spec, code_only)
    assert default.name != plain.name and default.count() == plain.count() == 5
    record = next(r for r in mine_tree(corpus) if r.func_name == "mean")
    assert document_text(record, "docstring+code") == f"{record.docstring}\n{record.code}"
    for index, document in ((default, "docstring+code"), (plain, "code")):
        stored = index.collection.get(ids=[record_id(record)], include=["embeddings", "documents"])
        expected = encoder.encode_code([document_text(record, document)], show_progress=False)[0]
        assert stored["embeddings"][0] == pytest.approx(expected, abs=1e-5)
        assert stored["documents"][0] == record.code  # the generator is shown the code either way
    with pytest.raises(InputError, match="unknown document format 'docs'; choose one of: docstring\+code, code"):
        StoreOptions(store.persist, document="docs")


def test_ids_are_content_hashes(corpus: Path) -> None:
    """An id is the SHA-1 of (repo, path, name, code, docstring), worked out by hand here, and the same in a
    process with another hash seed."""
    import hashlib
    import os
    import subprocess
    import sys

    from data.miner import mine_tree

    records = mine_tree(corpus)
    by_hand = [hashlib.sha1("\x00".join((r.repo, r.path, r.func_name, r.code, r.docstring)).encode()).hexdigest()
               for r in records]
    assert [record_id(r) for r in records] == by_hand and len(set(by_hand)) == len(records)
    script = ("import sys; from data.miner import mine_tree; from rag.store import record_id; "
              "print(' '.join(sorted(record_id(r) for r in mine_tree(sys.argv[1]))))")
    other = subprocess.run([sys.executable, "-c", script, str(corpus)], capture_output=True, text=True, check=True,
                           timeout=120, env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert other.stdout.split() == sorted(by_hand)


def test_index_cli_and_bad_input(corpus: Path, tiny_bert_dir: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--retriever", str(tiny_bert_dir), "--persist", str(tmp_path / "db"), "--quiet"]
    assert index_cli.main([str(corpus), *common]) == 0
    assert "5 added" in capsys.readouterr().out
    assert index_cli.main([str(corpus), *common]) == 0
    assert "0 added, 0 deleted" in capsys.readouterr().out
    assert index_cli.main([str(tmp_path / "missing"), *common]) == 2
    assert "corpus path does not exist" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "logo.png").write_bytes(b"\x89PNG\x00")  # no code, documents or configuration
    assert index_cli.main([str(tmp_path / "empty"), *common]) == 2
    assert "no code, documents or configuration to index" in capsys.readouterr().err


@pytest.mark.allow_hosts(["127.0.0.1"])  # a real refused connection, not the socket blocker
def test_unreachable_chroma_server(corpus: Path, tiny_bert_dir: Path) -> None:
    with pytest.raises(InputError, match="could not reach the Chroma server at 127.0.0.1:9"):
        build_search_index([str(corpus)], RetrieverSpec(label="t", base=str(tiny_bert_dir)),
                    load_encoder(str(tiny_bert_dir), device="cpu"),
                    StoreOptions("unused", chroma_host="127.0.0.1", chroma_port=9))


def test_index_cli_int8_stores_vectors_close_to_float32(corpus: Path, tiny_bert_dir: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    from data.miner import mine_tree

    common = ["--retriever", str(tiny_bert_dir), "--persist", str(tmp_path / "db"), "--quiet"]
    assert index_cli.main([str(corpus), *common, "--quantize", "int8"]) == 0
    assert "5 added" in capsys.readouterr().out
    spec = RetrieverSpec(label=tiny_bert_dir.name, base=str(tiny_bert_dir))
    record = next(r for r in mine_tree(corpus) if r.func_name == "parse_json")
    stored = open_index([str(corpus)], spec, StoreOptions(str(tmp_path / "db"))).collection.get(
        ids=[record_id(record)], include=["embeddings"])["embeddings"][0]
    expected = load_encoder(str(tiny_bert_dir), device="cpu").encode_code([document_text(record, "docstring+code")])[0]
    assert float(np.dot(stored, expected)) > 0.98
    assert not np.allclose(stored, expected, atol=1e-6)  # int8, not the float32 vector
    assert index_cli.main([str(corpus), *common, "--quantize", "int4"]) == 2
    assert "int4" in capsys.readouterr().err
    assert index_cli.main([str(corpus), *common, "--quantize", "int8", "--retriever", "python=minilm-questions"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--quantize does not apply to a per-language retriever" in err[0]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git to make the work tree")
def test_gitignored_files_stay_out_of_the_index_unless_asked(corpus: Path, tiny_bert_dir: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    write_module(corpus, "generated.py", [("generated_parser", "A parser made by a tool.", "return None")])
    (corpus / ".gitignore").write_text("generated.py\n")
    subprocess.run(["git", "init", "-q", str(corpus)], check=True)
    common = ["--retriever", str(tiny_bert_dir), "--persist", str(tmp_path / "db"), "--quiet"]
    spec = parse_retriever(str(tiny_bert_dir))  # as the CLI names its collection
    store = StoreOptions(str(tmp_path / "db"))
    assert index_cli.main([str(corpus), *common]) == 0
    assert "5 added" in capsys.readouterr().out and "generated_parser" not in ids_by_name(corpus, spec, store)
    assert index_cli.main([str(corpus), *common, "--include_ignored"]) == 0
    assert "1 added" in capsys.readouterr().out and "generated_parser" in ids_by_name(corpus, spec, store)
    assert index_cli.main([str(corpus), *common]) == 0  # the next build follows .gitignore again
    assert "1 deleted" in capsys.readouterr().out and "generated_parser" not in ids_by_name(corpus, spec, store)


def test_two_mining_processes_build_the_same_index_as_one(corpus: Path, tiny_bert_dir: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from data import miner

    pools = []

    class RecordedPool(miner.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
            super().__init__(*args, **kwargs)
            pools.append(self._max_workers)

    monkeypatch.setattr(miner, "ProcessPoolExecutor", RecordedPool)
    for i in range(12):  # enough files for both processes to get some
        write_module(corpus, f"extra_{i}.py", [(f"helper_{i}", f"Helper number {i}.", f"return {i}"),
                                               (f"other_{i}", f"Another helper {i}.", f"return -{i}")])
    spec = parse_retriever(str(tiny_bert_dir))
    entries = []
    for workers in ("1", "2"):
        persist = tmp_path / f"db{workers}"
        assert index_cli.main([str(corpus), "--retriever", str(tiny_bert_dir), "--persist", str(persist), "--quiet",
                               "--workers", workers]) == 0
        got = open_index([str(corpus)], spec, StoreOptions(str(persist))).collection.get(
            include=["embeddings", "metadatas"])
        entries.append(dict(zip(got["ids"], zip(got["embeddings"].tolist(), got["metadatas"], strict=True), strict=True)))
    assert pools == [2]  # the second build really ran in two worker processes
    assert len(entries[0]) == 29 and entries[0].keys() == entries[1].keys()
    for key, (vector, meta) in entries[0].items():
        other_vector, other_meta = entries[1][key]
        assert meta == other_meta and np.dot(vector, other_vector) >= 0.9999 * np.linalg.norm(vector) * np.linalg.norm(
            other_vector)
    assert index_cli.main([str(corpus), "--retriever", str(tiny_bert_dir), "--workers", "0"]) == 2
    assert "--workers must be positive" in capsys.readouterr().err


def test_the_indexing_bar_moves_with_every_encoder_batch_and_shows_rate_and_time_left(
        corpus: Path, setup, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """One chunk of 1,024 entries is written at once, but the bar moves as each encoder batch is embedded (a slow
    encoder's bar never sits at 0% for minutes)."""
    from tqdm.auto import tqdm

    from rag.store import chroma

    moves: list[int] = []

    class RecordingBar(tqdm):
        def update(self, n: float = 1) -> bool | None:
            moves.append(int(n))
            return super().update(n)

    monkeypatch.setattr(chroma, "tqdm", RecordingBar)
    spec, encoder, store = setup
    for n in range(4):
        write_module(corpus, f"more{n}.py", [(f"helper{n}_{i}", f"Helper {i} of file {n}.", "return 0")
                                              for i in range(5)])
    encoder.batch_size = 5
    records = mine_tree(corpus, documented_only=False, show_progress=False)
    open_index([str(corpus)], spec, store).sync(records, encoder, show_progress=True)
    assert len(records) == 25 and moves == [5, 5, 5, 5, 5]  # one move per encoder batch, not one per chunk
    final = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]
    assert "25/25" in final and "fn/s" in final and "<" in final  # the rate, and elapsed<left

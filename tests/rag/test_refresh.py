"""The index follows the corpus before each question: an edited function is re-embedded alone and cited at
its new line, a deleted file's functions leave, nothing changed costs no encoder call, and `--no_refresh`
reads the index as it is."""

import re
import shutil
from pathlib import Path

import pytest

from rag import ask
from rag.indexing import StoreOptions, build_index, open_index
from rag.refresh import manifest_path, refresh_index
from retriever_finetune.models import load_retriever, resolve_retriever_spec

from .conftest import write_module


class CountingEncoder:
    """The real encoder, counting the code texts it is asked to embed."""

    def __init__(self, encoder) -> None:  # noqa: ANN001
        self.encoder, self.embedded = encoder, []

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self.encoder, name)

    def encode_code(self, texts, **kwargs):  # noqa: ANN001, ANN003, ANN201
        self.embedded += list(texts)
        return self.encoder.encode_code(texts, **kwargs)


def test_refresh_embeds_only_what_changed(corpus: Path, tiny_bert_dir: Path, tmp_path: Path,
                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="rag.refresh")
    spec = resolve_retriever_spec(str(tiny_bert_dir))
    encoder = CountingEncoder(load_retriever(spec))
    store = StoreOptions(str(tmp_path / "db"))
    paths = [str(corpus)]
    assert build_index(paths, spec, encoder, store).added == 5 and len(encoder.embedded) == 5
    index = open_index(paths, spec, store, create=False)

    encoder.embedded.clear()
    unchanged = refresh_index(paths, index, encoder, store)
    assert encoder.embedded == [] and (unchanged.added, unchanged.deleted, unchanged.total) == (0, 0, 5)

    write_module(corpus, "files.py", [("read_lines", "Read a text file line by line.", "return list(open(path))"),
                                      ("write_text", "Write a string to a file.", "open(path, 'w').write(text)")])
    edited = refresh_index(paths, index, encoder, store)
    assert (edited.added, edited.deleted, edited.total) == (1, 1, 5)
    assert len(encoder.embedded) == 1 and "return list(open(path))" in encoder.embedded[0]

    encoder.embedded.clear()
    (corpus / "maths.py").unlink()
    (corpus / "jsonish.py").touch()  # a new modification time, the same content: hashed, not re-mined
    caplog.clear()
    deleted = refresh_index(paths, index, encoder, store)
    assert encoder.embedded == [] and (deleted.deleted, deleted.total) == (1, 4)
    assert "index refreshed: 1 files, +0 -1 ~0 functions" in caplog.text  # the touched file is not re-mined
    names = {meta["func_name"] for meta in index.collection.get(include=["metadatas"])["metadatas"]}
    assert names == {"parse_json", "dump_json", "read_lines", "write_text"}

    manifest_path(store, index.name).unlink()  # no record of the files: the caller checks every file once
    assert refresh_index(paths, index, encoder, store) is None


def test_ask_cites_the_edited_code_at_its_new_line(corpus: Path, tiny_bert_dir: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--corpus", str(corpus), "--persist", str(tmp_path / "db"), "--retriever", str(tiny_bert_dir),
              "--rerank", "none", "--generator", "none", "--k", "5"]
    assert ask.main(["read a file", *common]) == 0
    assert "maths.py" in capsys.readouterr().out
    (corpus / "maths.py").unlink()
    write_module(corpus, "files.py", [("write_text", "Write a string to a file.", "open(path, 'w').write(text)"),
                                      ("read_lines", "Read a text file line by line.", "return list(open(path))")])
    assert ask.main(["read a file", *common, "--no_refresh"]) == 0
    assert "maths.py" in capsys.readouterr().out  # read-only: the index as it was
    assert ask.main(["read a file", *common]) == 0
    captured = capsys.readouterr()
    assert "maths.py" not in captured.out
    assert re.search(r"files\.py:6\b", captured.out), captured.out  # read_lines moved from line 1 to line 6
    assert "index refreshed: 2 files, +1 -2 ~1 functions" in captured.err


def test_a_long_lived_langchain_retriever_follows_edits_between_questions(corpus: Path, tiny_bert_dir: Path,
                                                                          tmp_path: Path) -> None:
    from rag.retriever import CodeSearchRetriever

    retriever = CodeSearchRetriever(corpus=[str(corpus)], retriever=str(tiny_bert_dir), persist=str(tmp_path / "db"),
                                    k=5)  # hybrid search: BM25 over the entries too
    assert "mean" in {d.metadata["name"] for d in retriever.invoke("average of numbers")}
    (corpus / "maths.py").unlink()
    write_module(corpus, "stats.py", [("median", "Middle value of a list of numbers.", "return sorted(xs)[len(xs) // 2]")])
    names = {d.metadata["name"] for d in retriever.invoke("average of numbers")}
    assert "mean" not in names and "median" in names
    frozen = CodeSearchRetriever(corpus=[str(corpus)], retriever=str(tiny_bert_dir), persist=str(tmp_path / "db"),
                                 k=5, refresh=False)
    frozen.invoke("q")
    (corpus / "stats.py").unlink()
    assert "median" in {d.metadata["name"] for d in frozen.invoke("average of numbers")}


def test_a_symlink_loop_and_bad_bytes_are_skipped_and_a_vanished_corpus_is_one_line(corpus: Path, tiny_bert_dir: Path, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--corpus", str(corpus), "--persist", str(tmp_path / "db"), "--retriever", str(tiny_bert_dir),
              "--rerank", "none", "--generator", "none"]
    (corpus / "loop.py").symlink_to(corpus / "loop.py")
    (corpus / "latin1.py").write_bytes(b'def caf\xe9():\n    """Caf\xe9 au lait."""\n    return 1\n')
    assert ask.main(["read a file", *common]) == 0
    (corpus / "latin1.py").write_bytes(b'def caf\xe9():\n    """Caf\xe9 noir."""\n    return 2\n')
    assert ask.main(["read a file", *common]) == 0  # the refresh reads it again, and skips the loop again
    assert "loop.py" in capsys.readouterr().err
    shutil.rmtree(corpus)
    assert ask.main(["read a file", *common]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "corpus path does not exist" in err[0]

"""The index follows the corpus before each question: an edited function is re-embedded alone and cited at
its new line, a deleted file's functions leave, nothing changed costs no encoder call, and `--no_refresh`
reads the index as it is."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rag import ask
from rag.options import StoreOptions
from rag.store import build_search_index, open_index, refresh_index
from rag.store.refresh import manifest_path
from retriever_finetune.models import load_retriever
from retriever_finetune.spec import parse_retriever
from tests.conftest import write_module

from .conftest import writer_held_inside


class CountingEncoder:
    """The real encoder, counting the code texts it is asked to embed."""

    def __init__(self, encoder) -> None:  # noqa: ANN001
        self.encoder, self.embedded = encoder, []

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self.encoder, name)

    def encoder_for(self, language: str | None = None) -> "CountingEncoder":  # noqa: ARG002
        return self

    def encode_code(self, texts, **kwargs):  # noqa: ANN001, ANN003, ANN201
        self.embedded += list(texts)
        return self.encoder.encode_code(texts, **kwargs)


@pytest.fixture(params=["folder", "git work tree"])
def worktree(corpus: Path, request: pytest.FixtureRequest) -> Path:
    """The corpus as a plain folder, or as a git work tree with some files committed (the files listed by
    `git ls-files --cached --others --exclude-standard` then)."""
    if request.param == "git work tree":
        if shutil.which("git") is None:
            pytest.skip("git is not installed")
        git = ["git", "-C", str(corpus), "-c", "user.name=t", "-c", "user.email=t@t"]
        subprocess.run([*git[:3], "init", "-q"], check=True)
        subprocess.run([*git, "add", "maths.py"], check=True)
        subprocess.run([*git, "commit", "-qm", "one file tracked, the others untracked"], check=True)
    return corpus


def test_refresh_embeds_only_what_changed(worktree: Path, tiny_bert_dir: Path, tmp_path: Path,
                                          caplog: pytest.LogCaptureFixture) -> None:
    corpus = worktree
    caplog.set_level("INFO", logger="rag.store.refresh")
    spec = parse_retriever(str(tiny_bert_dir))
    encoder = CountingEncoder(load_retriever(spec))
    store = StoreOptions(str(tmp_path / "db"))
    paths = [str(corpus)]
    assert build_search_index(paths, spec, encoder, store).added == 5 and len(encoder.embedded) == 5
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


def test_ask_cites_the_edited_code_at_its_new_line(worktree: Path, tiny_bert_dir: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    corpus = worktree
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
    from rag.langchain import CodeSearchRetriever

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
    other = tmp_path / "other"
    other.mkdir()
    write_module(other, "strings.py", [("shout", "Upper-case a string.", "return x.upper()")])
    other_args = ["--corpus", str(other), *common[2:]]
    assert ask.main(["upper case", *other_args]) == 0
    (corpus / "loop.py").symlink_to(corpus / "loop.py")
    (corpus / "latin1.py").write_bytes(b'def caf\xe9():\n    """Caf\xe9 au lait."""\n    return 1\n')
    assert ask.main(["read a file", *common]) == 0
    (corpus / "latin1.py").write_bytes(b'def caf\xe9():\n    """Caf\xe9 noir."""\n    return 2\n')
    assert ask.main(["read a file", *common]) == 0  # the refresh reads it again, and skips the loop again
    err = capsys.readouterr().err
    assert "skipped: 1 not UTF-8, 1 unreadable" in err  # the loop and the latin-1 file, each by its reason
    shutil.rmtree(corpus)
    assert ask.main(["read a file", *common]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "corpus path does not exist" in err[0]
    assert ask.main(["upper case", *other_args]) == 0  # the other corpus's index, in the same store, is intact
    captured = capsys.readouterr()
    assert "strings.py" in captured.out and "index up to date" in captured.err


def _entries(persist: Path, corpus: Path, tiny_bert_dir: Path) -> list[tuple]:
    """Every entry of the corpus's index, read by a fresh process (no client state shared with this one)."""
    script = ("import json, sys; from rag.options import StoreOptions; from rag.store import open_index; "
              "from retriever_finetune.spec import parse_retriever; "
              "index = open_index([sys.argv[1]], parse_retriever(sys.argv[2]), StoreOptions(sys.argv[3]), "
              "create=False); got = index.collection.get(include=['metadatas']); "
              "print(json.dumps(sorted([i, m['path'], m['func_name'], m['start_line']] "
              "for i, m in zip(got['ids'], got['metadatas']))))")
    done = subprocess.run([sys.executable, "-c", script, str(corpus), str(tiny_bert_dir), str(persist)],
                          capture_output=True, text=True, timeout=120, check=True)
    return [tuple(row) for row in json.loads(done.stdout.strip().splitlines()[-1])]


def test_an_interrupted_refresh_is_completed_by_the_next(corpus: Path, tiny_bert_dir: Path, tmp_path: Path) -> None:
    spec = parse_retriever(str(tiny_bert_dir))
    encoder = load_retriever(spec)
    store, paths = StoreOptions(str(tmp_path / "db")), [str(corpus)]
    build_search_index(paths, spec, encoder, store)
    index = open_index(paths, spec, store, create=False)
    (corpus / "maths.py").unlink()
    write_module(corpus, "files.py", [("write_text", "Write a string to a file.", "open(path, 'w').write(text)"),
                                      ("read_lines", "Read a text file line by line.", "return list(open(path))"),
                                      ("append_line", "Append one line to a file.", "open(path, 'a').write(x)")])

    class Interrupted(CountingEncoder):
        def encode_code(self, texts, **kwargs):  # noqa: ANN001, ANN003, ANN201
            if self.embedded:  # Ctrl-C during the second batch: one batch written, nothing deleted yet
                raise KeyboardInterrupt
            return super().encode_code(texts, **kwargs)

    with pytest.raises(KeyboardInterrupt):  # batches of one: the interruption falls between two writes
        refresh_index(paths, index, Interrupted(encoder), store, batch_size=1)
    half = _entries(tmp_path / "db", corpus, tiny_bert_dir)
    reference = tmp_path / "reference"
    build_search_index(paths, spec, encoder, StoreOptions(str(reference)))
    expected = _entries(reference, corpus, tiny_bert_dir)
    assert half != expected and any(e[1] == "maths.py" for e in half)  # really left half done

    assert refresh_index(paths, index, encoder, store).total == 5  # the next run finds the same files changed
    assert _entries(tmp_path / "db", corpus, tiny_bert_dir) == expected


WRITE = """
store = StoreOptions(store_at)
stats = refresh_index([corpus], open_index([corpus], spec, store, create=False), encoder, store)
print("refreshed", stats.added, stats.deleted)
"""


def test_a_second_ask_while_a_refresh_writes_answers_from_the_index_as_it_is(
        corpus: Path, tiny_bert_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    persist = tmp_path / "db"
    common = ["--corpus", str(corpus), "--persist", str(persist), "--retriever", str(tiny_bert_dir),
              "--rerank", "none", "--generator", "none", "--k", "5"]
    assert ask.main(["average of numbers", *common]) == 0
    capsys.readouterr()
    (corpus / "maths.py").unlink()
    write_module(corpus, "stats.py", [("median", "Middle value of a list of numbers.", "return sorted(xs)[len(xs) // 2]")])
    with writer_held_inside(WRITE, corpus, tiny_bert_dir, str(persist), tmp_path) as writer:
        # the second refresh meets the first one's lock: it warns once and answers from the index as it is
        assert ask.main(["average of numbers", *common]) == 0
        captured = capsys.readouterr()
        assert "maths.py" in captured.out and "stats.py" not in captured.out
        assert "not refreshed" in captured.err and "being written by another process" in captured.err
    out, err = writer.output
    assert writer.returncode == 0, err
    assert "refreshed 1 1" in out  # the first writer finished its own refresh (+median -mean)
    reference = tmp_path / "reference"
    spec = parse_retriever(str(tiny_bert_dir))
    build_search_index([str(corpus)], spec, load_retriever(spec), StoreOptions(str(reference)))
    assert _entries(persist, corpus, tiny_bert_dir) == _entries(reference, corpus, tiny_bert_dir)
    # a later rag.ask (its own process, as a user runs it) finds nothing left to do and cites the new code
    later = subprocess.run([sys.executable, "-m", "rag.ask", "average of numbers", *common], capture_output=True,
                           text=True, timeout=300, check=False)
    assert later.returncode == 0, later.stderr
    assert "stats.py" in later.stdout and "maths.py" not in later.stdout and "not refreshed" not in later.stderr
    assert "index up to date" in later.stderr


def test_entries_are_read_page_by_page(corpus: Path, tiny_bert_dir: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """One `get` of every entry fails past 32,766 entries (SQLite's variable limit, met at 38,000 functions):
    entries come in pages, and a refresh reads them so."""
    from rag.store import chroma as rag_store

    spec = parse_retriever(str(tiny_bert_dir))
    encoder = load_retriever(spec)
    store, paths = StoreOptions(str(tmp_path / "db")), [str(corpus)]
    build_search_index(paths, spec, encoder, store)
    index = open_index(paths, spec, store, create=False)
    whole = index.collection.get(include=["metadatas"])  # the reference: one read (fine at 5 entries)
    monkeypatch.setattr(rag_store, "ENTRIES_PAGE", 2)
    limits, wheres = [], []
    real_get = index.collection.get

    def recorded_get(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if "ids" not in kwargs:
            limits.append(kwargs.get("limit"))
            wheres.append(kwargs.get("where"))
        return real_get(*args, **kwargs)

    monkeypatch.setattr(index.collection, "get", recorded_get)
    index._entries = None  # noqa: SLF001
    ids, metadatas = index.entries()
    assert sorted(zip(ids, [m["func_name"] for m in metadatas], strict=True)) == sorted(
        zip(whole["ids"], [m["func_name"] for m in whole["metadatas"]], strict=True))
    assert limits == [2, 2, 2]  # 5 entries: pages of 2, 2 and 1
    write_module(corpus, "files.py", [("read_lines", "Read a text file line by line.", "return list(open(path))"),
                                      ("write_text", "Write a string to a file.", "open(path, 'w').write(text)")])
    limits.clear()
    wheres.clear()
    monkeypatch.setattr(rag_store, "SCOPED_READ_FILES", 0)  # a refresh of many files reads every entry, in pages
    assert refresh_index(paths, index, encoder, store).total == 5
    assert limits and all(limit == 2 for limit in limits) and not any(wheres)
    monkeypatch.setattr(rag_store, "SCOPED_READ_FILES", 200)  # one file: only its entries, read by path
    write_module(corpus, "files.py", [("read_lines", "Read a text file line by line.", "return open(path).readlines()"),
                                      ("write_text", "Write a string to a file.", "open(path, 'w').write(text)")])
    limits.clear()
    wheres.clear()
    stats = refresh_index(paths, index, encoder, store)
    assert (stats.added, stats.deleted, stats.total) == (1, 1, 5)
    assert wheres == [{"path": {"$in": ["files.py"]}}] and limits == [None]
    rebuilt = tmp_path / "rebuilt"  # the reference: the same corpus built from nothing
    build_search_index(paths, spec, encoder, StoreOptions(str(rebuilt)))
    expected = open_index(paths, spec, StoreOptions(str(rebuilt)), create=False).collection.get(include=["metadatas"])
    got = real_get(include=["metadatas"])
    assert sorted(got["ids"]) == sorted(expected["ids"])


def test_an_index_mined_by_an_older_miner_gains_the_new_files_on_its_next_refresh(
        corpus: Path, tiny_bert_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An index built by an earlier miner (its manifest names that version, its collection holds no section)
    gains the README's sections on the next question, without re-embedding its functions."""
    from rag.store import refresh as refresh_module

    (corpus / "README.md").write_text("# tools\n\nSmall helpers.\n\n## Files\n\nRead and write text files.\n\n"
                                      "# Other\n\nAnother section, on its own.\n")
    spec = parse_retriever(str(tiny_bert_dir))
    encoder = CountingEncoder(load_retriever(spec))
    store = StoreOptions(str(tmp_path / "db"))
    paths = [str(corpus)]
    with monkeypatch.context() as patched:
        patched.setattr(refresh_module, "MINER_VERSION", "functions+classes-v5")  # the manifest an older one wrote
        build_search_index(paths, spec, encoder, store)
    index = open_index(paths, spec, store, create=False)
    sections = index.collection.get(where={"kind": "section"})["ids"]
    assert len(sections) == 2
    index.collection.delete(ids=sections)  # what the older miner built: functions only

    encoder.embedded.clear()
    assert refresh_index(paths, index, encoder, store) is None  # another miner's manifest: a full sync instead
    stats = build_search_index(paths, spec, encoder, store)
    assert (stats.added, stats.unchanged, stats.total) == (2, 5, 7)  # the sections; the functions kept
    assert all(text.startswith("README.md: ") for text in encoder.embedded) and len(encoder.embedded) == 2

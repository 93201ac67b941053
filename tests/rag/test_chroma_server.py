"""A real Chroma server (`chroma run`): index and query through --chroma_host, persistence across a restart,
two writers on one collection, and a server that dies mid-index."""

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from data.cli import InputError
from rag import index as index_cli
from rag.options import StoreOptions
from rag.store import build_search_index, collection_name, open_client, open_index, store_client
from retriever_finetune.models import load_encoder
from retriever_finetune.spec import RetrieverSpec

from .conftest import writer_held_inside

pytestmark = [pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"]),
              pytest.mark.skipif(importlib.util.find_spec("chromadb") is None, reason="chromadb is not installed")]


def chroma_cli() -> str:
    """The chromadb package's `chroma` CLI: beside this interpreter (a venv run without activating it), else
    on PATH. chromadb installed without it is a broken install: the test fails, it does not skip."""
    beside = Path(sys.executable).with_name("chroma")
    found = str(beside) if beside.is_file() else shutil.which("chroma")
    if found is None:
        pytest.fail(f"chromadb is installed but its `chroma` CLI is neither beside {sys.executable} nor on PATH")
    return found


def free_port() -> int:
    probe = "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
    return int(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout)


class ChromaServer:
    """`chroma run` on a free localhost port, persisting to a folder; start, stop (SIGKILL if asked), restart."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port, self.process = folder, free_port(), None

    def start(self) -> None:
        self.process = subprocess.Popen([chroma_cli(), "run", "--path", str(self.folder), "--port", str(self.port)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                open_client("unused", host="127.0.0.1", port=self.port)
                return
            except InputError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    msg = f"chroma run did not start on port {self.port}"
                    raise RuntimeError(msg) from None
                time.sleep(0.2)

    def stop(self, *, kill: bool = False) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL if kill else signal.SIGTERM)
            self.process.wait(timeout=30)
        self.process = None


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ChromaServer]:
    running = ChromaServer(tmp_path / "server-data")
    running.start()
    try:
        yield running
    finally:
        running.stop(kill=True)
        assert running.process is None  # no server left behind


@pytest.fixture
def tiny(tiny_bert_dir: Path):  # noqa: ANN201
    return RetrieverSpec(label="tiny", base=str(tiny_bert_dir)), load_encoder(str(tiny_bert_dir), device="cpu")


def cli_spec(corpus: Path, model: Path) -> RetrieverSpec:
    """The retriever `rag.index --retriever MODEL` indexes with."""
    return index_cli.IndexConfig(paths=[str(corpus)], retriever=str(model)).spec()


def top_name(corpus: Path, spec: RetrieverSpec, encoder, store: StoreOptions, question: str) -> str:  # noqa: ANN001
    index = open_index([str(corpus)], spec, store, create=False)
    return index.search(encoder.encode_queries([question], show_progress=False)[0], 1)[0].func_name


def test_index_query_restart_query(server: ChromaServer, corpus: Path, tiny, tiny_bert_dir: Path,  # noqa: ANN001
                                   tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec, encoder = tiny
    store = StoreOptions(str(tmp_path / "never-used"), chroma_host="127.0.0.1", chroma_port=server.port)
    argv = [str(corpus), "--retriever", str(tiny_bert_dir), "--chroma_host", "127.0.0.1", "--chroma_port",
            str(server.port), "--quiet"]
    assert index_cli.main(argv) == 0
    assert "5 added" in capsys.readouterr().out
    spec = cli_spec(corpus, tiny_bert_dir)
    before = {q: top_name(corpus, spec, encoder, store, q) for q in ("Parse a JSON document into Python objects.",
                                                                     "Average of a list of numbers.")}
    server.stop()
    server.start()
    after = {q: top_name(corpus, spec, encoder, store, q) for q in before}
    assert after == before
    assert open_index([str(corpus)], spec, store, create=False).count() == 5
    assert not (tmp_path / "never-used").exists()  # everything went to the server


def test_two_writers_never_race(server: ChromaServer, corpus: Path, tiny, tiny_bert_dir: Path,  # noqa: ANN001
                                tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec, encoder = tiny
    store = StoreOptions("unused", chroma_host="127.0.0.1", chroma_port=server.port)
    argv = [str(corpus), "--retriever", str(tiny_bert_dir), "--chroma_host", "127.0.0.1", "--chroma_port",
            str(server.port), "--quiet"]
    spec = cli_spec(corpus, tiny_bert_dir)
    name = collection_name([str(corpus)], spec)
    hold = ("import sys; from rag.store import open_client, writer_lock\n"
            f"with writer_lock(open_client('unused', host='127.0.0.1', port={server.port}), {name!r}):\n"
            "    print('held', flush=True); sys.stdin.read()")
    holder = subprocess.Popen([sys.executable, "-c", hold], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:  # a live writer in another process holds the collection
        assert holder.stdout.readline().strip() == "held"
        assert index_cli.main(argv) == 2
        assert f"index '{name}' is being written by another process (pid {holder.pid}" in capsys.readouterr().err
    finally:
        holder.communicate("", timeout=60)  # closing its stdin lets it release the lock
    assert index_cli.main(argv) == 0
    assert "5 added" in capsys.readouterr().out

    # two writers that overlap for sure: the first is held inside its write (lock taken) while the second starts
    (corpus / "more.py").write_text("".join(f'def extra_{i}(x):\n    """Extra helper {i}."""\n    return x\n\n'
                                            for i in range(40)))
    with writer_held_inside(HELD_WRITE, corpus, tiny_bert_dir, str(server.port), tmp_path) as first:
        second = subprocess.run([sys.executable, "-m", "rag.index", *argv], capture_output=True, text=True, timeout=300)
        assert second.returncode == 2, (second.returncode, second.stderr[-500:])
        assert "is being written by another process" in second.stderr
    out, err = first.output
    assert first.returncode == 0, err[-500:]
    assert "40 added" in out
    index = open_index([str(corpus)], spec, store, create=False)
    got = index.collection.get(include=["metadatas"])
    names = [m["func_name"] for m in got["metadatas"]]
    assert len(names) == len(set(names)) == 45  # nothing lost, nothing twice
    assert index_cli.main(argv) == 0
    assert "0 added, 0 deleted" in capsys.readouterr().out


HELD_WRITE = """
stats = build_search_index([corpus], spec, encoder, StoreOptions("unused", chroma_host="127.0.0.1", chroma_port=int(store_at)))
print(stats.added, "added")
"""


class KillingEncoder:
    """Encodes with the real encoder, and kills the server when asked for its third batch of code."""

    def __init__(self, encoder, server: ChromaServer) -> None:  # noqa: ANN001
        self.encoder, self.server, self.calls = encoder, server, 0

    def encoder_for(self, language: str | None = None) -> "KillingEncoder":  # noqa: ARG002
        return self

    def encode_code(self, texts, **options):  # noqa: ANN001, ANN003, ANN201
        self.calls += 1
        if self.calls == 3:
            self.server.stop(kill=True)
        return self.encoder.encode_code(texts, **options)


def test_a_server_that_dies_mid_index_loses_nothing(server: ChromaServer, corpus: Path, tiny) -> None:  # noqa: ANN001
    spec, encoder = tiny
    store = StoreOptions("unused", chroma_host="127.0.0.1", chroma_port=server.port)
    with pytest.raises(InputError, match=r"failed after 2 of 5 new functions .*run the same command again"):
        build_search_index([str(corpus)], spec, KillingEncoder(encoder, server), store, batch_size=1)
    server.start()
    resumed = build_search_index([str(corpus)], spec, encoder, store, batch_size=1)  # the dead run's lock is taken over
    assert (resumed.added, resumed.total) == (3, 5)
    got = open_index([str(corpus)], spec, store).collection.get(include=["metadatas"])
    assert sorted(m["func_name"] for m in got["metadatas"]) == ["dump_json", "mean", "parse_json", "read_lines",
                                                                 "write_text"]


def test_a_token_is_sent_and_plain_http_off_this_machine_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    """The Chroma client sends --chroma_token with its requests (seen by a fake server recording them); a server
    on another machine over plain HTTP gets a warning (the address is refused by the test's socket guard)."""
    import http.server
    import threading

    seen: list[dict[str, str]] = []

    class Heartbeat(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.append({k.lower(): v for k, v in self.headers.items()})
            body = (b'{"user_id": "u", "tenant": "default_tenant", "databases": ["default_database"]}'
                    if "identity" in self.path else
                    b'{"id": "00000000-0000-0000-0000-000000000000", "name": "default_database", '
                    b'"tenant": "default_tenant"}' if "/databases/" in self.path else
                    b'{"name": "default_tenant"}' if "/tenants/" in self.path else b'{"nanosecond heartbeat": 1}')
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Heartbeat)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        store_client(StoreOptions("unused", chroma_host="127.0.0.1", chroma_port=server.server_address[1],
                                  chroma_token="s3cret"))
    finally:
        server.shutdown()
    assert seen and seen[0].get("authorization") == "Bearer s3cret"
    assert "plain HTTP" not in caplog.text  # this machine: no warning
    with pytest.raises(InputError, match="could not reach the Chroma server at 192.0.2.7"):
        open_client("unused", host="192.0.2.7", port=8000)
    assert "the Chroma server at 192.0.2.7:8000 is reached over plain HTTP" in caplog.text

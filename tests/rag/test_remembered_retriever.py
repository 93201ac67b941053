"""A corpus indexed once with a retriever is searched with it later without naming it again; a gated Hub model
without access is one line that says how to get access."""

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rag import ask
from rag import index as index_cli
from rag.store import open_client


def _collections(persist: str) -> list[str]:
    return sorted(c if isinstance(c, str) else c.name for c in open_client(persist).list_collections())


def test_ask_searches_the_index_built_with_the_corpus_retriever(corpus: Path, tiny_bert_dir: Path, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    persist = str(tmp_path / "chroma")
    assert index_cli.main([str(corpus), "--retriever", str(tiny_bert_dir), "--persist", persist]) == 0
    built = _collections(persist)
    assert len(built) == 1 and "tiny_bert" in built[0]
    capsys.readouterr()
    code = ask.main(["parse a json document", "--corpus", str(corpus), "--persist", persist, "--generator", "none",
                     "--rerank", "none", "--no_refresh"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"retriever {tiny_bert_dir.resolve()}" in err and "the one" in err  # said in one log line
    assert "jsonish.py" in out
    assert _collections(persist) == built  # no index of another retriever was built
    # a later `rag.index` of the corpus with no --retriever updates the same index
    assert index_cli.main([str(corpus), "--persist", persist]) == 0
    assert _collections(persist) == built


class _GatedHub(BaseHTTPRequestHandler):
    """Answers every Hub request as huggingface.co does for a gated model the caller has no access to."""

    def log_message(self, *_: object) -> None:
        pass

    def _refuse(self) -> None:
        self.send_response(401)
        self.send_header("X-Error-Code", "GatedRepo")
        self.send_header("X-Error-Message", "Access to model google/embeddinggemma-300m is restricted.")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD = _refuse  # noqa: N815


@contextmanager
def _gated_hub() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _GatedHub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_gated_hub_model_without_access_is_one_line(corpus: Path, tmp_path: Path) -> None:
    with _gated_hub() as url:
        env = {**os.environ, "HF_HUB_OFFLINE": "0", "HF_ENDPOINT": url, "HF_HOME": str(tmp_path / "hf"),
               "HF_HUB_DISABLE_TELEMETRY": "1"}
        done = subprocess.run([sys.executable, "-m", "rag.index", str(corpus), "--retriever", "embeddinggemma",
                               "--persist", str(tmp_path / "chroma"), "--quiet"],
                              capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "google/embeddinggemma-300m is gated" in lines[0] and "hf auth login" in lines[0]

"""`python -m rag.ask` through the warm server (`rag.serve`, `rag.warm`), with real processes: the first question
starts it, the next ones reach it and print what an in-process answer prints, errors keep their exit code,
questions asked at once all finish, and `rag.serve --stop` stops it."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path: Path):  # noqa: ANN201
    """A home folder of its own (so its own servers folder); every server started there is stopped after."""
    folder = tmp_path / "home"
    folder.mkdir()
    yield folder
    subprocess.run([sys.executable, "-m", "rag.serve", "--stop", "--quiet"], cwd=ROOT, env=environment(folder),
                   capture_output=True, timeout=60)


def environment(home: Path, server: str = "auto") -> dict[str, str]:
    return {**os.environ, "HOME": str(home), "CODESEARCH_SERVER": server}


def ask(home: Path, question: str, common: list[str], server: str = "auto") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rag.ask", question, *common], cwd=ROOT, env=environment(home, server),
                          capture_output=True, text=True, timeout=300)


def socket_of(home: Path) -> Path:
    """Where `rag.ask` looks for the server of this home folder."""
    return Path(subprocess.run([sys.executable, "-c", "from rag.warm import socket_path; print(socket_path())"],
                               cwd=ROOT, env=environment(home), capture_output=True, text=True, check=True).stdout.strip())


def server_log(home: Path) -> str:
    return "".join(p.read_text() for p in (home / ".cache" / "codesearch-rag" / "servers").glob("*.log"))


def test_questions_after_the_first_are_answered_by_the_warm_server(corpus: Path, tiny_bert_dir: Path,
                                                                   tiny_gpt2_dir: Path, tmp_path: Path, home: Path) -> None:
    common = ["--corpus", str(corpus), "--persist", str(tmp_path / "db"), "--retriever", str(tiny_bert_dir),
              "--rerank", "none", "--generator", f"hf:{tiny_gpt2_dir}", "--max_new_tokens", "12", "--k", "2"]
    first = ask(home, "how to parse json", common)
    assert first.returncode == 0, first.stderr
    assert "started a warm server" in first.stderr and "listening on" in server_log(home)

    second = ask(home, "read a file", common)
    # the reference: the same question answered in its own process, with no server
    alone = ask(home, "read a file", common, server="none")
    assert second.returncode == 0 == alone.returncode, second.stderr
    assert second.stdout == alone.stdout and "Sources:" in second.stdout
    assert "started a warm server" not in second.stderr
    log = server_log(home)
    assert "answered ['how to parse json']" in log and "answered ['read a file']" in log

    empty = ask(home, "   ", common)  # a user error keeps its one line and its exit code
    assert empty.returncode == 2 and empty.stderr.startswith("error: the question is empty")

    at_once = [subprocess.Popen([sys.executable, "-m", "rag.ask", question, *common, "--quiet"], cwd=ROOT,
                                env=environment(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for question in ("sum numbers", "write a file", "parse json")]
    assert [p.wait(timeout=300) for p in at_once] == [0, 0, 0]
    assert all("Sources:" in p.communicate()[0] for p in at_once)

    path = socket_of(home)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:  # what `rag.serve --stop` sends
        client.connect(str(path))
        client.sendall(b'{"command": "stop"}\n')
        assert client.recv(64).startswith(b'{"exit": 0}')
    assert not path.exists()  # gone when the stop is answered: no later question reaches a stopping server
    after = ask(home, "sum numbers", common)
    assert after.returncode == 0 and "started a warm server" in after.stderr
    assert server_log(home).count("answered ['sum numbers']") == 2

    stop = subprocess.run([sys.executable, "-m", "rag.serve", "--stop"], cwd=ROOT, env=environment(home),
                          capture_output=True, text=True, timeout=60)
    assert stop.returncode == 0 and "stopped 1 warm server" in stop.stderr and not path.exists()


def test_a_server_that_closes_the_connection_unanswered_leaves_the_question_to_the_caller(
        corpus: Path, tiny_bert_dir: Path, tmp_path: Path, home: Path) -> None:
    """A socket that accepts and hangs up (a server stopping as the question arrives): answered all the same."""
    import threading

    path = socket_of(home)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # the folder a server of this user makes
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen()
    hung_up = []

    def hang_up() -> None:
        for _ in range(2):
            connection, _ = listener.accept()
            connection.close()
            hung_up.append(1)

    threading.Thread(target=hang_up, daemon=True).start()
    common = ["--corpus", str(corpus), "--persist", str(tmp_path / "db"), "--retriever", str(tiny_bert_dir),
              "--rerank", "none", "--generator", "none"]
    done = ask(home, "how to parse json", common)
    listener.close()
    assert done.returncode == 0 and "Sources:" in done.stdout and len(hung_up) == 2


def test_server_none_answers_in_the_calling_process(corpus: Path, tiny_bert_dir: Path, tmp_path: Path,
                                                    home: Path) -> None:
    common = ["--corpus", str(corpus), "--persist", str(tmp_path / "db"), "--retriever", str(tiny_bert_dir),
              "--rerank", "none", "--generator", "none", "--server", "none"]
    done = ask(home, "how to parse json", common)
    assert done.returncode == 0 and "Sources:" in done.stdout
    assert not (home / ".cache" / "codesearch-rag" / "servers").exists()
    bad = ask(home, "how to parse json", [*common[:-1], "sometimes"], server="none")
    assert bad.returncode == 2 and "--server must be auto or none" in bad.stderr


def test_help_is_answered_without_starting_a_server(home: Path) -> None:
    shown = subprocess.run([sys.executable, "-m", "rag.ask", "--help"], cwd=ROOT, env=environment(home),
                           capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0 and "--rerank" in shown.stdout, shown.stderr
    assert "started a warm server" not in shown.stderr
    assert not (home / ".cache" / "codesearch-rag" / "servers").exists() or not server_log(home)


MODEL_LIBRARIES = ("torch", "transformers", "chromadb", "sentence_transformers")


@pytest.mark.parametrize(("options", "reason"), [
    (["", "--corpus", "."], "the question is empty"),
    (["q", "--corpus", "no/such/folder"], "corpus path does not exist"),
    (["q", "--k", "0"], "k must be between 1 and 100"),
    (["q", "--generator", "gpt"], "unknown generator"),
    (["q", "--rerank", "bm25"], "unknown reranker"),
    (["q", "--precision", "fp16"], "float16 is not offered"),
    (["q", "--kinds", "tables"], "unknown kind"),
    (["q", "--retriever", "lora_never_trained"], "has no run behind it"),
    (["q", "--no_such_option"], "unrecognized arguments"),
])
def test_bad_options_are_refused_before_a_server_starts_or_a_model_library_loads(tmp_path: Path, options: list[str],
                                                                                  reason: str) -> None:
    """Refused in the asking process, before it reaches or starts a warm server: `-X importtime` lists every
    module the process imported, and none is a model library (what makes a start take seconds)."""
    home = tmp_path  # no server to stop after: none may start
    refused = subprocess.run([sys.executable, "-X", "importtime", "-m", "rag.ask", *options], cwd=ROOT,
                             env=environment(home), capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and reason in refused.stderr, refused.stderr[-2000:]
    imported = {line.split("|")[-1].strip().split(".")[0] for line in refused.stderr.splitlines()
                if line.startswith("import time:")}
    assert "rag" in imported and not imported & set(MODEL_LIBRARIES), sorted(imported & set(MODEL_LIBRARIES))
    assert "started a warm server" not in refused.stderr
    assert not (home / ".cache" / "codesearch-rag" / "servers").exists() or not server_log(home)

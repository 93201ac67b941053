"""The warm server's socket on a shared machine: a folder another user prepared, and a listener running as another
user, get neither the question nor `OPENAI_API_KEY`; the question is answered in the asking process. Another
user's process that reaches the server's socket gets nothing. Needs root (to act as a second user)."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from rag.warm import UnsafeFolder, check_private_folder, connect

ROOT = Path(__file__).resolve().parents[2]
OTHER_UID = 65534  # nobody
as_root = pytest.mark.skipif(os.name != "posix" or os.getuid() != 0, reason="acting as a second user needs root")


def socket_of(env: dict[str, str]) -> Path:
    return Path(subprocess.run([sys.executable, "-c", "from rag.warm import socket_path; print(socket_path())"],
                               cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.strip())


def listen_and_record(path: Path, heard: list[bytes]) -> socket.socket:
    """A listener at `path` that records whatever a client sends it and answers as a server would."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen()

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                heard.append(connection.recv(65536))
                connection.sendall(b'{"out": "pwned\\n"}\n{"exit": 0}\n')

    threading.Thread(target=serve, daemon=True).start()
    return listener


@as_root
def test_a_socket_folder_another_user_prepared_gets_no_question(corpus: Path, tiny_bert_dir: Path,
                                                                tmp_path: Path) -> None:
    runtime = Path(tempfile.mkdtemp(prefix="xdg-"))  # short, as /run/user/UID is: a socket path has ~108 bytes
    env = {**os.environ, "HOME": str(tmp_path / "home"), "XDG_RUNTIME_DIR": str(runtime),
           "CODESEARCH_SERVER": "auto", "OPENAI_API_KEY": "sk-secret-of-the-asker"}
    path = socket_of(env)
    path.parent.mkdir()
    os.chown(path.parent, OTHER_UID, OTHER_UID)
    path.parent.chmod(0o777)  # prepared by another user, open to all, its listener waiting in it
    heard: list[bytes] = []
    listener = listen_and_record(path, heard)
    try:
        done = subprocess.run([sys.executable, "-m", "rag.ask", "how to parse json", "--corpus", str(corpus),
                               "--persist", str(tmp_path / "db"), "--retriever", str(tiny_bert_dir), "--rerank", "none",
                               "--generator", "none", "--quiet"], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=300)
    finally:
        listener.close()
        shutil.rmtree(runtime)
    assert heard == [] and "pwned" not in done.stdout
    assert done.returncode == 0 and "Sources:" in done.stdout  # answered in the asking process
    assert f"belongs to uid {OTHER_UID}, not to you" in done.stderr and done.stderr.count("warning:") == 1


@as_root
def test_the_folder_rules(tmp_path: Path) -> None:
    made = check_private_folder(tmp_path / "new")
    assert oct(made.stat().st_mode & 0o777) == "0o700"
    (tmp_path / "open").mkdir(mode=0o755)
    (tmp_path / "open").chmod(0o755)
    (tmp_path / "link").symlink_to(made)
    for folder, problem in (("open", "has mode 755, not 700"), ("link", "is a symlink")):
        with pytest.raises(UnsafeFolder, match=problem):
            check_private_folder(tmp_path / folder)


@as_root
def test_a_listener_running_as_another_user_is_refused(tmp_path: Path) -> None:
    """Our own folder, but the process listening in it is another user's: the client sends nothing."""
    folder = check_private_folder(tmp_path / "servers")
    path = folder / "server.sock"
    script = (f"import os, socket\n"
              f"s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind({str(path)!r})\n"
              f"os.setgid({OTHER_UID}); os.setuid({OTHER_UID}); s.listen()\n"  # listening as the other user
              f"c, _ = s.accept(); data = c.recv(100); print(repr(data), flush=True)\n")
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # listening under the other uid
    with pytest.raises(UnsafeFolder, match=f"runs as uid {OTHER_UID}"):
        connect(path)
    received, _ = process.communicate(timeout=30)
    assert received.strip() == "b''"  # the connection was closed before anything was sent


@as_root
def test_the_server_gives_another_users_process_nothing() -> None:
    from rag.serve import WarmServer

    base = Path(tempfile.mkdtemp(prefix="warm-security-"))  # outside pytest's folders, which the other user cannot enter
    base.chmod(0o711)
    folder = check_private_folder(base / "servers")
    path = folder / "server.sock"
    server = WarmServer(path, idle=30)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    folder.chmod(0o711)  # for this test only, so that another user can reach the socket at all
    path.chmod(0o666)
    script = (f"import os, socket\nos.setgid({OTHER_UID}); os.setuid({OTHER_UID})\n"
              f"c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); c.connect({str(path)!r})\n"
              f"try:\n    c.sendall(b'{{\"command\": \"stop\"}}\\n')\n    print(repr(c.recv(100)), flush=True)\n"
              f"except (BrokenPipeError, ConnectionResetError):\n    print('reset')\n")  # closed before or after "stop"
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    folder.chmod(0o700)
    assert other.stdout.strip() in ("b''", "reset"), other.stderr  # no answer: not even to "stop"
    assert thread.is_alive()  # and the server did not stop
    server._stopping.set()
    thread.join(timeout=10)
    shutil.rmtree(base)

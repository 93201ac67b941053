"""The client side of the warm server (`rag.serve`): a CLI question answered by a process that keeps the models
loaded, so that a person asking several questions pays for Python, torch, the encoder, Gemma and the index once.

Only the standard library is imported here: `python -m rag.ask` reaches a running server before importing
anything heavy. The first question starts the server (detached, its log next to its socket) and waits for it;
a server stops by itself after `IDLE_SECONDS` without a question, and whenever the code or the environment it
was started from changes, the next question reaches a new one (the socket's name is a hash of both).
`--server none` on the command line or ``CODESEARCH_SERVER=none`` in the environment answers in the calling
process instead. Does not handle: answering (the server runs the command's own `main`).

Wire format, one JSON object per line: the request ``{"command", "argv", "cwd", "env"}``; the answer
``{"out": text}`` and ``{"err": text}`` pieces as they are written, then ``{"exit": code}``.

The request carries the asker's folder and `OPENAI_API_KEY`, so only this user may be at either end: the socket
lives in ``$XDG_RUNTIME_DIR`` (else the servers folder, or a folder of this user's under the temporary folder when
that path is too long for a socket), each folder is used only if it is this user's, mode 0700 and not a symlink
(`check_private_folder`), the socket is mode 0600, and both ends check the other's uid (``SO_PEERCRED``, where
the system has it). A check that fails is one warning line, and the question is answered in the calling process.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from data.cache import DEFAULT_CACHE

IDLE_SECONDS = 900
START_TIMEOUT_S = 180
MAX_SOCKET_PATH = 100  # AF_UNIX paths are limited to 108 bytes (104 on macOS)
SERVER_ENV = "CODESEARCH_SERVER"  # "none" (or "off", "0"): every question in its own process
FORWARDED_ENV = ("OPENAI_API_KEY",)  # read by the command per question, so sent with each one
_PROJECT = Path(__file__).resolve().parents[1]
_CODE_FOLDERS = ("rag", "retriever_finetune", "data", "prompts")
_STARTUP_ENV = ("HOME", "HF_HOME", "HF_HUB_OFFLINE", "HF_TOKEN", "CUDA_VISIBLE_DEVICES", "PYTHONPATH", "VIRTUAL_ENV")


class UnsafeFolder(OSError):
    """A folder the warm server's socket must not be used in: another user's, open to others, or a symlink."""


def check_private_folder(folder: Path) -> Path:
    """`folder`, created (mode 0700) when missing, once it is a real folder of this user's that no one else may
    enter or write.

    Raises:
        UnsafeFolder: it is a symlink, not a folder, another user's, or open to group or others.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    info = os.lstat(folder)
    problem = ("is a symlink" if stat.S_ISLNK(info.st_mode) else "is not a folder" if not stat.S_ISDIR(info.st_mode)
               else f"belongs to uid {info.st_uid}, not to you ({os.getuid()})" if info.st_uid != os.getuid()
               else f"has mode {stat.S_IMODE(info.st_mode):o}, not 700" if info.st_mode & 0o077 else "")
    if problem:
        msg = f"the warm server's folder {folder} {problem}"
        raise UnsafeFolder(msg)
    return folder


def peer_uid(connection: socket.socket) -> int | None:
    """The uid of the process at the other end of a Unix socket; None where the system does not say
    (``SO_PEERCRED`` is Linux's)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    _pid, uid, _gid = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i")))
    return uid


def same_user(connection: socket.socket) -> bool:
    """Whether the other end runs as this user (True where the system cannot tell: the folder checks stand)."""
    uid = peer_uid(connection)
    return uid is None or uid == os.getuid()


def servers_folder() -> Path:
    """Where the sockets, spawn locks and logs of this user's servers live."""
    return DEFAULT_CACHE / "servers"


def server_wanted(argv: list[str]) -> bool:
    """False when the command line or the environment asks for no server, off POSIX (Unix sockets, flock), and
    for ``--help`` (answered here, without starting a background process)."""
    if os.name != "posix" or os.environ.get(SERVER_ENV, "").lower() in {"none", "off", "0", "no"}:
        return False
    if "-h" in argv or "--help" in argv:
        return False
    for position, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--server=") else \
            argv[position + 1] if arg == "--server" and position + 1 < len(argv) else None
        if value is not None and value != "auto":
            return False
    return True


def code_fingerprint() -> str:
    """A hash of the interpreter, the project's location, its source files' sizes and times, and the environment
    the models load under: a server started from other code or another environment is another server."""
    digest = hashlib.sha256(f"{sys.executable}\0{_PROJECT}".encode())
    for folder in _CODE_FOLDERS:
        for path in sorted((_PROJECT / folder).rglob("*")):
            if path.suffix in {".py", ".txt", ".json"} and "__pycache__" not in path.parts:
                stat = path.stat()
                digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    for name in _STARTUP_ENV:
        digest.update(f"{name}={os.environ.get(name, '')}\0".encode())
    return digest.hexdigest()[:16]


def socket_path() -> Path:
    """The socket of the server for this code and environment: in ``$XDG_RUNTIME_DIR/codesearch-rag`` when the
    session has one, else in the servers folder, or, where that path is too long for a Unix socket (~108 bytes),
    in a folder of this user's under the temporary folder."""
    fingerprint = code_fingerprint()
    runtime = _runtime_folder()
    if runtime is not None and len(str(runtime / f"{_folder_tag()}-{fingerprint}.sock")) <= MAX_SOCKET_PATH:
        return runtime / f"{_folder_tag()}-{fingerprint}.sock"
    path = servers_folder() / f"{fingerprint}.sock"
    return path if len(str(path)) <= MAX_SOCKET_PATH else _short_folder() / f"{_folder_tag()}-{fingerprint}.sock"


def all_sockets() -> list[Path]:
    """The sockets of this user's servers (of this cache folder), wherever their path put them."""
    tagged = [folder for folder in (_runtime_folder(), _short_folder()) if folder is not None]
    return sorted([*servers_folder().glob("*.sock"), *(p for f in tagged for p in f.glob(f"{_folder_tag()}-*.sock"))])


def log_path(socket: Path) -> Path:
    """The log of the server of `socket`, in the servers folder."""
    return servers_folder() / f"{socket.stem}.log"


def _short_folder() -> Path:
    return Path(tempfile.gettempdir()) / f"codesearch-rag-{os.getuid()}"


def _runtime_folder() -> Path | None:
    """``$XDG_RUNTIME_DIR/codesearch-rag`` when the session has a runtime folder (this user's, 0700 by its spec)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    return Path(runtime) / "codesearch-rag" if runtime and os.path.isabs(runtime) and os.path.isdir(runtime) else None


def _folder_tag() -> str:
    return hashlib.sha256(str(servers_folder()).encode()).hexdigest()[:8]


def connect(path: Path) -> socket.socket | None:
    """A connection to this user's server at `path`, or None when none listens there.

    Raises:
        UnsafeFolder: the socket's folder, or the process listening there, is not this user's.
    """
    if len(str(path)) > MAX_SOCKET_PATH:
        return None
    check_private_folder(path.parent)
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.connect(str(path))
    except OSError:
        client.close()
        return None
    uid = peer_uid(client)
    if uid is not None and uid != os.getuid():
        client.close()
        msg = f"the process listening on {path} runs as uid {uid}, not as you"
        raise UnsafeFolder(msg)
    return client


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    import fcntl

    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def start_server(path: Path, quiet: bool) -> socket.socket | None:
    """Start the server for `path` (one at a time: a file lock), wait until it listens, and connect; None when it
    could not start (its log says why, and the caller answers in its own process)."""
    check_private_folder(path.parent)
    check_private_folder(servers_folder())
    log = log_path(path)
    with _file_lock(log.with_suffix(".lock")):
        client = connect(path)  # another question started it while this one waited for the lock
        if client is not None:
            return client
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # a server that died left its socket
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(_PROJECT), os.environ.get("PYTHONPATH")]))}
        with open(log, "ab") as log_file:
            process = subprocess.Popen([sys.executable, "-m", "rag.serve", "--socket", str(path)], cwd=_PROJECT,
                                       env=env, stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file,
                                       start_new_session=True)
        if not quiet:
            sys.stderr.write(f"started a warm server that keeps the models loaded for the next questions (it stops "
                             f"after {IDLE_SECONDS // 60} min without one; `python -m rag.serve --stop` stops it now, "
                             f"--server none answers without it); log: {log}\n")
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            client = connect(path)
            if client is not None:
                return client
            if process.poll() is not None:
                break
            time.sleep(0.05)
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:] if log.is_file() else []
        sys.stderr.write(f"warning: the warm server did not start ({tail[0] if tail else 'no log'}); answering in "
                         f"this process\n")
        return None


def relay(client: socket.socket, request: dict) -> int | None:
    """Send the request, write the server's output to this process's stdout and stderr as it comes, and return
    the exit code; None when the server went away before writing anything (the caller answers itself)."""
    written = False
    stream = client.makefile("rwb")
    with client:
        try:
            stream.write(json.dumps(request).encode() + b"\n")
            stream.flush()
            for line in stream:
                message = json.loads(line)
                if "exit" in message:
                    return int(message["exit"])
                target = sys.stdout if "out" in message else sys.stderr
                target.write(message.get("out", message.get("err", "")))
                target.flush()
                written = True
        except (OSError, ValueError):  # the connection broke
            if not written:
                return None
        finally:
            with contextlib.suppress(OSError):  # a broken pipe on the last flush is no news
                stream.close()
    if written:
        sys.stderr.write("error: the warm server stopped in the middle of the answer; its log is in "
                         f"{servers_folder()}\n")
        return 1
    return None


def answer_through_server(command: str, argv: list[str]) -> int | None:
    """Run `python -m COMMAND ARGV` on the warm server, starting it when none runs; the exit code, or None when
    no server is wanted or none could be reached (then the caller runs the command in its own process)."""
    if not server_wanted(argv):
        return None
    path = socket_path()
    request = {"command": command, "argv": argv, "cwd": os.getcwd(),
               "env": {name: os.environ[name] for name in FORWARDED_ENV if name in os.environ}}
    for _ in range(2):  # a server that was stopping as this question connected closes it unanswered: start another
        try:
            client = connect(path) or start_server(path, quiet="--quiet" in argv)
        except OSError as error:  # a folder or a listener that is not this user's, a cache that cannot be written
            sys.stderr.write(f"warning: no warm server ({error}); answering in this process\n")
            return None
        if client is None:
            return None
        try:
            code = relay(client, request)
        except KeyboardInterrupt:
            sys.stderr.write("interrupted: finished work is kept; run the same command again to resume\n")
            return 130
        if code is not None:
            return code
    return None

"""CLI: the warm server behind `python -m rag.ask`, which keeps the generator, the encoder and the index open
between questions. `rag.ask` starts it on its first question and reaches it on the next ones (`rag.warm`); it
stops by itself after --idle seconds without a question.

    python -m rag.serve [--idle 900]          # normally started by rag.ask, not by hand
    python -m rag.serve --stop                # stop this user's warm servers now

A question runs the command's own `main` in this process, one at a time (others wait their turn), in the
asking process's folder and with its OPENAI_API_KEY; its stdout and stderr (the streamed answer, logs, progress
bars, errors) go back to the asking process as they are written, and so does its exit code. The models stay
loaded while the options that load them are the same; the index is refreshed before each question, as a
fresh `rag.ask` would. A client that goes away mid-answer stops the generation; the server keeps serving.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from data.cli import LOG_FORMAT, InputError, run_cli
from rag.opening import OpenedModels
from rag.warm import (
    IDLE_SECONDS,
    UnsafeFolder,
    all_sockets,
    check_private_folder,
    connect,
    peer_uid,
    same_user,
    socket_path,
)

logger = logging.getLogger(__name__)


@dataclass
class ServeConfig:
    """Options of `python -m rag.serve`."""

    socket: str = field(default="", metadata={"help": "Unix socket to listen on (default: the one rag.ask looks for)"})
    idle: float = field(default=IDLE_SECONDS, metadata={"help": "seconds without a question before the server stops"})
    stop: bool = field(default=False, metadata={"help": "stop this user's running warm servers, then exit"})

    def __post_init__(self) -> None:
        if self.idle <= 0:
            msg = f"--idle must be positive (seconds), got {self.idle}"
            raise InputError(msg)


class _Relay:
    """A text stream that sends each write to the client at once, as one JSON line ``{kind: text}``."""

    def __init__(self, stream, kind: str) -> None:  # noqa: ANN001
        self.stream, self.kind = stream, kind

    def write(self, text: str) -> int:
        if text:
            self.stream.write(json.dumps({self.kind: text}).encode() + b"\n")
            self.stream.flush()
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return False


@contextlib.contextmanager
def _environment(values: dict[str, str]):  # noqa: ANN202
    """The request's forwarded variables set for its duration (questions run one at a time)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class WarmServer:
    """Accepts connections, answers them one at a time with the models kept open, stops when idle."""

    def __init__(self, path: Path, idle: float) -> None:
        self.path, self.idle = path, idle
        self.models = OpenedModels()
        self._turn = threading.Lock()
        self._last_request = time.monotonic()
        self._stopping = threading.Event()
        self._identity = -1  # the socket file's inode, once listening

    def serve(self) -> None:
        """Listen on the socket (created under a temporary name, then moved in place) until idle or stopped."""
        check_private_folder(self.path.parent)  # refuses another user's folder, a symlink, one open to others
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        temporary = self.path.with_name(f"{self.path.stem}.{os.getpid()}.tmp")
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        listener.bind(str(temporary))
        os.chmod(temporary, 0o600)
        listener.listen()
        os.replace(temporary, self.path)
        self._identity = os.stat(self.path).st_ino
        listener.settimeout(1.0)
        logger.info("listening on %s (stops after %.0f s without a question)", self.path, self.idle)
        try:
            while not self._stopping.is_set():
                try:
                    connection, _ = listener.accept()
                except TimeoutError:
                    if not self._turn.locked() and time.monotonic() - self._last_request > self.idle:
                        logger.info("no question for %.0f s: stopping", self.idle)
                        break
                    continue
                if not same_user(connection):  # another user's process: it gets nothing, not even an answer
                    logger.warning("refused a connection from uid %s", peer_uid(connection))
                    connection.close()
                    continue
                threading.Thread(target=self._handle, args=(connection,), daemon=True).start()
        finally:
            self._withdraw()
            listener.close()  # a question that connected meanwhile sees the connection close and starts a new server

    def _withdraw(self) -> None:
        """Remove the socket (when it is still ours, not a newer server's): from now on, questions start a new
        server instead of reaching this one."""
        with contextlib.suppress(FileNotFoundError):
            if os.stat(self.path).st_ino == self._identity:
                self.path.unlink()

    def _handle(self, connection: socket.socket) -> None:
        with connection, connection.makefile("rwb") as stream:
            try:
                request = json.loads(stream.readline() or b"{}")
            except ValueError:
                return
            if request.get("command") == "stop":
                self._withdraw()  # before answering: `--stop` returns once no new question can reach this server
                self._stopping.set()
                stream.write(b'{"exit": 0}\n')
                return
            with self._turn:
                self._last_request = time.monotonic()
                code = self._answer(request, stream)
                self._last_request = time.monotonic()
            with contextlib.suppress(OSError):
                stream.write(json.dumps({"exit": code}).encode() + b"\n")
                stream.flush()

    def _answer(self, request: dict, stream) -> int:  # noqa: ANN001
        """Run the requested command's main with the client's folder, variables, stdout and stderr."""
        from rag import ask

        if request.get("command") != "rag.ask":
            _Relay(stream, "err").write(f"error: this server answers rag.ask, not {request.get('command')!r}\n")
            return 2
        started, folder = time.perf_counter(), os.getcwd()
        out, err = _Relay(stream, "out"), _Relay(stream, "err")
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                    _environment(request.get("env", {})):  # type: ignore[arg-type]
                os.chdir(request.get("cwd", folder))
                try:
                    return ask.main(list(request.get("argv", [])), warm=self.models)
                except (BrokenPipeError, ConnectionResetError):
                    raise
                except Exception:  # a bug: the client sees the traceback, as in its own process
                    traceback.print_exc()
                    return 1
        except (BrokenPipeError, ConnectionResetError):
            logger.info("the client went away mid-answer")
            return 1
        finally:
            os.chdir(folder)
            logging.basicConfig(format=LOG_FORMAT, level=logging.INFO, force=True)  # back to the server's log
            logger.info("answered %s in %.2f s", request.get("argv", [])[:1], time.perf_counter() - started)


def stop_servers() -> int:
    """Ask every warm server of this user to stop; the number that answered."""
    stopped = 0
    for path in all_sockets():
        try:
            client = connect(path)
        except UnsafeFolder as error:  # not this user's: neither asked to stop nor removed
            logger.warning("%s; left alone", error)
            continue
        if client is None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()  # a dead server's socket
            continue
        with client, contextlib.suppress(OSError):
            client.sendall(b'{"command": "stop"}\n')
            client.recv(64)
            stopped += 1
    return stopped


def run(config: ServeConfig) -> None:
    """Serve until idle, or stop the running servers with --stop."""
    if config.stop:
        logger.info("stopped %d warm server(s)", stop_servers())
        return
    WarmServer(Path(config.socket) if config.socket else socket_path(), config.idle).serve()


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m rag.serve`."""
    return run_cli(ServeConfig, run, argv, description=__doc__ or "")


if __name__ == "__main__":
    raise SystemExit(main())

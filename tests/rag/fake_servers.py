"""Small HTTP servers on 127.0.0.1 that speak Ollama's `/api/chat` (streamed NDJSON) and OpenAI's
`/v1/chat/completions` (streamed server-sent events) as the official clients expect them.

Each records the JSON bodies it received and answers in one of these modes: ``ok`` (streams WORDS), ``404``
(unknown model), ``made_up`` (streams MADE_UP), ``401`` (key refused), ``429`` (rate limited), ``500`` (server error), ``drop`` (streams two
pieces, then closes the connection in the middle of the chunked body). 429 and 500 are what clients retry.
Responses use chunked transfer encoding, as the real servers do.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORDS = ["Use ", "`jsonish.parse_json`", " [1] to ", "parse ", "a ", "string."]  # a function of the test corpus
MADE_UP = ["Use ", "`jsonish.parse_yaml`", " [1]."]  # a function the test corpus does not have


class FakeChatServer(ThreadingHTTPServer):
    """The server: its mode, the bodies it received, its base URL."""

    daemon_threads = True

    def __init__(self, protocol: str, mode: str) -> None:
        super().__init__(("127.0.0.1", 0), OLLAMA if protocol == "ollama" else OPENAI)
        self.mode = mode
        self.requests: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakeChatServer
    path_expected = ""
    content_type = ""

    def log_message(self, *_: object) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if self.path != self.path_expected:
            self._json(404, {"error": f"no route {self.path}"})
            return
        self.server.requests.append({"body": body, "headers": {k.lower(): v for k, v in self.headers.items()}})
        mode = self.server.mode
        if mode in ("404", "401", "429", "500"):
            self._json(int(mode), self.error_body(mode, body.get("model", "")))
            return
        self.send_response(200)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        pieces = WORDS[:2] if mode == "drop" else MADE_UP if mode == "made_up" else WORDS
        for event in self.events(pieces, body.get("model", "")):
            data = event.encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
        if mode == "drop":  # no terminating chunk: the body ends mid-stream
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        self.wfile.write(b"0\r\n\r\n")

    def _json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def events(self, pieces: list[str], model: str) -> Iterator[str]:
        raise NotImplementedError

    def error_body(self, mode: str, model: str) -> dict:
        raise NotImplementedError


class OLLAMA(_Handler):
    path_expected = "/api/chat"
    content_type = "application/x-ndjson"

    def events(self, pieces: list[str], model: str) -> Iterator[str]:
        for piece in pieces:
            yield json.dumps({"model": model, "created_at": "2026-01-01T00:00:00Z",
                              "message": {"role": "assistant", "content": piece}, "done": False}) + "\n"
        if self.server.mode != "drop":
            yield json.dumps({"model": model, "created_at": "2026-01-01T00:00:00Z",
                              "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop",
                              "total_duration": 1, "load_duration": 1, "prompt_eval_count": 3,
                              "prompt_eval_duration": 1, "eval_count": len(pieces), "eval_duration": 1}) + "\n"

    def error_body(self, mode: str, model: str) -> dict:
        return {"error": {"404": f"model '{model}' not found", "401": "unauthorized", "429": "too many requests",
                          "500": "internal server error"}[mode]}


class OPENAI(_Handler):
    path_expected = "/v1/chat/completions"
    content_type = "text/event-stream"

    def events(self, pieces: list[str], model: str) -> Iterator[str]:
        def chunk(delta: dict, finish: str | None) -> str:
            return "data: " + json.dumps({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0,
                                          "model": model, "choices": [{"index": 0, "delta": delta,
                                                                       "finish_reason": finish}]}) + "\n\n"

        for number, piece in enumerate(pieces):
            yield chunk({"role": "assistant", "content": piece} if number == 0 else {"content": piece}, None)
        if self.server.mode != "drop":
            yield chunk({}, "stop")
            yield "data: [DONE]\n\n"

    def error_body(self, mode: str, model: str) -> dict:
        if mode == "404":
            return {"error": {"message": f"The model `{model}` does not exist", "type": "invalid_request_error",
                              "param": None, "code": "model_not_found"}}
        if mode == "429":
            return {"error": {"message": "Rate limit reached.", "type": "requests", "param": None,
                              "code": "rate_limit_exceeded"}}
        if mode == "500":
            return {"error": {"message": "The server had an error.", "type": "server_error", "param": None,
                              "code": None}}
        return {"error": {"message": "Incorrect API key provided: sk-wrong.", "type": "invalid_request_error",
                          "param": None, "code": "invalid_api_key"}}


@contextmanager
def fake_server(protocol: str, mode: str = "ok") -> Iterator[FakeChatServer]:
    """A running fake server; stopped (and its port freed) on exit."""
    server = FakeChatServer(protocol, mode)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def closed_port() -> int:
    """A localhost port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]

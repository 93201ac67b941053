"""CLI: the code search as a Model Context Protocol server, for coding agents and IDE assistants.

    python -m rag.mcp --corpus PATH... [--retriever base|lora|LANG=RUN,...] [--rerank gemma|none] \\
        [--generator gemma|none|openai:MODEL|ollama:MODEL] [--http PORT [--host 127.0.0.1]]

Serves three tools over stdio (or streamable HTTP at ``http://HOST:PORT/mcp`` with --http): `search_code`
(ranked functions and classes, with their code), `ask` (the grounded answer `rag.ask` gives, with its sources
and unverified names) and `index_status`. The models load once, on the first call; before each call the index
follows the files edited since (as `rag.ask` does). A failure an agent can act on (an empty query, an unknown
language, a vanished corpus, a generator endpoint that is down) is a tool error of one sentence; the server
keeps serving. Logs go to stderr: stdout is the protocol's.

Over HTTP, requests whose Host or Origin header is not the address bound (or a loopback name) are refused (the
SDK's DNS-rebinding protection, always on); bound to an address other machines can reach, the server needs a
bearer token (--token or ``CODESEARCH_MCP_TOKEN``) and refuses every request without it.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from pydantic import BaseModel, Field

from data.cli import InputError, list_option, run_cli
from data.corpus import default_corpus
from data.documents import qualified_name
from data.miner import LANGUAGES
from rag.answer import answer_question
from rag.generation import Generator
from rag.grounding import first_sentence, signature
from rag.opening import OpenedModels
from rag.options import AnswerOptions, check_k, check_kinds
from rag.question import check_question
from rag.search import Retriever
from rag.store import Source
from rag.store.chroma import is_loopback

logger = logging.getLogger(__name__)

TOKEN_ENV = "CODESEARCH_MCP_TOKEN"


@dataclass
class McpConfig(AnswerOptions):
    """Options of `python -m rag.mcp`."""

    http: int = field(default=0, metadata={"help": "serve streamable HTTP on this port instead of stdio"})
    host: str = field(default="127.0.0.1", metadata={"help": "with --http: the address to bind (localhost by default)"})
    token: str = field(default="", metadata={
        "help": f"with --http: the bearer token every request must carry (default: ${TOKEN_ENV}); required when "
                "--host is not a loopback address"})
    allowed_hosts: list[str] = field(default_factory=list, metadata={
        "help": "with --http: more Host names clients may use (default: the address bound, and this machine's name "
                "and addresses when bound to all)"})

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 <= self.http <= 65535:
            msg = f"--http must be a port number (1-65535), got {self.http}"
            raise InputError(msg)
        self.allowed_hosts = list_option(self.allowed_hosts)
        if self.http and not self.token and not is_loopback(self.host):
            msg = (f"--host {self.host} lets other machines reach the server: give it a bearer token (--token or "
                   f"${TOKEN_ENV}), or bind 127.0.0.1")
            raise InputError(msg)


class Hit(BaseModel):
    """One function or class found."""

    path: str
    start_line: int | None
    end_line: int | None
    name: str = Field(description="qualified name, e.g. json.loads")
    language: str
    kind: str = Field(description="function, class, section (of a document), config (a window of a configuration "
                                  "file) or script")
    signature: str
    summary: str = Field(description="the docstring's first sentence")
    order_score: float = Field(description="the score the hits are ordered by, higher first: the fusion of the dense, "
                                           "BM25 and LM scores and the LM's likelihood of the name (standardised, "
                                           "unitless; with the names asked, a method lower, a definition central "
                                           "in its code base higher, and the first five by the name's whole "
                                           "likelihood, the rest below them), or the cosine alone")
    score: float = Field(description="cosine similarity of the question and the function")
    rerank_score: float | None = None
    name_score: float | None = Field(default=None, description="how likely the reranking LM finds the name as the answer")
    code: str
    code_truncated: bool


class SearchResult(BaseModel):
    """search_code's answer: the hits, best first."""

    query: str
    hits: list[Hit]


class AskResult(BaseModel):
    """ask's answer: the generated text (empty with no generator), what to read instead when it failed review,
    the names it uses that neither its sources nor the corpus have, and the sources it was given."""

    answer: str
    fallback: str
    unverified: list[str]
    miscited: list[str]  # citations `name` [n] whose source n is another function
    error: str = Field(default="", description="set when generation broke off: the answer is what arrived before")
    sources: list[Hit]


class IndexStatus(BaseModel):
    """What the server searches."""

    corpus: list[str]
    entries: int
    retriever: str
    last_refreshed: str | None = Field(description="when the index was last brought up to date (UTC, ISO 8601)")


def _hit(source: Source, max_code_chars: int) -> Hit:
    summary = " ".join(first_sentence(source.docstring).split())
    return Hit(path=source.path, start_line=source.start_line or None, end_line=source.end_line, language=source.language,
               kind=source.kind, name=qualified_name(source.path, source.func_name, source.language),
               signature=signature(source),
               summary=summary, order_score=round(source.order_score, 4), score=round(source.score, 4),
               rerank_score=source.rerank_score, name_score=source.name_score,
               code=source.code[:max_code_chars], code_truncated=len(source.code) > max_code_chars)


class CodeSearchService:
    """The retriever, reranker and generator of one server process, loaded on first use; one call at a time."""

    def __init__(self, config: McpConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._models = OpenedModels()
        self._generator: Generator | None = None
        self.last_refreshed: str | None = None

    def _ready(self) -> Retriever:
        """The retriever, opened once (the index built on first use) and brought up to date with the corpus."""
        self._generator, retriever = self._models.open(self.config)  # refreshed, unless --no_refresh
        if self.config.refresh:  # --no_refresh: searched as it is, never brought up to date
            self.last_refreshed = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return retriever

    def search(self, query: str, k: int | None, language: str | None, max_code_chars: int,
               kind: str | list[str] | None = None) -> SearchResult:
        """The k best entries for the query (of one language, and of some kinds, when given; k: the server's
        --k; kinds: the server's --kinds)."""
        query = check_question(query)
        k = check_k(self.config.k if k is None else k)
        if language is not None and language.lower() not in LANGUAGES:
            msg = f"unknown language {language!r}; choose from {', '.join(sorted(LANGUAGES))}, or leave it out"
            raise InputError(msg)
        if max_code_chars < 0:
            msg = f"max_code_chars must be 0 or more, got {max_code_chars}"
            raise InputError(msg)
        kinds = check_kinds([kind] if isinstance(kind, str) else kind or [])
        with self._lock:
            sources = self._ready().retrieve(query, k, language.lower() if language else None, kinds)
        return SearchResult(query=query, hits=[_hit(s, max_code_chars) for s in sources])

    def ask(self, question: str, k: int | None) -> AskResult:
        """The grounded answer, as `rag.ask` gives it (sources only with --generator none; k: the server's --k)."""
        question = check_question(question)
        k = check_k(self.config.k if k is None else k)
        with self._lock:
            retriever = self._ready()
            answer = answer_question(question, retriever, self._generator, k=k,
                                     max_new_tokens=self.config.max_new_tokens,
                                     max_context_tokens=self.config.max_context_tokens)
        return AskResult(answer=answer.text, fallback=answer.fallback, unverified=answer.unverified,
                         miscited=answer.miscited, error=answer.error, sources=[_hit(s, 2000) for s in answer.sources])

    def status(self) -> IndexStatus:
        """The corpus, its entry count and the retriever, after bringing the index up to date."""
        with self._lock:
            retriever = self._ready()
            return IndexStatus(corpus=self.config.corpus or default_corpus(), entries=retriever.index.count(),
                               retriever=self.config.spec().label, last_refreshed=self.last_refreshed)


def package_version() -> str:
    """The installed package's version (what MCP's `initialize` reports); "unknown" when it is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("codesearch-peft-rag")
    except PackageNotFoundError:
        return "unknown"


def build_server(service: CodeSearchService):  # noqa: ANN201
    """The MCP server with the three tools; a user error becomes a tool error, the server keeps running."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    server = MCPServer("codesearch", version=package_version(),
                       instructions="Search this code base by meaning, and ask questions about it.")

    def acting_on(call):  # noqa: ANN001, ANN202
        try:
            return call()
        except (InputError, FileNotFoundError) as error:
            raise ToolError(str(error).splitlines()[0] if str(error) else type(error).__name__) from None

    @server.tool(description="Find the functions, classes, documentation sections and configuration of the code base "
                             "that best match a natural-language query; each with its path, line range, name, kind, "
                             "signature, summary, scores and code. kind: function, class, section, config or script "
                             "(or a list of them) to search only those.")
    def search_code(query: str, k: int | None = None, language: str | None = None, max_code_chars: int = 2000,
                    kind: str | list[str] | None = None) -> SearchResult:
        return acting_on(lambda: service.search(query, k, language, max_code_chars, kind))

    @server.tool(description="Answer a question about the code base from its most relevant functions, citing them; "
                             "lists the names the answer uses that the code base does not have.")
    def ask(question: str, k: int | None = None) -> AskResult:
        return acting_on(lambda: service.ask(question, k))

    @server.tool(description="The indexed corpus, its number of functions and classes, the retriever, and when the "
                             "index was last brought up to date with the files.")
    def index_status() -> IndexStatus:
        return acting_on(service.status)

    return server


def allowed_hosts(host: str, extra: list[str]) -> list[str]:
    """The Host header values a request may carry (any port): the address bound, the loopback names, this
    machine's name and addresses when bound to every address, and `extra`."""
    names = {host, "127.0.0.1", "localhost", "[::1]", *extra}
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 (bound to all on purpose: a token is then required)
        names |= {socket.gethostname(), socket.getfqdn()}
        with contextlib.suppress(OSError):
            names |= {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)}
    return sorted(f"[{name}]" if ":" in name and not name.startswith("[") else name for name in names if name)


def transport_security(config: McpConfig):  # noqa: ANN201
    """The SDK's DNS-rebinding protection for the address bound: the allowed Host and Origin headers."""
    from mcp.server.transport_security import TransportSecuritySettings

    hosts = allowed_hosts(config.host, config.allowed_hosts)
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=[f"{h}:*" for h in hosts],
                                     allowed_origins=[f"{scheme}://{h}:*" for h in hosts for scheme in ("http", "https")])


class BearerToken:
    """ASGI middleware: an HTTP request without ``Authorization: Bearer TOKEN`` gets 401 and reaches nothing."""

    def __init__(self, app, token: str) -> None:  # noqa: ANN001
        self.app, self.expected = app, f"Bearer {token}".encode()

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"text/plain"), (b"www-authenticate", b"Bearer")]})
                await send({"type": "http.response.body", "body": b"missing or wrong bearer token"})
                return
        await self.app(scope, receive, send)


def run(config: McpConfig) -> None:
    """Serve until the client disconnects (stdio) or the process is stopped (HTTP)."""
    server = build_server(CodeSearchService(config))
    started = time.perf_counter()
    if config.http:
        import uvicorn

        app = server.streamable_http_app(transport_security=transport_security(config), host=config.host)
        if config.token:
            app = BearerToken(app, config.token)
        logger.info("serving streamable HTTP at http://%s:%d/mcp%s", config.host, config.http,
                    " (bearer token required)" if config.token else "")
        uvicorn.run(app, host=config.host, port=config.http, log_level="warning")
    else:
        server.run("stdio")
    logger.info("server stopped after %.0f s", time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m rag.mcp` (a token in the environment is read here, not by the library)."""
    argv = sys.argv[1:] if argv is None else argv
    if "--token" not in argv and os.environ.get(TOKEN_ENV):
        argv = [*argv, "--token", os.environ[TOKEN_ENV]]
    return run_cli(McpConfig, run, argv, description=__doc__ or "")


if __name__ == "__main__":
    raise SystemExit(main())

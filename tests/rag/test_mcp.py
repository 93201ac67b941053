"""`python -m rag.mcp` driven by the MCP SDK's own stdio client: the three tools, tool errors that leave the
server running, and an edit followed between two calls."""

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.conftest import FUNCTIONS, write_module

FUNCTIONS_IN_CORPUS = [function[0] for functions in FUNCTIONS.values() for function in functions]


def server_parameters(corpus: Path, tiny_bert_dir: Path, tmp_path: Path, *extra: str) -> StdioServerParameters:
    return StdioServerParameters(command=sys.executable, args=[
        "-m", "rag.mcp", "--corpus", str(corpus), "--retriever", str(tiny_bert_dir), "--persist", str(tmp_path / "db"),
        "--generator", "none", "--rerank", "none", "--lexical_weight", "1", "--quiet", *extra],
        cwd=str(Path(__file__).resolve().parents[2]))  # ordered by words alone: the tiny encoder's order is random


def structured(result) -> dict:  # noqa: ANN001
    assert not result.is_error, result.content
    return result.structured_content or json.loads(result.content[0].text)


async def session_calls(parameters: StdioServerParameters, calls) -> list:  # noqa: ANN001
    async with stdio_client(parameters) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        return [await call(session) for call in calls]


def test_tools_answer_and_errors_leave_the_server_running(corpus: Path, tiny_bert_dir: Path, tmp_path: Path) -> None:
    parameters = server_parameters(corpus, tiny_bert_dir, tmp_path)

    async def edit_then_search(session: ClientSession):  # noqa: ANN202
        write_module(corpus, "stats.py", [("median", "Middle value of a list of numbers.",
                                           "return sorted(xs)[len(xs) // 2]")])
        write_module(corpus, "jsonish.py", [("parse_json", "Parse a JSON document into Python objects.",
                                             "return decode_strictly(text)")])  # dump_json deleted, parse_json edited
        return await session.call_tool("search_code", {"query": "middle value of numbers", "k": 7})

    tools, search, ask, empty, huge, zero, cobol, status, edited = asyncio.run(session_calls(parameters, [
        lambda s: s.list_tools(),
        lambda s: s.call_tool("search_code", {"query": "Parse a JSON document into Python objects.", "k": 1}),
        lambda s: s.call_tool("ask", {"question": "how to read a file line by line", "k": 2}),
        lambda s: s.call_tool("search_code", {"query": "   "}),
        lambda s: s.call_tool("search_code", {"query": "parse json " * 10_000}),
        lambda s: s.call_tool("search_code", {"query": "parse json", "k": 0}),
        lambda s: s.call_tool("search_code", {"query": "parse json", "language": "cobol"}),
        lambda s: s.call_tool("index_status", {}),
        edit_then_search,
    ]))
    assert sorted(t.name for t in tools.tools) == ["ask", "index_status", "search_code"]
    assert all(t.description and t.input_schema["type"] == "object" for t in tools.tools)
    [parse_json] = structured(search)["hits"]
    assert parse_json["name"] == "jsonish.parse_json"
    assert parse_json["path"] == "jsonish.py" and parse_json["start_line"] == 1 and parse_json["end_line"] == 3
    assert parse_json["code"].startswith("def parse_json(x):") and parse_json["summary"] == \
        "Parse a JSON document into Python objects."
    answered = structured(ask)
    assert answered["answer"] == "" and len(answered["sources"]) == 2  # sources only: --generator none
    for result, message in ((empty, "the question is empty"), (huge, "characters long"),
                            (zero, "k must be between 1 and 100"), (cobol, "unknown language 'cobol'")):
        assert result.is_error and message in result.content[0].text, result.content
    assert structured(status)["entries"] == 5 and structured(status)["last_refreshed"]
    assert structured(status)["retriever"] == tiny_bert_dir.name  # the retriever searched, named even by default
    hits = {h["name"]: h for h in structured(edited)["hits"]}
    assert "stats.median" in hits and "jsonish.dump_json" not in hits and len(hits) == 5  # edits between calls
    assert "decode_strictly" in hits["jsonish.parse_json"]["code"]


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_bad_input_an_agent_can_act_on(corpus: Path, tiny_bert_dir: Path, tmp_path: Path) -> None:
    from .fake_servers import closed_port

    (corpus / "latin1.py").write_bytes('def café():\n    """Caf\xe9."""\n'.encode("latin-1"))  # not UTF-8: skipped
    (corpus / "strings.js").write_text("/**\n * Parse a JSON string.\n */\nfunction parseJson(text) {\n"
                                       "  return JSON.parse(text);\n}\n")
    moved = tmp_path / "moved"
    parameters = server_parameters(corpus, tiny_bert_dir, tmp_path, "--generator", "ollama:llama3", "--base_url",
                                   f"http://127.0.0.1:{closed_port()}")

    async def vanish_then_search(session: ClientSession):  # noqa: ANN202
        corpus.rename(moved)
        try:
            return await session.call_tool("search_code", {"query": "parse json"})
        finally:
            moved.rename(corpus)

    status, javascript, down, vanished, back = asyncio.run(session_calls(parameters, [
        lambda s: s.call_tool("index_status", {}),
        lambda s: s.call_tool("search_code", {"query": "parse json", "k": 5, "language": "JavaScript"}),
        lambda s: s.call_tool("ask", {"question": "how to parse json"}),
        vanish_then_search,
        lambda s: s.call_tool("search_code", {"query": "parse json", "k": 10_000}),
    ]))
    assert structured(status)["entries"] == 6  # the undecodable file was skipped, the rest indexed
    assert [(h["name"], h["language"]) for h in structured(javascript)["hits"]] == [("parseJson", "javascript")]
    assert down.is_error and "nothing answers at http://127.0.0.1:" in down.content[0].text
    assert vanished.is_error and "corpus path does not exist" in vanished.content[0].text
    assert back.is_error and "k must be between 1 and 100" in back.content[0].text  # still serving


def server_pids(database: Path) -> list[int]:
    """The `rag.mcp` processes serving this test's index (read from /proc)."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"rag.mcp" in words and str(database).encode() in words:
            pids.append(int(cmdline.parent.name))
    return pids


def test_a_client_that_leaves_mid_write_killing_its_server_leaves_an_index_the_next_completes(
        corpus: Path, tiny_bert_dir: Path, tmp_path: Path) -> None:
    from rag.store.lock import WRITER_LOCK_SUFFIX

    for number in range(40):  # enough functions that the first build holds the writer lock a while
        write_module(corpus, f"filler{number}.py", [(f"step{number}_{i}", f"Step {i} of stage {number}.", "return x")
                                                    for i in range(25)])
    parameters = server_parameters(corpus, tiny_bert_dir, tmp_path)
    database = tmp_path / "db"

    def writing() -> bool:  # read-only, from Chroma's own file: a client here would race the server's set-up
        try:
            with contextlib.closing(sqlite3.connect(f"file:{database / 'chroma.sqlite3'}?mode=ro", uri=True)) as db:
                names = [row[0] for row in db.execute("SELECT name FROM collections")]
        except sqlite3.Error:  # no file or no table yet
            return False
        return any(name.endswith(WRITER_LOCK_SUFFIX) for name in names)

    async def leave_mid_write() -> None:
        async with stdio_client(parameters) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            call = asyncio.ensure_future(session.call_tool("search_code", {"query": "parse json"}))  # builds the index
            deadline = time.monotonic() + 120
            while not writing():
                assert not call.done(), "the call ended before its index write was seen"
                assert time.monotonic() < deadline, "no index write began"
                await asyncio.sleep(0.01)
            call.cancel()  # the client leaves while the server writes, and kills it (as agent hosts do)
            for pid in server_pids(database):
                os.kill(pid, signal.SIGKILL)

    asyncio.run(leave_mid_write())
    search, status = asyncio.run(session_calls(parameters, [
        lambda s: s.call_tool("search_code", {"query": "parse json"}), lambda s: s.call_tool("index_status", {})]))
    assert len(structured(search)["hits"]) == 5
    assert structured(status)["entries"] == 40 * 25 + len(FUNCTIONS_IN_CORPUS)  # the dead writer's work, completed


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_ask_reviews_the_generated_answer(corpus: Path, tiny_bert_dir: Path, tmp_path: Path) -> None:
    from .fake_servers import WORDS, fake_server

    results = {}
    for mode in ("ok", "made_up", "drop"):
        with fake_server("ollama", mode) as chat:
            parameters = server_parameters(corpus, tiny_bert_dir, tmp_path, "--generator", "ollama:llama3",
                                           "--base_url", chat.url)
            [answer] = asyncio.run(session_calls(parameters, [
                lambda s: s.call_tool("ask", {"question": "how to parse json", "k": 2})]))
            results[mode] = structured(answer)
    ok = results["ok"]
    assert "".join(WORDS) in ok["answer"] and ok["sources"][0]["name"] == "jsonish.parse_json"
    assert (ok["unverified"], ok["miscited"], ok["fallback"], ok["error"]) == ([], [], "", "")
    made_up = results["made_up"]  # a name the corpus lacks: flagged, and the extractive answer from the sources
    assert made_up["unverified"] == ["jsonish.parse_yaml"] and "parse_json" in made_up["fallback"]
    dropped = results["drop"]  # the stream broke off: what arrived, the sources, and why
    assert dropped["error"] and dropped["answer"].startswith("Use") and len(dropped["sources"]) == 2


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_streamable_http_on_localhost(corpus: Path, tiny_bert_dir: Path, tmp_path: Path) -> None:
    import subprocess
    import time

    from mcp.client.streamable_http import streamable_http_client

    from .fake_servers import closed_port

    port = closed_port()
    command = [sys.executable, "-m", "rag.mcp", "--corpus", str(corpus), "--retriever", str(tiny_bert_dir), "--persist",
               str(tmp_path / "db"), "--generator", "none", "--lexical_weight", "1", "--http", str(port), "--quiet"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    async def search() -> dict:
        async with streamable_http_client(f"http://127.0.0.1:{port}/mcp") as (read, write), \
                ClientSession(read, write) as session:
            await session.initialize()
            return structured(await session.call_tool("search_code", {"query": "Average of a list of numbers.", "k": 1}))

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                found = asyncio.run(search())
                break
            except Exception:  # noqa: BLE001 - not listening yet
                if server.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert found["hits"][0]["name"] == "maths.mean"



def test_with_no_refresh_the_index_is_never_reported_refreshed(corpus: Path, tiny_bert_dir: Path, tmp_path: Path) -> None:
    from rag.mcp import CodeSearchService, McpConfig

    options = {"corpus": [str(corpus)], "persist": str(tmp_path / "db"), "retriever": str(tiny_bert_dir),
               "generator": "none", "rerank": "none"}
    CodeSearchService(McpConfig(**options)).status()  # builds the index
    frozen = CodeSearchService(McpConfig(**options, refresh=False))
    frozen.search("parse json", 2, None, 100)
    assert frozen.status().last_refreshed is None
    live = CodeSearchService(McpConfig(**options))
    live.search("parse json", 2, None, 100)
    assert live.status().last_refreshed is not None


def _post(port: int, headers: dict[str, str]) -> int:
    """The status of an MCP `initialize` POST with these headers, sent as curl would."""
    import http.client

    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-03-26", "capabilities": {}, "clientInfo": {"name": "curl", "version": "1"}}})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", "/mcp", body=body, headers={
        "Content-Type": "application/json", "Accept": "application/json, text/event-stream", **headers})
    status = connection.getresponse().status
    connection.close()
    return status


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
@pytest.mark.parametrize("bound", ["127.0.0.1", "0.0.0.0"])  # noqa: S104 (all addresses: a token is required)
def test_http_refuses_foreign_hosts_and_origins_and_a_missing_or_wrong_token(
        corpus: Path, tiny_bert_dir: Path, tmp_path: Path, bound: str) -> None:
    import subprocess

    from .fake_servers import closed_port

    port = closed_port()
    server = subprocess.Popen([sys.executable, "-m", "rag.mcp", "--corpus", str(corpus), "--retriever",
                               str(tiny_bert_dir), "--persist", str(tmp_path / "db"), "--generator", "none", "--http",
                               str(port), "--host", bound, "--quiet"],
                              env={**os.environ, "CODESEARCH_MCP_TOKEN": "right-token"}, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    token = {"Authorization": "Bearer right-token"}
    here = {"Host": f"127.0.0.1:{port}"}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                allowed = _post(port, {**here, **token})
                break
            except OSError:  # not listening yet
                if server.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        refused = {
            "no token": _post(port, here),
            "wrong token": _post(port, {**here, "Authorization": "Bearer wrong-token"}),
            "foreign Host": _post(port, {"Host": f"evil.example:{port}", **token}),
            "foreign Origin": _post(port, {**here, **token, "Origin": "http://evil.example"}),
        }
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert allowed == 200
    assert refused == {"no token": 401, "wrong token": 401, "foreign Host": 421, "foreign Origin": 403}


def test_http_off_loopback_without_a_token_refuses_to_start(capsys: pytest.CaptureFixture[str]) -> None:
    from rag import mcp

    os.environ.pop("CODESEARCH_MCP_TOKEN", None)
    assert mcp.main(["--http", "8765", "--host", "0.0.0.0"]) == 2  # noqa: S104
    assert "give it a bearer token" in capsys.readouterr().err


def test_initialize_reports_the_servers_version(corpus: Path, tiny_bert_dir: Path, tmp_path: Path) -> None:
    from importlib.metadata import version

    async def initialize():  # noqa: ANN202
        async with stdio_client(server_parameters(corpus, tiny_bert_dir, tmp_path)) as (read, write), \
                ClientSession(read, write) as session:
            return await session.initialize()

    info = asyncio.run(initialize()).server_info
    assert (info.name, info.version) == ("codesearch", version("codesearch-peft-rag"))

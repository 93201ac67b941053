"""`--generator ollama:`/`openai:` against local servers that speak the real wire protocols: what we send,
what `rag.ask` prints, and each failure as one line that says what to do."""

import hashlib
import json
from pathlib import Path

import pytest

from rag import ask
from rag.generation import generators as generate
from rag.prompts import STOP_MARKERS

from .fake_servers import WORDS, closed_port, fake_server

pytestmark = [pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"])]

MODELS = {"ollama": "llama3", "openai": "gpt-test"}


def base_url(protocol: str, url: str) -> str:
    return f"{url}/v1" if protocol == "openai" else url


def ask_argv(protocol: str, url: str, corpus: Path, tmp_path: Path, tiny_bert_dir: Path, *extra: str) -> list[str]:
    return ["how to parse json", "--corpus", str(corpus), "--persist", str(tmp_path / "db"), "--retriever",
            str(tiny_bert_dir), "--generator", f"{protocol}:{MODELS[protocol]}", "--base_url",
            base_url(protocol, url), "--api_key", "sk-test", "--max_new_tokens", "33", "--quiet", *extra]


@pytest.fixture
def no_local_lm(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the packaged Gemma (or any local LM) fails the test: endpoints must not need one."""
    def refuse(*_: object, **__: object) -> None:
        msg = "a local LM was loaded"
        raise AssertionError(msg)

    monkeypatch.setattr(generate, "gemma_from_package", refuse)
    monkeypatch.setattr(generate, "_hf", refuse)


@pytest.mark.parametrize("protocol", ["ollama", "openai"])
def test_answer_streams_and_every_option_reaches_its_field(protocol: str, corpus: Path, tiny_bert_dir: Path,
                                                           tmp_path: Path, no_local_lm: None,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    with fake_server(protocol) as server:
        code = ask.main(ask_argv(protocol, server.url, corpus, tmp_path, tiny_bert_dir))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    answer, sources = captured.out.split("Sources:")
    assert answer.strip() == "".join(WORDS)
    assert len(sources.strip().splitlines()) == 5
    [request] = server.requests
    body = request["body"]
    assert body["model"] == MODELS[protocol] and body["stream"] is True
    assert "how to parse json" in body["messages"][-1]["content"] and "<<<SOURCE [1]" in body["messages"][-1]["content"]
    if protocol == "ollama":  # Ollama's /api/chat: generation options live in `options`
        assert body["options"] == {"num_predict": 33, "temperature": 0.0, "stop": list(STOP_MARKERS)}
    else:  # OpenAI's chat completions: top-level fields, the key as a bearer token
        assert (body["max_completion_tokens"], body["temperature"], body["stop"]) == (33, 0.0, list(STOP_MARKERS))
        assert request["headers"]["authorization"] == "Bearer sk-test"


@pytest.mark.parametrize(("protocol", "mode", "message"), [
    ("ollama", "404", "has no model 'llama3': pull it with `ollama pull llama3`"),
    ("openai", "404", "serves no model 'gpt-test' (HTTP 404): pick one it lists at http://127.0.0.1:"),
    ("openai", "401", "refused the API key (HTTP 401): pass --api_key or set OPENAI_API_KEY"),
    ("ollama", "401", "refused the API key (HTTP 401)"),
    ("openai", "429", "is limiting requests (HTTP 429): wait a moment"),
    ("ollama", "429", "is limiting requests (HTTP 429): wait a moment"),
    ("openai", "500", "failed on its side (HTTP 500"),
    ("ollama", "500", "failed on its side (HTTP 500"),
])
def test_server_refusals_are_one_line_that_says_what_to_do(protocol: str, mode: str, message: str, corpus: Path,
                                                           tiny_bert_dir: Path, tmp_path: Path, no_local_lm: None,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    with fake_server(protocol, mode) as server:
        code = ask.main(ask_argv(protocol, server.url, corpus, tmp_path, tiny_bert_dir))
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and message in err and err.count("\n") == 1, err
    assert len(server.requests) == 1  # no retries hammering the server (429 and 500 are what clients retry)


@pytest.mark.parametrize("protocol", ["ollama", "openai"])
def test_nothing_listening_says_so(protocol: str, corpus: Path, tiny_bert_dir: Path, tmp_path: Path,
                                   no_local_lm: None, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    assert ask.main(ask_argv(protocol, url, corpus, tmp_path, tiny_bert_dir)) == 2
    err = capsys.readouterr().err
    assert f"error: nothing answers at {base_url(protocol, url)}" in err and "start the" in err, err


@pytest.mark.parametrize("protocol", ["ollama", "openai"])
def test_a_stream_that_breaks_off_keeps_the_answer_and_the_sources(protocol: str, corpus: Path,
                                                                  tiny_bert_dir: Path, tmp_path: Path,
                                                                  no_local_lm: None,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    with fake_server(protocol, "drop") as server:
        code = ask.main(ask_argv(protocol, server.url, corpus, tmp_path, tiny_bert_dir))
    captured = capsys.readouterr()
    assert code == 1
    answer, sources = captured.out.split("Sources:")
    assert answer.strip() == "".join(WORDS[:2])
    assert len(sources.strip().splitlines()) == 5
    assert "broke off mid-stream" in captured.err and "incomplete" in captured.err


def test_a_local_reranker_still_comes_when_asked_for(corpus: Path, tiny_bert_dir: Path, tiny_gpt2_dir: Path,
                                                    tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with fake_server("ollama") as server:
        code = ask.main(ask_argv("ollama", server.url, corpus, tmp_path, tiny_bert_dir, "--rerank",
                                 f"hf:{tiny_gpt2_dir}", "--k", "2"))
    out = capsys.readouterr().out
    assert code == 0 and out.count(", rerank -") == 2


def test_eval_rouge_generates_through_the_same_endpoint_path_and_caches_per_server(
        tiny_bert_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from data.records import Record, write_jsonl
    from eval import rouge

    data = tmp_path / "test.jsonl"
    write_jsonl([Record("r", f"m{i}.py", f"f{i}", "python", f"def f{i}(x):\n    return x + {i}", f"Add {i}.")
                 for i in range(4)], data)
    argv = ["--data", str(data), "--base", str(tiny_bert_dir), "--retriever", "none", "--out", str(tmp_path / "r"),
            "--cache_dir", str(tmp_path / "cache"), "--persist", str(tmp_path / "db"), "--quiet"]
    with fake_server("ollama") as first:
        assert rouge.main([*argv, "--generator", "ollama:llama3", "--base_url", first.url]) == 0
        assert len(first.requests) == 4
        stored = [json.loads(line)["answer"] for file in (tmp_path / "cache").rglob("*.jsonl")
                  for line in file.read_text().splitlines()]
        assert stored == ["".join(WORDS)] * 4  # what was kept is what the server streamed
        assert rouge.main([*argv, "--generator", "ollama:llama3", "--base_url", first.url]) == 0
        assert len(first.requests) == 4  # the second run came from the cache
    with fake_server("ollama") as second:  # same model name, another server: not the same generations
        assert rouge.main([*argv, "--generator", "ollama:llama3", "--base_url", second.url]) == 0
        assert len(second.requests) == 4
    assert "ollama:llama3" in capsys.readouterr().out


@pytest.mark.parametrize("protocol", ["ollama", "openai"])
def test_the_paper_protocol_sends_its_sampling_options(protocol: str, tiny_bert_dir: Path, tmp_path: Path) -> None:
    from data.records import Record, write_jsonl
    from eval import rouge
    from eval.paper_protocol import question_seed

    data = tmp_path / "test.jsonl"
    write_jsonl([Record("r", f"m{i}.py", f"f{i}", "python", f"def f{i}(x):\n    return x + {i}", f"Add {i}.")
                 for i in range(2)], data)
    argv = ["--data", str(data), "--base", str(tiny_bert_dir), "--retriever", "none", "--out", str(tmp_path / "r"),
            "--cache_dir", str(tmp_path / "cache"), "--persist", str(tmp_path / "db"), "--protocol", "paper",
            "--seed", "7", "--quiet"]
    with fake_server(protocol) as server:
        url = base_url(protocol, server.url)
        assert rouge.main([*argv, "--generator", f"{protocol}:{MODELS[protocol]}", "--base_url", url]) == 0
    ids = [hashlib.sha1(f"Add {i}.\x00def f{i}(x):\n    return x + {i}".encode()).hexdigest()[:16] for i in range(2)]
    seeds = sorted(question_seed(7, item_id) for item_id in ids)
    assert len(set(seeds)) == 2  # one seed per question
    bodies = [request["body"] for request in server.requests]
    if protocol == "ollama":
        options = [b["options"] for b in bodies]
        assert sorted(o["seed"] for o in options) == seeds
        assert {(o["temperature"], o["repeat_penalty"]) for o in options} == {(0.2, 1.1)}  # the paper's settings
    else:
        assert sorted(b["seed"] for b in bodies) == seeds
        assert {b["temperature"] for b in bodies} == {0.2}


@pytest.mark.parametrize("entry_point", ["rag.ask", "rag.mcp", "eval.rouge"])
def test_an_openai_key_from_the_environment_reaches_the_server_from_every_entry_point(
        entry_point: str, corpus: Path, tiny_bert_dir: Path, tmp_path: Path, no_local_lm: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    with fake_server("openai") as server:
        endpoint = ["--generator", "openai:gpt-test", "--base_url", f"{server.url}/v1"]
        if entry_point == "rag.ask":
            assert ask.main(["how to parse json", "--corpus", str(corpus), "--persist", str(tmp_path / "db"),
                             "--retriever", str(tiny_bert_dir), "--quiet", *endpoint]) == 0
        elif entry_point == "rag.mcp":
            from rag.mcp import CodeSearchService, McpConfig

            config = McpConfig(corpus=[str(corpus)], persist=str(tmp_path / "db"), retriever=str(tiny_bert_dir),
                               generator="openai:gpt-test", base_url=f"{server.url}/v1")
            assert CodeSearchService(config).ask("how to parse json", 2).answer
        else:
            from data.records import Record, write_jsonl
            from eval import rouge

            data = tmp_path / "test.jsonl"
            write_jsonl([Record("r", "m.py", "f", "python", "def f(x):\n    return x + 1", "Add one.")], data)
            assert rouge.main(["--data", str(data), "--base", str(tiny_bert_dir), "--retriever", "none", "--out",
                               str(tmp_path / "r"), "--cache_dir", str(tmp_path / "cache"), "--persist",
                               str(tmp_path / "db"), "--quiet", *endpoint]) == 0
    assert server.requests and all(r["headers"]["authorization"] == "Bearer sk-from-env" for r in server.requests)

"""`--rerank endpoint`: the endpoint generator chooses which of the first five sources leads; anything else keeps
the search's order; asked for without an endpoint generator, one line that says what to do."""

from pathlib import Path

import pytest

from data.cli import InputError
from rag import ask
from rag.lead_choice import EndpointLeadChoice
from rag.opening import open_first_stage
from rag.options import AnswerOptions, SearchOptions
from rag.store import Source

from .fake_servers import fake_server


def source(name: str, docstring: str) -> Source:
    return Source(id=name, repo="r", path="json/__init__.py", func_name=name, language="python", start_line=1,
                  url="", code=f"def {name}(s):\n    pass", docstring=docstring, score=0.5)


SOURCES = [source("JSONDecoder", "Simple JSON decoder."), source("loads", "Deserialize s to a Python object.\nMore."),
           source("load", "Deserialize fp."), source("dumps", "Serialize obj."), source("dump", ""),
           source("detect_encoding", "")]


class Replying:
    """A generator that answers every prompt with `reply` (or raises `error`), keeping the prompts."""

    def __init__(self, reply: str = "", error: Exception | None = None) -> None:
        self.reply, self.error, self.prompts = reply, error, []

    def stream(self, prompt: str, *, max_new_tokens: int, stop: tuple = (), sampling: object = None):  # noqa: ANN201
        self.prompts.append(prompt)
        if self.error is not None:
            raise self.error
        yield self.reply


@pytest.mark.parametrize(("reply", "first"), [("2", "loads"), (" 4.", "dumps"), ("1", "JSONDecoder"),
                                              ("6", "JSONDecoder"), ("0", "JSONDecoder"), ("none", "JSONDecoder")])
def test_the_endpoints_choice_among_the_first_five_leads(reply: str, first: str) -> None:
    generator = Replying(reply)
    shown = EndpointLeadChoice(generator).rerank("how to parse json", SOURCES, 5)
    assert shown[0].func_name == first
    assert [s.func_name for s in shown[1:]] == [s.func_name for s in SOURCES if s.func_name != first][:4]
    [prompt] = generator.prompts
    assert "how to parse json" in prompt and "Reply with its number only" in prompt
    assert "2. `json.loads`: Deserialize s to a Python object." in prompt and "More." not in prompt
    assert "5. `json.dump`\n" in prompt and "detect_encoding" not in prompt  # the first five only


def test_an_endpoint_that_fails_keeps_the_search_order(caplog: pytest.LogCaptureFixture) -> None:
    shown = EndpointLeadChoice(Replying(error=InputError("cannot reach the endpoint"))).rerank("parse json", SOURCES, 3)
    assert [s.func_name for s in shown] == ["JSONDecoder", "loads", "load"]
    assert "cannot reach the endpoint" in caplog.text


def test_endpoint_choice_needs_an_endpoint_generator() -> None:
    with pytest.raises(InputError, match="--rerank endpoint lets an openai:/ollama: generator"):
        AnswerOptions(rerank="endpoint", generator="gemma")
    AnswerOptions(rerank="endpoint", generator="openai:gpt-test")  # accepted
    with pytest.raises(InputError, match="needs an openai:/ollama: --generator"):
        open_first_stage(SearchOptions(rerank="endpoint"))


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_ask_with_endpoint_choice_asks_the_endpoint_twice(corpus: Path, tiny_bert_dir: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    with fake_server("openai") as server:
        code = ask.main(["how to parse json", "--corpus", str(corpus), "--persist", str(tmp_path / "db"),
                         "--retriever", str(tiny_bert_dir), "--generator", "openai:gpt-test", "--base_url",
                         f"{server.url}/v1", "--api_key", "sk-test", "--rerank", "endpoint", "--quiet"])
    assert code == 0, capsys.readouterr().err
    choice, answer = server.requests
    assert "Reply with its number only" in choice["body"]["messages"][-1]["content"]
    assert "<<<SOURCE [1]" in answer["body"]["messages"][-1]["content"]

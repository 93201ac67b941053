"""`python -m rag.ask` through main(): answer then sources, and every bad input as a one-line exit 2."""

import json
import re
from pathlib import Path

import pytest

from rag import ask, opening
from retriever_finetune import train


@pytest.fixture
def use_echo(monkeypatch: pytest.MonkeyPatch, echo) -> object:  # noqa: ANN001
    monkeypatch.setattr(opening, "load_generator", lambda spec, options: None if spec == "none" else echo)
    return echo


def argv(corpus: Path, tmp_path: Path, base: Path, *extra: str) -> list[str]:
    return ["--corpus", str(corpus), "--persist", str(tmp_path / "db"), "--retriever", str(base), "--rerank", "none",
            "--quiet", *extra]


def test_answer_streams_then_sources_are_listed(corpus: Path, tiny_bert_dir: Path, tmp_path: Path, use_echo,  # noqa: ANN001
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert ask.main(["how to parse json", *argv(corpus, tmp_path, tiny_bert_dir), "--k", "2"]) == 0
    out = capsys.readouterr().out
    # the echo generator repeats its prompt, which the chain cuts at the first source marker
    assert out.startswith("You are a careful programming assistant.") and "<<<SOURCE" not in out
    [prompt] = use_echo.prompts
    assert "<<<SOURCE [1]" in prompt and "<<<SOURCE [2]" in prompt and "<<<SOURCE [3]" not in prompt
    sources = out.split("Sources:")[1].strip().splitlines()
    assert len(sources) == 2 and sources[0].startswith("[1] corpus/") and "(score " in sources[0]


def test_generator_none_prints_sources_only(corpus: Path, tiny_bert_dir: Path, tmp_path: Path, use_echo,  # noqa: ANN001
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert ask.main(["read a file", *argv(corpus, tmp_path, tiny_bert_dir), "--generator", "none"]) == 0
    out = capsys.readouterr().out
    assert out.lstrip().startswith("Sources:") and out.count("(score") == 5
    assert use_echo.prompts == []
    # best first, checkable: each source shows the score that ordered it (here the hybrid fusion), then cosine and BM25
    shown = [re.search(r"\(score (-?[\d.]+): cosine [\d.]+, bm25 [\d.]+\)", line) for line in out.split("Sources:")[1].strip().splitlines()]
    assert all(shown), out
    scores = [float(m.group(1)) for m in shown]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(("question", "extra", "message"), [
    ("   ", [], "the question is empty"),
    ("\n\t \n", [], "the question is empty"),
    ("how to parse json " * 6000, [], "the question is 107,999 characters long; ask in at most 10,000"),
    ("q", ["--k", "0"], "k must be between 1 and 100, got 0"),
    ("q", ["--generator", "gpt9"], "unknown generator 'gpt9'"),
    ("q", ["--retriever", "lora_never_trained"], "has no run behind it"),
])
def test_bad_input_is_one_line_and_exit_2(question: str, extra: list[str], message: str, corpus: Path,
                                          tiny_bert_dir: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert ask.main([question, *argv(corpus, tmp_path, tiny_bert_dir), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and message in err and err.count("\n") == 1
    assert not (tmp_path / "db").exists()  # index untouched (never created)


def test_missing_and_empty_corpus(tiny_bert_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    loud = [a for a in argv(tmp_path / "nowhere", tmp_path, tiny_bert_dir) if a != "--quiet"]
    assert ask.main(["q", *loud, "--generator", "none"]) == 2
    err = capsys.readouterr().err
    assert "corpus path does not exist" in err and "building it" not in err  # said before anything else
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "logo.png").write_bytes(b"\x89PNG\x00")  # read as nothing
    (empty / ".env").write_text("SIGNING_KEY=abc\n")  # never read
    loud = [a for a in argv(empty, tmp_path, tiny_bert_dir) if a != "--quiet"]
    assert ask.main(["q", *loud, "--generator", "none"]) == 2
    err = capsys.readouterr().err
    assert "no code, documents or configuration to index" in err
    assert "skipped: 1 in no supported language, 1 secrets" in err  # every skip named, by reason
    assert "building it" not in err  # said only once something is found to build


def test_long_question_is_truncated_with_a_warning(corpus: Path, tiny_bert_dir: Path, tmp_path: Path, use_echo,  # noqa: ANN001
                                                   caplog: pytest.LogCaptureFixture) -> None:
    config = ask.AskConfig(question="parse json " * 400, corpus=[str(corpus)], persist=str(tmp_path / "db"),
                           retriever=str(tiny_bert_dir), generator="none", rerank="none")
    answer = ask.run(config, emit=lambda _: None)
    assert len(answer.sources) == 5
    assert "the retriever reads only the first 256" in caplog.text


def _train_tiny_run(corpus_file: Path, base: Path, out: Path, seed: int) -> None:
    train.run(train.TrainConfig(train=str(corpus_file), out=str(out), base=str(base), batch_size=2,
                                max_query_length=16, max_code_length=16, seed=seed, overwrite=True))


def test_index_of_another_retriever_is_refused_and_corrupt_adapter_named(
        corpus: Path, tiny_bert_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from data.miner import mine_tree
    from data.records import write_jsonl

    pairs = tmp_path / "pairs.jsonl"
    write_jsonl(mine_tree(corpus), pairs)
    run_dir = tmp_path / "runs" / "lora"
    _train_tiny_run(pairs, tiny_bert_dir, run_dir, seed=1)
    common = ["--corpus", str(corpus), "--persist", str(tmp_path / "db"), "--runs_dir", str(tmp_path / "runs"),
              "--generator", "none", "--rerank", "none", "--quiet"]
    assert ask.main(["q", "--retriever", "lora", *common]) == 0
    capsys.readouterr()
    _train_tiny_run(pairs, tiny_bert_dir, run_dir, seed=2)  # same name, different weights
    assert ask.main(["q", "--retriever", "lora", *common]) == 2
    err = capsys.readouterr().err
    assert "was built with retriever 'lora' (fingerprint" in err and "not 'lora' (fingerprint" in err
    config_path = run_dir / "adapter" / "adapter_config.json"
    config_path.write_text(json.dumps({**json.loads(config_path.read_text()), "r": "eight"}))
    assert ask.main(["q", "--retriever", "lora", *common]) == 2
    assert "corrupt" in capsys.readouterr().err


@pytest.mark.allow_hosts(["127.0.0.1"])  # a real refused connection, not the socket blocker
def test_unreachable_endpoint(corpus: Path, tiny_bert_dir: Path, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    code = ask.main(["q", *argv(corpus, tmp_path, tiny_bert_dir), "--generator", "openai:some-model",
                     "--base_url", "http://127.0.0.1:9/v1"])
    assert code == 2
    err = capsys.readouterr().err
    assert "error: nothing answers at http://127.0.0.1:9/v1" in err and err.count("\n") == 1


class ScriptedGenerator:
    """Streams one fixed answer, whatever the prompt."""

    name = "scripted"
    context_window = 4096

    def __init__(self, answer: str) -> None:
        self.answer = answer

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(self, prompt: str, *, max_new_tokens: int, stop=()):  # noqa: ANN001, ANN201, ARG002
        yield from (word + " " for word in self.answer.split(" "))


@pytest.mark.parametrize(("answer", "unverified", "why"), [
    ("Use `jsonish.parse_yaml` [1] to read it.", "jsonish.parse_yaml", "uses names the sources do not have"),
    ("Use `jsonish.parse_json` [1] to read it.", None, None),
    ("parse it parse it parse it parse it parse it parse it parse it parse it parse it", None,
     "started repeating itself"),
])
def test_the_review_follows_the_answer(answer: str, unverified: str | None, why: str | None, corpus: Path,
                                       tiny_bert_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """`rag.ask` prints the unknown names of an answer and, when it fails review, the extractive answer."""
    monkeypatch.setattr(opening, "load_generator", lambda spec, options: ScriptedGenerator(answer))
    assert ask.main(["how to parse json", *argv(corpus, tmp_path, tiny_bert_dir), "--k", "2"]) == 0
    printed = capsys.readouterr().out.split("Sources:")[0]
    if unverified is None:
        assert "unverified:" not in printed
    else:
        assert f"unverified: {unverified} (in neither the sources nor the indexed corpus)" in printed
    if why is None:
        assert "From the sources:" not in printed
        return
    assert f"The generated answer {why}; here is what the sources say instead." in printed
    fallback = printed.split("instead.")[1].strip().splitlines()
    assert fallback[0] == "From the sources:" and len(fallback) == 3  # the two sources, each a line
    assert fallback[1].startswith("- `") and "[1]" in fallback[1] and "[2]" in fallback[2]


def test_bad_retriever_or_corpus_is_refused_before_any_model_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The generator's first load converts Gemma for minutes: a question that cannot be answered fails first."""
    from rag import opening

    def no_model(*args: object, **kwargs: object) -> None:
        msg = "a model was loaded for a question that fails on its options"
        raise AssertionError(msg)

    monkeypatch.setattr(opening, "load_generator", no_model)
    common = ["--persist", str(tmp_path / "db"), "--quiet", "--runs_dir", str(tmp_path / "runs")]
    assert ask.main(["q", "--retriever", "lora_never_trained", *common]) == 2
    assert "has no run behind it" in capsys.readouterr().err
    assert ask.main(["q", "--corpus", str(tmp_path / "nowhere"), *common]) == 2
    assert "corpus path does not exist" in capsys.readouterr().err

"""End to end with the real default models (MiniLM retriever, packaged Gemma 3 270M) on a real corpus."""

import json
import os
from pathlib import Path

import pytest

from rag import ask


@pytest.mark.e2e
def test_ask_how_to_parse_json_cites_json_loads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = os.path.dirname(json.__file__)
    code = ask.main(["how to parse json", "--corpus", corpus, "--persist", str(tmp_path / "db"),
                     "--max_new_tokens", "40", "--quiet"])
    assert code == 0
    out = capsys.readouterr().out
    answer, sources = out.split("Sources:")
    assert answer.strip(), "the generator produced nothing"
    cited = [line.split()[2] for line in sources.strip().splitlines()]
    assert {"loads", "load"} & set(cited), cited

"""End to end with the real default models (MiniLM retriever, packaged Gemma 3 270M) on a real corpus."""

import json
import os
from pathlib import Path

import pytest

from rag import ask


@pytest.mark.e2e
def test_ask_json_question_cites_json_load(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The literal "how to parse json" ranks JSONDecoder methods above load/loads with the frozen MiniLM
    # (see bench/howto_retrieval.py); this question checks the pipeline, not that open ranking problem.
    corpus = os.path.dirname(json.__file__)
    code = ask.main(["read a JSON file into a Python object", "--corpus", corpus, "--persist", str(tmp_path / "db"),
                     "--max_new_tokens", "40", "--quiet"])
    assert code == 0
    out = capsys.readouterr().out
    answer, sources = out.split("Sources:")
    assert answer.strip(), "the generator produced nothing"
    cited = [line.split()[2] for line in sources.strip().splitlines()]
    assert {"loads", "load"} & set(cited), cited

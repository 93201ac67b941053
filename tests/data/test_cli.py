"""`python -m data.mine` and `python -m data.stats` through their entry points."""

from pathlib import Path

import pytest

from data import mine, stats
from data.records import read_jsonl


def test_mine_then_stats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = tmp_path / "src"
    tree.mkdir()
    for i in range(20):
        (tree / f"m{i}.py").write_text(f'def f{i}(x):\n    """Return x plus {i} for the caller."""\n    return x + {i}\n')
    out = tmp_path / "corpus.jsonl"
    assert mine.main([str(tree), "--out", str(out), "--split", "0.6,0.2,0.2", "--quiet"]) == 0
    assert len(list(read_jsonl(out))) == 20
    split_total = sum(len(list(read_jsonl(tmp_path / f"corpus.{s}.jsonl"))) for s in ("train", "valid", "test"))
    assert split_total == 20
    assert "wrote 20 records" in capsys.readouterr().out
    assert stats.main([str(out), "--quiet"]) == 0
    assert "python" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "message"), [
    (["--out", "x.jsonl"], "give at least one PATH"),
    (["/definitely/not/here", "--out", "x.jsonl"], "corpus path does not exist: /definitely/not/here"),
    (["tests", "--out", "x.jsonl", "--languages", "cobol"], "unknown language(s) ['cobol']"),
    (["tests", "--out", "x.jsonl", "--split", "0.9,0.9"], "three fractions"),
])
def test_mine_bad_input(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert mine.main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("error:") and "Traceback" not in err


def test_stats_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert stats.main(["/no/such.jsonl"]) == 2
    assert "no such data file" in capsys.readouterr().err

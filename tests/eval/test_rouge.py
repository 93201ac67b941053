"""eval.rouge: ROUGE equals rouge-score's, bootstrap properties, cache and resume, `none` has no context."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from rouge_score import rouge_scorer

from data.records import Record, write_jsonl
from eval import rouge
from eval.answer_metrics import bootstrap_ci, paired_bootstrap_ci, rouge_f1
from retriever_finetune import train
from tests.rag.conftest import EchoGenerator


def test_rouge_equals_rouge_score_on_fixed_strings() -> None:
    reference, prediction = "the cat sat on the mat", "the cat lay on a mat"
    ours = rouge_f1(reference, prediction)
    theirs = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"]).score(reference, prediction)
    assert ours == {k: pytest.approx(v.fmeasure) for k, v in theirs.items()}
    # hand-worked: unigram overlap the, cat, on, mat = 4 of 6 each side → F1 = 4/6
    assert ours["rouge1"] == pytest.approx(4 / 6)
    # punctuation is dropped: reference tokens return/json/loads/s; P = 1, R = 1/2; one of three bigrams
    assert rouge_f1("return json.loads(s)", "json loads") == pytest.approx(
        {"rouge1": 2 / 3, "rouge2": 0.5, "rougeL": 2 / 3})
    assert rouge_f1("", "anything")["rouge1"] == 0.0


def test_bootstrap_covers_the_mean_narrows_with_n_and_is_seeded() -> None:
    rng = np.random.default_rng(0)
    widths = []
    for n in (20, 200, 2000):
        values = rng.random(n)
        mean, low, high = bootstrap_ci(values, seed=1)
        assert low <= mean <= high and mean == pytest.approx(values.mean())
        widths.append(high - low)
    assert widths[0] > widths[1] > widths[2]
    values = rng.random(50)
    assert bootstrap_ci(values, seed=3) == bootstrap_ci(values, seed=3)
    difference, low, high = paired_bootstrap_ci(values + 0.1, values)
    assert difference == pytest.approx(0.1) and low == pytest.approx(0.1) and high == pytest.approx(0.1)


@pytest.fixture
def split(tmp_path: Path) -> Path:
    words = ["json", "file", "sort", "hash", "zip", "url"]
    rows = [Record(repo="r", path=f"m{i}.py", func_name=f"f{i}", language="python",
                   code=f"def {words[i % 6]}_{i}(x):\n    return {words[i % 6]}(x)",
                   docstring=f"Handle {words[i % 6]} case {i}.") for i in range(12)]
    path = tmp_path / "test.jsonl"
    write_jsonl(rows, path)
    return path


@pytest.fixture
def echo(monkeypatch: pytest.MonkeyPatch) -> EchoGenerator:
    generator = EchoGenerator()
    monkeypatch.setattr(rouge, "load_generator", lambda spec, options: generator)
    return generator


def argv(split: Path, tmp_path: Path, base: Path, *extra: str) -> list[str]:
    return ["--data", str(split), "--base", str(base), "--out", str(tmp_path / "report"), "--cache_dir",
            str(tmp_path / "cache"), "--persist", str(tmp_path / "db"), "--max_new_tokens", "400", "--rerank", "none", "--quiet", *extra]


def test_report_cache_and_none_has_no_context(split: Path, tiny_bert_dir: Path, tmp_path: Path,
                                              echo: EchoGenerator, capsys: pytest.CaptureFixture[str]) -> None:
    assert rouge.main(argv(split, tmp_path, tiny_bert_dir, "--retriever", "none", "base", "--k", "2")) == 0
    assert len(echo.prompts) == 24
    none_prompts, base_prompts = echo.prompts[:12], echo.prompts[12:]
    assert all("SOURCE" not in p and "reference code" not in p for p in none_prompts)
    assert all(p.count("<<<SOURCE [") == 2 for p in base_prompts)
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    base_label = report["reference"]
    assert base_label.endswith("(frozen)") and report["summary"]["none"]["hit_rate"] is None
    assert 0 <= report["summary"][base_label]["hit_rate"] <= 1
    assert set(report["paired_differences"]) == {"none"}
    for stats in report["summary"][base_label].values():
        if isinstance(stats, dict):
            assert stats["low"] <= stats["mean"] <= stats["high"]
    out = capsys.readouterr().out
    assert "Paired difference against the frozen base" in out and (tmp_path / "report" / "rouge.png").is_file()

    echo.prompts.clear()
    assert rouge.main(argv(split, tmp_path, tiny_bert_dir, "--retriever", "none", "base", "--k", "2")) == 0
    assert echo.prompts == []  # everything came from the cache


def test_interrupted_run_resumes(split: Path, tiny_bert_dir: Path, tmp_path: Path, echo: EchoGenerator) -> None:
    real_stream = echo.stream

    def flaky(prompt: str, *, max_new_tokens: int, stop=()):  # noqa: ANN001, ANN202
        if len(echo.prompts) == 5:
            raise KeyboardInterrupt
        return real_stream(prompt, max_new_tokens=max_new_tokens, stop=stop)

    echo.stream = flaky  # type: ignore[method-assign]
    assert rouge.main(argv(split, tmp_path, tiny_bert_dir, "--retriever", "none")) == 130
    echo.stream = real_stream  # type: ignore[method-assign]
    echo.prompts.clear()
    assert rouge.main(argv(split, tmp_path, tiny_bert_dir, "--retriever", "none")) == 0
    assert len(echo.prompts) == 7  # 5 were cached before the interruption


@pytest.mark.parametrize(("content", "extra", "message"), [
    (None, ["--retriever", "lora"], "has no run behind it"),
    ('{"question": "q1", "reference": "r1"}\n{"question": "q2"}\n', ["--corpus", "CORPUS"], "2: missing or empty"),
    ('{"question": "q1", "reference": "r1"}\n', [], "pass --corpus"),
    ('{"question": "q1", "reference": "r1"}\n', ["--corpus", "EMPTY"], "holds no records"),
    (None, ["--batch_size", "0"], "and --batch_size must be positive"),
])
def test_bad_input(content: str | None, extra: list[str], message: str, split: Path, tiny_bert_dir: Path,
                   tmp_path: Path, echo: EchoGenerator, capsys: pytest.CaptureFixture[str]) -> None:
    data = split
    if content is not None:
        data = tmp_path / "qa.jsonl"
        data.write_text(content)
    (tmp_path / "empty.jsonl").write_text("")
    extra = [{"CORPUS": str(split), "EMPTY": str(tmp_path / "empty.jsonl")}.get(x, x) for x in extra]
    assert rouge.main(argv(data, tmp_path, tiny_bert_dir, "--runs_dir", str(tmp_path / "runs"), *extra)) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and echo.prompts == []


def test_rerank_reorders_sources_and_gets_its_own_cache(split: Path, tiny_bert_dir: Path, tiny_gpt2_dir: Path,
                                                         tmp_path: Path, echo: EchoGenerator) -> None:
    assert rouge.main(argv(split, tmp_path, tiny_bert_dir, "--retriever", "base", "--k", "2")) == 0
    plain = list(echo.prompts)
    echo.prompts.clear()
    assert rouge.main(argv(split, tmp_path, tiny_bert_dir, "--retriever", "base", "--k", "2",
                           "--rerank", f"hf:{tiny_gpt2_dir}")) == 0
    assert len(echo.prompts) == 12, "only the reranked row is new; the plain one comes from the cache"
    assert echo.prompts != plain and all(p.count("<<<SOURCE [") == 2 for p in echo.prompts)
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert report["rerank"] == f"hf:{tiny_gpt2_dir}"
    [plain_label, reranked_label] = report["summary"]
    assert reranked_label == f"{plain_label} + rerank hf:{tiny_gpt2_dir}"
    assert set(report["paired_differences"]) == {reranked_label}  # paired against the unreranked retriever


def test_no_data_means_the_standard_library_test_split_and_a_missing_run_names_its_command(
        tiny_bert_dir: Path, tmp_path: Path, echo: EchoGenerator, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    library = tmp_path / "library"  # stands in for the standard library: 20 documented functions in 10 files
    library.mkdir()
    for i in range(10):
        (library / f"mod{i}.py").write_text("".join(
            f'def f{i}_{j}(x):\n    """Do thing {j} of module {i}."""\n    return x + {i * 10 + j}\n\n' for j in range(2)))
    monkeypatch.setattr(rouge, "SPLITS_DIR", tmp_path / "splits")
    monkeypatch.setattr(rouge, "default_corpus", lambda: [str(library)])
    monkeypatch.chdir(tmp_path)
    common = ["--base", str(tiny_bert_dir), "--quiet", "--max_new_tokens", "8", "--rerank", "none"]

    assert rouge.main(["--retriever", "lora", *common]) == 2
    error = capsys.readouterr().err
    train_split = tmp_path / "splits" / f"stdlib-py{sys.version_info.major}.{sys.version_info.minor}.train.jsonl"
    command = (f"python -m retriever_finetune.train --base {tiny_bert_dir} --method lora --document code "
               f"--train docstrings:{train_split} --out runs/lora")
    assert error.strip() == f"error: retriever 'lora': runs/lora does not exist; train it with `{command}`"
    assert train.main([*command.split()[3:], "--epochs", "1", "--batch_size", "4", "--quiet"]) == 0  # as printed
    assert rouge.main(["--retriever", "lora", *common]) == 0

    assert rouge.main(["--retriever", "none", "base", *common]) == 0
    report = json.loads((tmp_path / "reports" / "rouge" / "report.json").read_text())
    test_split = train_split.with_name(train_split.name.replace(".train.", ".test."))
    assert report["data"] == str(test_split)
    test_questions = [json.loads(line)["docstring"] for line in test_split.read_text().splitlines()]
    assert 0 < len(test_questions) < 20 and len(echo.prompts) == 3 * len(test_questions)  # lora, none, base
    assert all(any(q in prompt for prompt in echo.prompts) for q in test_questions)


@pytest.mark.parametrize(("device", "precision", "expected"), [
    # the strings cached answers were keyed with while one precision policy held every phase (by hand, from it)
    ("cpu", "auto", "|bf16=decode_batch,encode,prefill,rerank,train"),
    ("cpu", "bf16", "|bf16=decode,decode_batch,encode,encode_one,prefill,rerank,train"),
    ("cuda", "auto", "|bf16=decode,decode_batch,encode,encode_one,prefill,rerank,train"),
    ("cpu", "float32", ""),
])
def test_the_bf16_part_of_the_cache_key_is_the_one_cached_answers_were_written_under(
        device: str, precision: str, expected: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from rag.generation.precision import resolve_generation_precision
    from retriever_finetune import precision as precision_module

    monkeypatch.setattr(precision_module, "has_native_bf16", lambda device: True)

    class Generator:
        pass

    generator = Generator()
    generator.precision = resolve_generation_precision(precision, device)
    config = rouge.RougeConfig.__new__(rouge.RougeConfig)
    config.precision = precision
    assert rouge._bf16_key(config, generator) == expected

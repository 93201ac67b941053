"""Training sources (kinds, weights, served document format), batching, and query-side training."""

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch

from data.cli import InputError
from data.records import Record, write_jsonl
from retriever_finetune import train
from retriever_finetune.batches import Pair, epoch_batches, epoch_indices
from retriever_finetune.models import load_backbone, load_encoder
from retriever_finetune.sources import TrainingSource, load_training_data, source_pairs

WORDS = ["json", "file", "path", "sort", "hash", "date", "socket", "regex", "zip", "csv", "url", "thread"]


@pytest.fixture(scope="module")
def records_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = [Record(repo="r", path=f"m{i}.py", func_name=f"f{i}", language="python",
                   code=f"def handle_{WORDS[i % 12]}_{i}(x):\n    return {WORDS[(i * 5) % 12]}(x, {i})",
                   docstring=f"Return the {WORDS[i % 12]} of input number {i}.") for i in range(48)]
    path = tmp_path_factory.mktemp("records") / "train.jsonl"
    write_jsonl(rows, path)
    return path


@pytest.fixture(scope="module")
def pairs_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = []
    for i in range(24):
        rows.append({"doc": f"how to {WORDS[i % 12]} things {i}", "code": f"{WORDS[i % 12]}.run({i})", "label": 1})
        rows.append({"doc": f"how to {WORDS[i % 12]} things {i}", "code": f"print({i})", "label": 0})
    path = tmp_path_factory.mktemp("pairs") / "pairs.json"
    path.write_text(json.dumps(rows))
    return path


@pytest.mark.parametrize(("entry", "kind", "path", "weight"), [
    ("questions:a/b.jsonl@2", "questions", "a/b.jsonl", 2.0),
    ("pairs:staqc.json@0.5", "pairs", "staqc.json", 0.5),
    ("corpus.jsonl", "docstrings", "corpus.jsonl", 1.0),
    ("docstrings:me@host.jsonl", "docstrings", "me@host.jsonl", 1.0),
])
def test_source_entries_parse(entry: str, kind: str, path: str, weight: float) -> None:
    assert TrainingSource.parse(entry) == TrainingSource(kind, path, weight)  # type: ignore[arg-type]


@pytest.mark.parametrize(("entry", "message"), [
    ("tweets:x.json", "unknown source kind 'tweets'"), ("pairs:x.json@0", "must be positive"),
    ("questions:", "no path after"),
])
def test_bad_source_entries(entry: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        TrainingSource.parse(entry)


def test_each_kind_gives_its_pairs_in_the_served_format(records_file: Path, pairs_file: Path) -> None:
    docstrings = source_pairs(TrainingSource("docstrings", str(records_file)), document="docstring+code")
    assert docstrings[0] == Pair("Return the json of input number 0.", "def handle_json_0(x):\n    return json(x, 0)")
    questions = source_pairs(TrainingSource("questions", str(records_file)), document="docstring+code")
    first = questions[0]
    assert "json of input number 0" in first.text and first.text != docstrings[0].text
    assert first.code == "Return the json of input number 0.\ndef handle_json_0(x):\n    return json(x, 0)"
    as_code = source_pairs(TrainingSource("questions", str(records_file)), document="code")
    assert as_code[0].code == docstrings[0].code
    labelled = source_pairs(TrainingSource("pairs", str(pairs_file)), document="docstring+code")
    assert labelled[3] == Pair("how to sort things 3", "sort.run(3)", ("print(3)",))


def test_weights_draw_pairs_per_epoch(records_file: Path, pairs_file: Path) -> None:
    data = load_training_data([f"docstrings:{records_file}@0.5", f"pairs:{pairs_file}@2"], document="code")
    assert data.sizes == [48, 24] and data.weights == [0.5, 2.0]
    drawn = Counter(epoch_indices(data.sizes, data.weights, seed=0, epoch=0))
    assert sum(drawn[i] for i in range(48)) == 24 and all(drawn[i] <= 1 for i in range(48))
    assert all(drawn[48 + i] == 2 for i in range(24))
    assert epoch_indices(data.sizes, data.weights, seed=0, epoch=1) != epoch_indices(data.sizes, data.weights,
                                                                                      seed=0, epoch=0)


def test_batches_hold_no_repeated_text_code_or_negative_and_are_reproducible() -> None:
    pairs = [Pair(f"q{i % 7}", f"c{i}", (f"c{(i + 1) % 40}",)) for i in range(40)]
    batches = epoch_batches(pairs, 5, seed=1, epoch=0, weights=[2.0], sizes=[40])
    for batch in batches:
        texts = [t for i in batch for t in (pairs[i].text, pairs[i].code, *pairs[i].negatives)]
        assert len(texts) == len(set(texts)) and 1 < len(batch) <= 5
    used = Counter(i for batch in batches for i in batch)
    assert sum(used.values()) >= 70  # 80 drawn; only pairs that clash with 5 batches in a row are dropped
    assert batches == epoch_batches(pairs, 5, seed=1, epoch=0, weights=[2.0], sizes=[40])


def test_repeated_questions_wait_for_a_later_batch_instead_of_being_lost() -> None:
    # 50,000 pairs, every question asked twice (as StaQC questions with several answers): both copies train
    pairs = [Pair(f"question {i % 25_000}", f"code {i}") for i in range(50_000)]
    batches = epoch_batches(pairs, 64, seed=0, epoch=0)
    assert sorted(i for batch in batches for i in batch) == list(range(50_000))


def test_query_tower_training_leaves_code_vectors_frozen(records_file: Path, tiny_bert_dir: Path,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "run"
    train.run(train.TrainConfig(train=[f"questions:{records_file}"], out=str(out), base=str(tiny_bert_dir),
                                towers="query", batch_size=8, max_query_length=32, max_code_length=32,
                                learning_rate=5e-2, seed=3))
    assert json.loads((out / "adapter" / "towers.json").read_text()) == {"towers": "query"}
    tuned = load_encoder(str(out), device="cpu")
    frozen = load_encoder(str(tiny_bert_dir), device="cpu")
    codes = ["def handle_json_0(x):\n    return json(x, 0)", "def f(): pass"]
    np.testing.assert_allclose(tuned.encode_code(codes), frozen.encode_code(codes), atol=1e-6)
    questions = ["python get json of input", "sort a list"]
    assert not np.allclose(tuned.encode_queries(questions), frozen.encode_queries(questions), atol=1e-3)
    # independent reference for the code side: the plain backbone, mean pooled by hand
    backbone = load_backbone(str(tiny_bert_dir))
    batch = backbone.tokenizer(codes[:1], return_tensors="pt", truncation=True, max_length=32)
    with torch.no_grad():
        hidden = backbone.model(**batch).last_hidden_state[0]
    expected = torch.nn.functional.normalize(hidden.mean(0), dim=0).numpy()
    np.testing.assert_allclose(tuned.encode_code(codes[:1])[0], expected, atol=1e-5)


def test_query_towers_need_a_switchable_adapter(records_file: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not 'prompt'"):
        train.TrainConfig(train=[str(records_file)], out=str(tmp_path), method="prompt", towers="query")


def test_train_option_takes_a_saved_dataset(tmp_path: Path) -> None:
    import datasets

    from tests.data.test_local_datasets import HUB_ROWS

    datasets.Dataset.from_list(HUB_ROWS).save_to_disk(str(tmp_path / "csn"))
    data = load_training_data([f"docstrings:{tmp_path / 'csn'}"], document="code")
    assert [(p.text, p.code) for p in data.pairs] == [("Sends a GET.", "def get(url):\n    return request('get', url)"),
                                                       ("Sends a POST.", "def post(url): ...")]

"""`python -m retriever_finetune.train`: run folder, resume after a kill, NaN guard, bad input."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from peft import PeftModel
from safetensors.torch import load_file
from transformers import AutoTokenizer

from data.records import Record, write_jsonl
from retriever_finetune import train
from retriever_finetune.models import load_backbone, load_encoder
from retriever_finetune.train import TrainConfig

WORDS = ["json", "file", "path", "sort", "hash", "date", "socket", "regex", "zip", "csv", "url", "thread"]


@pytest.fixture(scope="module")
def pairs_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = [Record(repo="r", path=f"m{i}.py", func_name=f"f{i}", language="python" if i % 4 else "go",
                   code=f"def handle_{WORDS[i % 12]}_{i}(x):\n    return {WORDS[(i * 5) % 12]}(x, {i})",
                   docstring=f"Handle the {WORDS[i % 12]} input number {i}.") for i in range(48)]
    path = tmp_path_factory.mktemp("pairs") / "train.jsonl"
    write_jsonl(rows, path)
    return path


def config(pairs_file: Path, out: Path, **overrides: object) -> TrainConfig:
    values = {"train": str(pairs_file), "out": str(out), "batch_size": 8, "epochs": 2, "max_query_length": 32,
              "max_code_length": 32, "checkpoint_every": 2, "seed": 3}
    return TrainConfig(**{**values, **overrides})


def adapter_weights(out: Path) -> dict[str, torch.Tensor]:
    return load_file(out / "adapter" / "adapter_model.safetensors")


def test_run_folder_is_complete_and_loadable(pairs_file: Path, tiny_bert_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = train.run(config(pairs_file, out, base=str(tiny_bert_dir), valid=str(pairs_file)))
    assert {p.name for p in out.iterdir()} == {"adapter", "config.json", "metrics.json", "README.md"}
    metrics = json.loads((out / "metrics.json").read_text())
    trainable = sum(t.numel() for t in adapter_weights(out).values())  # counted from the saved file
    total = sum(p.numel() for p in load_backbone(str(tiny_bert_dir)).model.parameters()) + trainable
    assert (metrics["parameters"]["trainable"], metrics["parameters"]["total"]) == (trainable, total)
    assert metrics["parameters"]["trainable_percent"] == pytest.approx(100 * trainable / total)
    assert result.out == out
    assert len(metrics["loss"]) == metrics["steps"] == 12  # 48 pairs / 8 x 2 epochs
    assert len(metrics["valid_mrr"]) == 3  # before training and after each epoch
    assert 0 < metrics["parameters"]["trainable_percent"] < 100 and metrics["peak_memory_mb"] > 0
    assert "trainable parameters" in (out / "README.md").read_text()
    saved = json.loads((out / "config.json").read_text())
    assert saved["config"]["method"] == "lora" and "torch" in saved["versions"]
    # loadable by our entry point (run folder alone) and by plain peft, to the same vector: mean pooling by hand
    ours = load_encoder(str(out), device="cpu", precision="float32").encode_code(["def f(): pass"])
    plain = PeftModel.from_pretrained(load_backbone(str(tiny_bert_dir)).model, str(out / "adapter")).eval()
    batch = AutoTokenizer.from_pretrained(tiny_bert_dir)(["def f(): pass"], return_tensors="pt")
    with torch.inference_mode():
        hidden = plain(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    by_hand = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).numpy()
    np.testing.assert_allclose(ours, by_hand, atol=1e-5)
    assert float(np.abs(ours - load_encoder(str(tiny_bert_dir), device="cpu",
                                           precision="float32").encode_code(["def f(): pass"])).max()) > 1e-4


@pytest.mark.parametrize("method", ["lora", "adalora"])
def test_resume_after_a_kill_matches_an_uninterrupted_run(pairs_file: Path, tiny_bert_dir: Path, tmp_path: Path,
                                                          method: str) -> None:
    reference = tmp_path / "reference"
    train.run(config(pairs_file, reference, base=str(tiny_bert_dir), method=method))

    killed = tmp_path / "killed"

    def die_at_step_5(step: int) -> None:
        if step == 5:
            msg = "simulated crash"
            raise RuntimeError(msg)  # not KeyboardInterrupt: no save on the way out

    with pytest.raises(RuntimeError, match="simulated crash"):
        train.run(config(pairs_file, killed, base=str(tiny_bert_dir), method=method), on_step=die_at_step_5)
    assert (killed / "checkpoints" / "step-00000004").is_dir() and not (killed / "metrics.json").exists()
    train.run(config(pairs_file, killed, base=str(tiny_bert_dir), method=method, resume=True))

    expected, resumed = adapter_weights(reference), adapter_weights(killed)
    assert expected.keys() == resumed.keys()
    for name in expected:
        torch.testing.assert_close(resumed[name], expected[name], rtol=1e-5, atol=1e-6)
    assert json.loads((killed / "metrics.json").read_text())["loss"] == pytest.approx(
        json.loads((reference / "metrics.json").read_text())["loss"], rel=1e-5)


def test_ctrl_c_saves_a_checkpoint_at_the_current_step(pairs_file: Path, tiny_bert_dir: Path, tmp_path: Path) -> None:
    def interrupt(step: int) -> None:
        if step == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train.run(config(pairs_file, tmp_path / "run", base=str(tiny_bert_dir)), on_step=interrupt)
    assert (tmp_path / "run" / "checkpoints" / "step-00000003" / "state.pt").is_file()


def test_nan_loss_stops_without_saving(pairs_file: Path, tiny_bert_dir: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    code = train.main(["--train", str(pairs_file), "--out", str(out), "--base", str(tiny_bert_dir),
                       "--temperature", "1e-45", "--batch_size", "8", "--quiet"])
    assert code == 2
    assert "training diverged" in capsys.readouterr().err
    assert not (out / "adapter").exists() and not (out / "metrics.json").exists()


@pytest.mark.parametrize(("make_file", "extra", "message"), [
    (lambda p: p.write_text(""), [], "holds no records"),
    (lambda p: p.write_text('{"code": "x", "docstring": "y"}\n{broken\n'), [], "train.jsonl:2: not valid JSON"),
    (None, ["--method", "bitfit"], "invalid choice: 'bitfit'"),
    (None, ["--language", "cobol"], "no records for cobol"),
    (None, ["--batch_size", "1"], "at least 2"),
])
def test_bad_input(make_file: object, extra: list[str], message: str, pairs_file: Path, tmp_path: Path,
                   capsys: pytest.CaptureFixture[str]) -> None:
    data = pairs_file
    if make_file is not None:
        data = tmp_path / "train.jsonl"
        make_file(data)  # type: ignore[operator]
    code = train.main(["--train", str(data), "--out", str(tmp_path / "out"), *extra])
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_out_folder_with_another_run_is_refused_unless_overwrite(pairs_file: Path, tiny_bert_dir: Path,
                                                                  tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    common = ["--train", str(pairs_file), "--out", str(out), "--base", str(tiny_bert_dir), "--batch_size", "8",
              "--max_query_length", "32", "--max_code_length", "32", "--quiet"]
    assert train.main(common) == 0
    assert train.main([*common, "--method", "ia3"]) == 2
    assert "already holds a different run (differs in method)" in capsys.readouterr().err
    assert train.main(common) == 2
    assert "already holds this finished run" in capsys.readouterr().err
    assert train.main([*common, "--method", "ia3", "--overwrite"]) == 0
    assert json.loads((out / "metrics.json").read_text())["method"] == "ia3"


def crashed_run(pairs_file: Path, tiny_bert_dir: Path, out: Path, *, crash_at: int) -> list[str]:
    """A run killed at step `crash_at` (checkpoints every 2 steps), and the command line that resumes it."""
    def die(step: int) -> None:
        if step == crash_at:
            msg = "simulated crash"
            raise RuntimeError(msg)

    with pytest.raises(RuntimeError, match="simulated crash"):
        train.run(config(pairs_file, out, base=str(tiny_bert_dir)), on_step=die)
    return ["--train", str(pairs_file), "--out", str(out), "--base", str(tiny_bert_dir), "--batch_size", "8",
            "--epochs", "2", "--max_query_length", "32", "--max_code_length", "32", "--checkpoint_every", "2",
            "--seed", "3", "--resume"]


def test_a_corrupt_checkpoint_on_resume_is_named_and_nothing_is_deleted(pairs_file: Path, tiny_bert_dir: Path,
                                                                       tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    argv = crashed_run(pairs_file, tiny_bert_dir, out, crash_at=5)
    newest, previous = out / "checkpoints" / "step-00000004", out / "checkpoints" / "step-00000002"
    state = newest / "state.pt"
    state.write_bytes(state.read_bytes()[: state.stat().st_size // 2])  # a half-written file, as a full disk leaves
    assert train.main(argv) == 2
    err = capsys.readouterr().err
    assert f"checkpoint {state} is corrupt" in err and f"the previous checkpoint {previous} is kept" in err
    assert (previous / "state.pt").is_file() and state.is_file() and not (out / "metrics.json").exists()
    shutil.rmtree(newest)  # what the message says to do: the run continues from the previous checkpoint
    assert train.main(argv) == 0
    assert json.loads((out / "metrics.json").read_text())["steps"] == 12


def test_adalora_final_allocation_keeps_its_budget(pairs_file: Path, tiny_bert_dir: Path, tmp_path: Path) -> None:
    """The closing `update_and_allocate(total_steps)` (after the last `zero_grad`) re-applies the rank pattern fixed
    at `total_step - tfinal`; it does not mask the adapter to nothing (issue 12's question)."""
    out = tmp_path / "run"
    train.run(config(pairs_file, out, base=str(tiny_bert_dir), method="adalora", epochs=4, learning_rate=1e-2,
                     adalora_init_r=8, adalora_target_r=6))
    weights = adapter_weights(out)
    singular = torch.cat([w.flatten() for name, w in weights.items() if "lora_E" in name])
    kept = int((singular != 0).sum())
    per_module, modules = 8, sum("lora_E" in name for name in weights)  # init_r 8 per adapted matrix
    assert 0 < kept < per_module * modules  # pruned towards target_r 6 on average, not to zero
    assert kept == 6 * modules  # measured: 24 of 32 with 4 adapted matrices, exactly the target budget
    code = ["def handle_json_1(x):\n    return hash(x, 1)"]
    tuned = load_encoder(str(out), device="cpu").encode_code(code)
    frozen = load_encoder(str(tiny_bert_dir), device="cpu").encode_code(code)
    assert float(abs(tuned - frozen).max()) > 1e-3  # the saved adapter changes the embedding


class _Payload:
    """What a hostile checkpoint carries: unpickling it would create a file (run code)."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):  # noqa: ANN204
        return (open, (self.marker, "w"))


def test_a_checkpoint_holding_a_pickle_is_not_loaded(pairs_file: Path, tiny_bert_dir: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A run folder from someone else: resuming it must not unpickle what it holds."""
    import torch

    out = tmp_path / "run"
    argv = crashed_run(pairs_file, tiny_bert_dir, out, crash_at=3)
    state = out / "checkpoints" / "step-00000002" / "state.pt"
    saved = torch.load(state, weights_only=True)  # a checkpoint this version wrote loads weights-only
    marker = tmp_path / "code-ran"
    torch.save({**saved, "extra": {"payload": _Payload(str(marker))}}, state)
    assert train.main(argv) == 2
    assert not marker.exists()
    assert f"checkpoint {state} is not loaded (it holds Python objects" in capsys.readouterr().err

"""Two real training processes on CPU (`accelerate launch`, gloo) train exactly what one process trains.

`accelerate launch --cpu --num_processes 2` starts one process unless MPI is installed (accelerate 1.x hands CPU
multi-process runs to `mpirun`); `--multi_gpu` on a machine without a GPU runs torchrun's processes, which
`Accelerator(cpu=True)` joins in a gloo group (DistributedType.MULTI_CPU).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from transformers import BertConfig, BertModel

from retriever_finetune import train

WORDS = ["json", "file", "path", "sort", "hash", "date", "socket", "regex", "zip", "csv", "url", "thread"]


@pytest.fixture(scope="module")
def still_bert_dir(tmp_path_factory: pytest.TempPathFactory, tokenizer) -> Path:
    """A tiny BERT without dropout: one and two processes must see the same function."""
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=37, initializer_range=0.3, hidden_dropout_prob=0.0,
                        attention_probs_dropout_prob=0.0)
    folder = tmp_path_factory.mktemp("still_bert")
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def labelled_pairs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """21 questions (batches of 8, 8 and 5: uneven shards), every third with a hard negative."""
    rows = []
    for i in range(21):
        question = f"how to {WORDS[i % 12]} the {WORDS[(i * 7) % 12]} number {i}"
        rows.append({"doc": question, "code": f"def {WORDS[i % 12]}_{i}(x):\n    return {WORDS[(i * 5) % 12]}(x)",
                     "label": 1})
        if i % 3 == 0:
            rows.append({"doc": question, "code": f"def wrong_{i}():\n    pass", "label": 0})
    path = tmp_path_factory.mktemp("labelled") / "pairs.json"
    path.write_text(json.dumps(rows))
    return path


def arguments(pairs: Path, base: Path, out: Path, batch_size: int = 8) -> list[str]:
    return ["-m", "retriever_finetune.train", "--train", f"pairs:{pairs}", "--base", str(base), "--out", str(out),
            "--batch_size", str(batch_size), "--epochs", "2", "--lora_dropout", "0", "--max_query_length", "32",
            "--max_code_length", "32", "--seed", "3", "--device", "cpu", "--learning_rate", "0.01", "--quiet",
            "--precision", "float32"]  # float32: the shards' sums must match the whole batch's to 1e-4


def free_port() -> str:
    """A free localhost port, found by a child process (sockets are off inside the tests)."""
    probe = "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()


def launch(processes: int, args: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "CUDA_VISIBLE_DEVICES": ""}
    command = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", str(processes),
               "--num_machines", "1", "--main_process_port", free_port(), "--mixed_precision", "no",
               "--dynamo_backend", "no", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)


def test_two_processes_train_what_one_trains(labelled_pairs: Path, still_bert_dir: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    single = subprocess.run([sys.executable, *arguments(labelled_pairs, still_bert_dir, one)], capture_output=True,
                            text=True, timeout=300, check=False, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert single.returncode == 0, single.stderr[-2000:]
    double = launch(2, arguments(labelled_pairs, still_bert_dir, two))
    assert double.returncode == 0, double.stderr[-3000:]
    alone, together = (json.loads((run / "metrics.json").read_text()) for run in (one, two))
    assert (alone["processes"], together["processes"]) == (1, 2)  # a launch that fell back to one process fails here
    assert alone["steps"] == together["steps"] == 6  # 3 batches an epoch, 2 epochs
    # the loss of every step is the whole batch's, not a shard's: a shard's in-batch loss is far lower
    assert together["loss"] == pytest.approx(alone["loss"], rel=1e-4)
    theirs, ours = (load_file(run / "adapter" / "adapter_model.safetensors") for run in (one, two))
    assert theirs.keys() == ours.keys()
    for name in theirs:
        torch.testing.assert_close(ours[name], theirs[name], atol=2e-5, rtol=1e-4)
    assert sorted(p.name for p in two.iterdir()) == sorted(p.name for p in one.iterdir())


def test_more_processes_than_the_batch_is_refused(labelled_pairs: Path, still_bert_dir: Path, tmp_path: Path) -> None:
    result = launch(3, arguments(labelled_pairs, still_bert_dir, tmp_path / "run", batch_size=2))
    assert result.returncode != 0
    assert "--batch_size 2 is smaller than the 3 processes launched" in result.stderr
    assert not (tmp_path / "run").exists()


class FollowerAccelerator:
    is_main_process = False
    num_processes = 1


def test_only_the_main_process_writes_the_run_folder(labelled_pairs: Path, tmp_path: Path) -> None:
    config = train.TrainConfig(train=[f"pairs:{labelled_pairs}"], out=str(tmp_path / "run"))
    assert train._prepare_run_dir_once(FollowerAccelerator(), tmp_path / "run", config) is False
    assert not (tmp_path / "run").exists()

"""CLI: contrastive PEFT fine-tuning of the retriever on (docstring, code) pairs.

    python -m retriever_finetune.train --base minilm --method lora --train SOURCE [SOURCE...] [--valid SOURCE] \\
        [--language python] [--document docstring+code|code] --out runs/NAME

A SOURCE is ``docstrings:FILE.jsonl``, ``questions:FILE.jsonl`` or ``pairs:FILE.json``, optionally ``@WEIGHT``
(see `retriever_finetune.sources`); a bare path is a docstrings source.

Runs the same on CPU, one GPU, or several (`accelerate launch --num_processes N -m retriever_finetune.train ...`):
with N processes each embeds 1/N of every batch and the loss is computed over the whole batch (embeddings
gathered across processes), so a run's result does not depend on N.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import resource
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from accelerate import Accelerator
from accelerate.utils import set_seed
from tqdm.auto import tqdm
from transformers import get_linear_schedule_with_warmup

from data.cli import InputError, run_cli
from retriever_finetune.batch_loss import FrozenCodeVectors, batch_loss
from retriever_finetune.batches import Pair, epoch_batches, steps_per_epoch
from retriever_finetune.checkpoint import CHECKPOINTS, Progress, latest_checkpoint, load_checkpoint, save_checkpoint
from retriever_finetune.distributed import shard, world
from retriever_finetune.encoder import Encoder
from retriever_finetune.models import Backbone, backbone_encoder, load_backbone
from retriever_finetune.peft_methods import (
    after_optimizer_step,
    count_parameters,
    finish_training,
    make_trainable,
    method_state,
    restore_method_state,
)
from retriever_finetune.precision import PrecisionPolicy, resolve_precision
from retriever_finetune.run_dir import METRICS, prepare_run_dir, write_json, write_model_card
from retriever_finetune.sources import TrainingData, TrainingSource, load_training_data, read_questions, source_pairs
from retriever_finetune.spec import FULL_MODEL_DIR, TOWERS_FILE
from retriever_finetune.train_config import TrainConfig
from retriever_finetune.validation import pool_mrr

logger = logging.getLogger(__name__)


@dataclass
class TrainResult:
    """What a finished run produced."""

    out: Path
    metrics: dict


def _peak_memory_mb(device: torch.device) -> tuple[float, str]:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20, "CUDA max allocated"
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "process peak RSS"


def _validation_mrr(encoder: Encoder, pairs: list[Pair]) -> float:
    queries = encoder.encode_queries([p.text for p in pairs], show_progress=False)
    codes = encoder.encode_code([p.code for p in pairs], show_progress=False)
    return pool_mrr(queries, codes)


def _batches(data: TrainingData, config: TrainConfig, epoch: int, processes: int = 1) -> list[list[int]]:
    """The epoch's batches; with several processes, a batch too small to give each process a pair is dropped."""
    batches = epoch_batches(data.pairs, config.batch_size, seed=config.seed, epoch=epoch, weights=data.weights,
                            sizes=data.sizes)
    return [b for b in batches if len(b) >= processes]


def _schedule(data: TrainingData, config: TrainConfig, processes: int = 1) -> int:
    """Total optimiser steps of the run."""
    total = sum(steps_per_epoch(len(_batches(data, config, e, processes)), config.grad_accum)
                for e in range(config.epochs))
    return min(total, config.max_steps) if config.max_steps else total


def _load_data(config: TrainConfig) -> tuple[TrainingData, list[Pair]]:
    """The training data and the validation pairs the config names."""
    excluded = read_questions(config.exclude_questions) if config.exclude_questions else []
    options = {"document": config.document, "language": config.language or None,
               "questions_per_function": config.questions_per_function, "seed": config.seed}
    data = load_training_data(config.train, exclude_questions=excluded, max_pairs=config.max_train_pairs, **options)
    valid = source_pairs(TrainingSource.parse(config.valid), **options)[: config.valid_max] if config.valid else []
    return data, valid


@dataclass
class _Session:
    """What one training run works with, set up once by `_set_up`."""

    config: TrainConfig
    out: Path
    data: TrainingData
    valid: list[Pair]
    accelerator: Accelerator
    policy: PrecisionPolicy
    total_steps: int
    resuming: bool
    backbone: Backbone
    model: torch.nn.Module  # as PEFT made it (saved, checkpointed)
    trained_model: torch.nn.Module  # as accelerate prepared it (run forward)
    parameters: dict
    encoder: Encoder
    frozen_codes: FrozenCodeVectors | None
    optimizer: torch.optim.Optimizer
    scheduler: object

    @property
    def processes(self) -> int:
        return self.accelerator.num_processes

    def checkpoint(self, progress: Progress) -> None:
        """Save a checkpoint to resume from (the main process writes it)."""
        if self.accelerator.is_main_process:
            save_checkpoint(self.out, self.model, self.optimizer, self.scheduler, progress,
                            extra=method_state(self.model, self.config.method))


def run(config: TrainConfig, *, on_step: object = None) -> TrainResult:
    """Train, checkpointing as it goes; `on_step(step)` is called after each optimiser step (tests use it)."""
    session = _set_up(config)
    progress = _start(session)
    started = time.perf_counter() - progress.elapsed_s
    _train(session, progress, started, on_step)
    return _finish(session, progress, started)


def _set_up(config: TrainConfig) -> _Session:
    """Load the data, check it makes batches, prepare the run folder, and make the model, encoder and optimiser.

    Raises:
        InputError: a batch smaller than the processes, data that makes no batch, or a run folder in the way.
    """
    out = Path(config.out)
    data, valid = _load_data(config)
    cpu = config.device == "cpu" or not torch.cuda.is_available()
    policy = resolve_precision(config.precision, "cpu" if cpu else "cuda")
    accelerator = Accelerator(cpu=cpu, mixed_precision="bf16" if policy.uses_bf16("train") else "no")
    processes = accelerator.num_processes
    if config.batch_size < processes:
        msg = (f"--batch_size {config.batch_size} is smaller than the {processes} processes launched: each process "
               f"needs a pair of every batch; raise --batch_size or launch at most {config.batch_size} processes")
        raise InputError(msg)
    total_steps = _schedule(data, config, processes)
    if total_steps == 0:
        msg = (f"{' '.join(config.train)}: {len(data.pairs)} pair(s) make no batch of {max(2, processes)} distinct "
               "pairs; give more data")
        raise InputError(msg)
    resuming = _prepare_run_dir_once(accelerator, out, config)
    logger.info("training %s on %s: %d pairs, %d optimiser steps, %d process(es)", config.method, config.base,
                len(data.pairs), total_steps, processes)
    set_seed(config.seed)
    backbone = load_backbone(config.base)
    model = make_trainable(backbone.model, config.method, config.method_options(), total_steps, backbone.name,
                           tokenizer=backbone.tokenizer)
    parameters = count_parameters(model)
    logger.info("trainable parameters: %d of %d (%.4f%%)", parameters["trainable"], parameters["total"],
                parameters["trainable_percent"])
    encoder = backbone_encoder(backbone, model, device=accelerator.device, max_query_length=config.max_query_length,
                               max_code_length=config.max_code_length, name=backbone.name, towers=config.towers,
                               precision=policy)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.lr,
                                  weight_decay=config.weight_decay)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(config.warmup_ratio * total_steps), total_steps)
    trained_model, optimizer = accelerator.prepare(model, optimizer)
    return _Session(config, out, data, valid, accelerator, policy, total_steps, resuming, backbone, model, trained_model,
                    parameters, encoder, FrozenCodeVectors(encoder) if config.towers == "query" else None, optimizer,
                    scheduler)


def _start(session: _Session) -> Progress:
    """Where training starts: the last checkpoint's progress when resuming, else step 0 (with the validation
    MRR before training)."""
    progress = Progress()
    checkpoint = latest_checkpoint(session.out) if session.resuming else None
    if checkpoint is not None:
        progress, state = load_checkpoint(checkpoint, session.model, session.optimizer, session.scheduler)
        restore_method_state(session.model, session.config.method, state)
        logger.info("resumed from %s (step %d)", checkpoint, progress.step)
    elif session.valid:
        progress.valid_mrr.append(_validation_mrr(session.encoder, session.valid))
        logger.info("validation MRR before training: %.4f", progress.valid_mrr[-1])
    return progress


def _train(session: _Session, progress: Progress, started: float, on_step: object) -> None:
    """Optimiser steps until the schedule or the epochs end; a checkpoint every `checkpoint_every` steps and on
    Ctrl-C; the validation MRR after each epoch."""
    config, accelerator = session.config, session.accelerator
    bar = tqdm(total=session.total_steps, initial=progress.step, desc=f"Training {config.method}", unit="step",
               disable=not (accelerator.is_main_process and logger.isEnabledFor(logging.INFO)))
    session.model.train()
    try:
        while progress.step < session.total_steps and progress.epoch < config.epochs:
            batches = _batches(session.data, config, progress.epoch, session.processes)
            while progress.batch_in_epoch < len(batches) and progress.step < session.total_steps:
                group = batches[progress.batch_in_epoch : progress.batch_in_epoch + config.grad_accum]
                step_loss = _optimizer_step(session, group, progress.step)
                progress.step += 1
                progress.batch_in_epoch += len(group)
                progress.losses.append(step_loss)
                progress.elapsed_s = time.perf_counter() - started
                bar.update(1)
                bar.set_postfix(loss=f"{step_loss:.4f}")
                if progress.step % config.checkpoint_every == 0:
                    session.checkpoint(progress)
                if callable(on_step):
                    on_step(progress.step)
            if progress.batch_in_epoch >= len(batches):
                progress.epoch += 1
                progress.batch_in_epoch = 0
                if session.valid:
                    progress.valid_mrr.append(_validation_mrr(session.encoder, session.valid))
                    logger.info("epoch %d: validation MRR %.4f", progress.epoch, progress.valid_mrr[-1])
    except KeyboardInterrupt:
        session.checkpoint(progress)
        raise
    finally:
        bar.close()


def _optimizer_step(session: _Session, group: list[list[int]], step: int) -> float:
    """One optimiser step over `group` (the batches of one gradient accumulation); returns its InfoNCE loss.

    Raises:
        InputError: the loss is not finite (training diverged).
    """
    config, accelerator = session.config, session.accelerator
    step_loss = 0.0
    for indices in group:
        # several processes: each embeds its share; the loss gathers every share (`distributed`)
        batch = [session.data.pairs[i] for i in shard(indices, accelerator.process_index, session.processes)]
        with accelerator.autocast():
            loss, objective = batch_loss(session.encoder, session.trained_model, batch, method=config.method,
                                         temperature=config.temperature, negatives_per_pair=config.negatives_per_pair,
                                         step=step, frozen_codes=session.frozen_codes)
        if not torch.isfinite(objective):
            msg = (f"loss became {objective.item()} at step {step + 1}: training diverged; lower "
                   f"--learning_rate (now {config.lr}); the last good checkpoint is kept in {session.out}")
            raise InputError(msg)
        accelerator.backward(objective / len(group))
        step_loss += loss.item() / len(group)  # InfoNCE alone, comparable across methods
    accelerator.clip_grad_norm_(session.model.parameters(), 1.0)
    session.optimizer.step()
    session.scheduler.step()  # type: ignore[attr-defined]
    after_optimizer_step(session.model, config.method, step)
    session.optimizer.zero_grad(set_to_none=True)
    return step_loss


def _finish(session: _Session, progress: Progress, started: float) -> TrainResult:
    """Finish the method's training, then save the model, its card and metrics.json (last: it marks the run
    finished) and drop the checkpoints."""
    config, accelerator = session.config, session.accelerator
    finish_training(session.model, config.method, session.total_steps)
    wall = time.perf_counter() - started
    peak, memory_kind = _peak_memory_mb(accelerator.device)
    parameters = session.parameters
    metrics = {
        "method": config.method, "base": session.backbone.name, "train_pairs": len(session.data.pairs),
        "steps": progress.step, "loss": progress.losses, "valid_mrr": progress.valid_mrr, "parameters": parameters,
        "wall_time_s": wall, "pairs_per_s": progress.step * config.batch_size * config.grad_accum / max(wall, 1e-9),
        "peak_memory_mb": peak, "memory_kind": memory_kind, "device": str(accelerator.device),
        # exact: a gradient and two AdamW moments per trainable value (float32)
        "training_state_mb": parameters["trainable"] * 3 * 4 / 2**20,
        "mixed_precision": accelerator.mixed_precision, "precision": session.policy.describe(),
        "processes": world()[1],  # the process group each batch's loss was gathered over
    }
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        _save_model(session.out, config, session.model, session.backbone)
        write_model_card(session.out, dataclasses.asdict(config), metrics)
        write_json(session.out / METRICS, metrics)  # last: its presence marks the run finished
        shutil.rmtree(session.out / CHECKPOINTS, ignore_errors=True)
    return TrainResult(out=session.out, metrics=metrics)


def _prepare_run_dir_once(accelerator: Accelerator, out: Path, config: TrainConfig) -> bool:
    """The main process prepares the run folder (only it writes there); every process learns whether to resume,
    or raises the main process's error."""
    outcome: list[object] = [None]
    if accelerator.is_main_process:
        try:
            outcome = [prepare_run_dir(out, dataclasses.asdict(config), resume=config.resume,
                                       overwrite=config.overwrite)]
        except InputError as error:
            outcome = [str(error)]
    if accelerator.num_processes > 1:
        from accelerate.utils import broadcast_object_list

        outcome = broadcast_object_list(outcome)
    if isinstance(outcome[0], str):
        raise InputError(outcome[0])
    return bool(outcome[0])


def _save_model(out: Path, config: TrainConfig, model: torch.nn.Module, backbone: object) -> None:
    if config.method == "full":
        model.save_pretrained(out / FULL_MODEL_DIR)
        backbone.tokenizer.save_pretrained(out / FULL_MODEL_DIR)
    else:
        model.save_pretrained(out / "adapter", save_embedding_layers=False)  # no Hub lookup of the base
        if config.towers == "query":
            (out / "adapter" / TOWERS_FILE).write_text(json.dumps({"towers": "query"}) + "\n")


def render(result: TrainResult) -> str:
    """Summary printed by the CLI."""
    m = result.metrics
    mrr = " -> ".join(f"{x:.4f}" for x in m["valid_mrr"]) or "n/a"
    return (f"{m['method']} on {m['base']}: {m['steps']} steps, final loss {m['loss'][-1]:.4f}, "
            f"trainable {m['parameters']['trainable_percent']:.4f}%, valid MRR {mrr}, {m['wall_time_s']:.0f}s; "
            f"saved to {result.out}")


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m retriever_finetune.train`."""
    return run_cli(TrainConfig, run, argv, description=__doc__ or "", render=render)


if __name__ == "__main__":
    raise SystemExit(main())

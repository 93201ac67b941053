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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import torch
from accelerate import Accelerator
from accelerate.utils import set_seed
from tqdm.auto import tqdm
from transformers import get_linear_schedule_with_warmup

from data.cli import run_cli
from data.documents import DEFAULT_DOCUMENT, DOCUMENT_FORMATS, check_document_format
from data.errors import InputError
from retriever_finetune.batches import Pair, epoch_batches, steps_per_epoch
from retriever_finetune.checkpoint import CHECKPOINTS, Progress, latest_checkpoint, load_checkpoint, save_checkpoint
from retriever_finetune.distributed import gather_rows, shard, world
from retriever_finetune.encoder import TOWERS, Encoder, Towers
from retriever_finetune.loss import info_nce_loss
from retriever_finetune.models import backbone_encoder, load_backbone
from retriever_finetune.peft_methods import (
    DEFAULT_LEARNING_RATES,
    DEFAULT_PROMPT_INIT_TEXT,
    MethodOptions,
    after_optimizer_step,
    count_parameters,
    extra_loss,
    make_trainable,
    method_state,
    restore_method_state,
)
from retriever_finetune.precision import check_precision, resolve_precision
from retriever_finetune.run_dir import METRICS, prepare_run_dir, write_json, write_model_card
from retriever_finetune.sources import TrainingData, TrainingSource, load_training_data, read_questions, source_pairs
from retriever_finetune.spec import FULL_MODEL_DIR, TOWERS_FILE
from retriever_finetune.validation import pool_mrr

logger = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """Options of `python -m retriever_finetune.train`."""

    train: list[str] = field(default_factory=list, metadata={
        "help": "training sources: docstrings:FILE.jsonl, questions:FILE.jsonl or pairs:FILE.json, each optionally "
                "@WEIGHT (pairs per epoch = weight x size); a bare path is docstrings:PATH"})
    out: str = field(default="", metadata={"help": "run folder to create (adapter, metrics, model card)"})
    base: str = field(default="minilm", metadata={"help": "base encoder: minilm, codet5p-110m-embedding, folder or Hub id"})
    method: Literal["lora", "adalora", "ia3", "prompt", "full"] = field(
        default="lora", metadata={"help": "what to train; full = full fine-tuning baseline"})
    valid: str = field(default="", metadata={"help": "validation source (as --train): MRR logged before training and per epoch"})
    language: str = field(default="", metadata={"help": "train on this language only (per-language adapter)"})
    document: str = field(default=DEFAULT_DOCUMENT, metadata={
        "help": "what the code side of question pairs embeds; use the format the index serves (rag.index --document)",
        "choices": list(DOCUMENT_FORMATS)})
    questions_per_function: int = field(default=1, metadata={"help": "rewritten questions per function (questions: sources)"})
    exclude_questions: str = field(default="", metadata={
        "help": "questions never to train on (e.g. an evaluation set): a CoSQA-style JSON list or one question a line"})
    towers: Towers = field(default="both", metadata={
        "help": "both: one adapted encoder for questions and code; query: adapt the question side only (code is "
                "embedded once by the frozen base, so training is several times faster and a base index serves it)"})
    negatives_per_pair: int = field(default=1, metadata={"help": "hard negatives (label-0 codes) of its own question per pair and step"})
    epochs: int = field(default=1, metadata={"help": "passes over the training pairs"})
    max_steps: int = field(default=0, metadata={"help": "stop after this many optimiser steps (0: epochs decide)"})
    max_train_pairs: int = field(default=0, metadata={"help": "use only the first N pairs (0: all)"})
    batch_size: int = field(default=32, metadata={"help": "pairs per batch: each is a negative for the others"})
    grad_accum: int = field(default=1, metadata={"help": "batches per optimiser step"})
    learning_rate: float = field(default=0.0, metadata={"help": f"0: per-method default {DEFAULT_LEARNING_RATES}"})
    warmup_ratio: float = field(default=0.1, metadata={"help": "share of steps with linear warm-up"})
    weight_decay: float = field(default=0.0, metadata={"help": "AdamW weight decay"})
    temperature: float = field(default=0.05, metadata={"help": "InfoNCE temperature (scale = 1/temperature)"})
    max_query_length: int = field(default=256, metadata={"help": "tokens of the text side"})
    max_code_length: int = field(default=256, metadata={"help": "tokens of the code side"})
    lora_r: int = field(default=8, metadata={"help": "LoRA rank"})
    lora_alpha: int = field(default=16, metadata={"help": "LoRA/AdaLoRA alpha"})
    lora_dropout: float = field(default=0.1, metadata={"help": "LoRA/AdaLoRA dropout"})
    adalora_init_r: int = field(default=12, metadata={"help": "AdaLoRA initial rank"})
    adalora_target_r: int = field(default=8, metadata={"help": "AdaLoRA average target rank"})
    num_virtual_tokens: int = field(default=10, metadata={"help": "prompt tuning: virtual tokens"})
    prompt_init_text: str = field(default=DEFAULT_PROMPT_INIT_TEXT, metadata={
        "help": "prompt tuning: the virtual tokens start as this text's token embeddings ('': random init)"})
    target_modules: str = field(default="", metadata={"help": "comma-separated modules to adapt (default: per architecture)"})
    valid_max: int = field(default=1000, metadata={"help": "validation pool size cap"})
    checkpoint_every: int = field(default=200, metadata={"help": "save a resumable checkpoint every N steps"})
    precision: str = field(default="auto", metadata={
        "help": "training step and validation encoding: auto (bf16 autocast where the CPU or GPU has native bf16, "
                "float32 master weights), float32, or bf16 (refused without native bf16)"})
    device: str = field(default="", metadata={"help": "cpu or cuda (default: cuda when present)"})
    seed: int = field(default=42, metadata={"help": "seed of shuffling, dropout and initialisation"})
    resume: bool = field(default=False, metadata={"help": "continue an interrupted run in --out"})
    overwrite: bool = field(default=False, metadata={"help": "replace whatever run --out holds"})

    def __post_init__(self) -> None:
        if isinstance(self.train, str):
            self.train = [self.train]
        if not self.train:
            msg = "--train SOURCE is required (e.g. questions:corpus.train.jsonl pairs:staqc.json)"
            raise InputError(msg)
        for entry in self.train:
            TrainingSource.parse(entry)  # fail on a malformed entry before anything loads
        check_document_format(self.document)
        check_precision(self.precision)
        if not self.out:
            msg = "--out FOLDER is required (e.g. runs/lora)"
            raise InputError(msg)
        methods = ("lora", "adalora", "ia3", "prompt", "full")
        if self.method not in methods:
            msg = f"unknown method {self.method!r}: choose from {methods}"
            raise InputError(msg)
        for name in ("epochs", "batch_size", "grad_accum", "max_query_length", "max_code_length", "lora_r",
                     "num_virtual_tokens", "valid_max", "checkpoint_every", "questions_per_function"):
            if getattr(self, name) <= 0:
                msg = f"--{name} must be positive, got {getattr(self, name)}"
                raise InputError(msg)
        if self.towers not in TOWERS:
            msg = f"--towers must be one of {TOWERS}, got {self.towers!r}"
            raise InputError(msg)
        if self.towers == "query" and self.method not in ("lora", "adalora", "ia3"):
            msg = f"--towers query adapts with a switchable adapter (lora, adalora, ia3), not {self.method!r}"
            raise InputError(msg)
        if self.negatives_per_pair < 0:
            msg = f"--negatives_per_pair must be 0 or more, got {self.negatives_per_pair}"
            raise InputError(msg)
        if self.batch_size < 2:
            msg = "--batch_size must be at least 2: in-batch negatives need other pairs"
            raise InputError(msg)
        if self.temperature <= 0 or self.learning_rate < 0 or not 0 <= self.warmup_ratio < 1:
            msg = "--temperature must be > 0, --learning_rate >= 0 and --warmup_ratio in [0, 1)"
            raise InputError(msg)

    @property
    def lr(self) -> float:
        """The learning rate in force."""
        return self.learning_rate or DEFAULT_LEARNING_RATES[self.method]

    def method_options(self) -> MethodOptions:
        """The PEFT hyperparameters of this config."""
        targets = tuple(x.strip() for x in self.target_modules.split(",") if x.strip()) or None
        return MethodOptions(lora_r=self.lora_r, lora_alpha=self.lora_alpha, lora_dropout=self.lora_dropout,
                             adalora_init_r=self.adalora_init_r, adalora_target_r=self.adalora_target_r,
                             num_virtual_tokens=self.num_virtual_tokens, prompt_init_text=self.prompt_init_text,
                             target_modules=targets)


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


def run(config: TrainConfig, *, on_step: object = None) -> TrainResult:
    """Train, checkpointing as it goes; `on_step(step)` is called after each optimiser step (tests use it)."""
    out = Path(config.out)
    data, valid = _load_data(config)
    pairs = data.pairs
    cpu = config.device == "cpu" or not torch.cuda.is_available()
    policy = resolve_precision(config.precision, "cpu" if cpu else "cuda")
    precision = "bf16" if policy.uses_bf16("train") else "no"
    accelerator = Accelerator(cpu=cpu, mixed_precision=precision)
    processes = accelerator.num_processes
    if config.batch_size < processes:
        msg = (f"--batch_size {config.batch_size} is smaller than the {processes} processes launched: each process "
               f"needs a pair of every batch; raise --batch_size or launch at most {config.batch_size} processes")
        raise InputError(msg)
    total_steps = _schedule(data, config, processes)
    if total_steps == 0:
        msg = (f"{' '.join(config.train)}: {len(pairs)} pair(s) make no batch of {max(2, processes)} distinct "
               "pairs; give more data")
        raise InputError(msg)
    resuming = _prepare_run_dir_once(accelerator, out, config)
    logger.info("training %s on %s: %d pairs, %d optimiser steps, %d process(es)", config.method, config.base,
                len(pairs), total_steps, processes)
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
    frozen_codes = FrozenCodeVectors(encoder) if config.towers == "query" else None
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.lr,
                                  weight_decay=config.weight_decay)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(config.warmup_ratio * total_steps), total_steps)
    trained_model, optimizer = accelerator.prepare(model, optimizer)

    progress = Progress()
    checkpoint = latest_checkpoint(out) if resuming else None
    if checkpoint is not None:
        progress, state = load_checkpoint(checkpoint, model, optimizer, scheduler)
        restore_method_state(model, config.method, state)
        logger.info("resumed from %s (step %d)", checkpoint, progress.step)
    elif valid:
        progress.valid_mrr.append(_validation_mrr(encoder, valid))
        logger.info("validation MRR before training: %.4f", progress.valid_mrr[-1])

    def checkpoint_now() -> None:
        if accelerator.is_main_process:
            save_checkpoint(out, model, optimizer, scheduler, progress, extra=method_state(model, config.method))

    started = time.perf_counter() - progress.elapsed_s
    bar = tqdm(total=total_steps, initial=progress.step, desc=f"Training {config.method}", unit="step",
               disable=not (accelerator.is_main_process and logger.isEnabledFor(logging.INFO)))
    model.train()
    try:
        while progress.step < total_steps and progress.epoch < config.epochs:
            batches = _batches(data, config, progress.epoch, processes)
            while progress.batch_in_epoch < len(batches) and progress.step < total_steps:
                group = batches[progress.batch_in_epoch : progress.batch_in_epoch + config.grad_accum]
                step_loss = 0.0
                for indices in group:
                    # several processes: each embeds its share; the loss gathers every share (`distributed`)
                    batch = [pairs[i] for i in shard(indices, accelerator.process_index, processes)]
                    with accelerator.autocast():
                        loss, objective = _batch_loss(encoder, trained_model, batch, config, progress.step,
                                                      frozen_codes)
                    if not torch.isfinite(objective):
                        msg = (f"loss became {objective.item()} at step {progress.step + 1}: training diverged; lower "
                               f"--learning_rate (now {config.lr}); the last good checkpoint is kept in {out}")
                        raise InputError(msg)
                    accelerator.backward(objective / len(group))
                    step_loss += loss.item() / len(group)  # InfoNCE alone, comparable across methods
                accelerator.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                scheduler.step()
                after_optimizer_step(model, config.method, progress.step)
                optimizer.zero_grad(set_to_none=True)
                progress.step += 1
                progress.batch_in_epoch += len(group)
                progress.losses.append(step_loss)
                progress.elapsed_s = time.perf_counter() - started
                bar.update(1)
                bar.set_postfix(loss=f"{step_loss:.4f}")
                if progress.step % config.checkpoint_every == 0:
                    checkpoint_now()
                if callable(on_step):
                    on_step(progress.step)
            if progress.batch_in_epoch >= len(batches):
                progress.epoch += 1
                progress.batch_in_epoch = 0
                if valid:
                    progress.valid_mrr.append(_validation_mrr(encoder, valid))
                    logger.info("epoch %d: validation MRR %.4f", progress.epoch, progress.valid_mrr[-1])
    except KeyboardInterrupt:
        checkpoint_now()
        raise
    finally:
        bar.close()
    if config.method == "adalora":
        model.base_model.update_and_allocate(total_steps)  # final masking of the pruned ranks
    wall = time.perf_counter() - started
    peak, memory_kind = _peak_memory_mb(accelerator.device)
    metrics = {
        "method": config.method, "base": backbone.name, "train_pairs": len(pairs), "steps": progress.step,
        "loss": progress.losses, "valid_mrr": progress.valid_mrr, "parameters": parameters,
        "wall_time_s": wall, "pairs_per_s": progress.step * config.batch_size * config.grad_accum / max(wall, 1e-9),
        "peak_memory_mb": peak, "memory_kind": memory_kind, "device": str(accelerator.device),
        # exact: a gradient and two AdamW moments per trainable value (float32)
        "training_state_mb": parameters["trainable"] * 3 * 4 / 2**20,
        "mixed_precision": precision, "precision": policy.describe(),
        "processes": world()[1],  # the process group each batch's loss was gathered over
    }
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        _save_model(out, config, model, backbone)
        write_model_card(out, dataclasses.asdict(config), metrics)
        write_json(out / METRICS, metrics)  # last: its presence marks the run finished
        shutil.rmtree(out / CHECKPOINTS, ignore_errors=True)
    return TrainResult(out=out, metrics=metrics)


def _step_negatives(batch: list[Pair], per_pair: int, step: int) -> tuple[list[str], list[int]]:
    """Up to `per_pair` hard negatives of each pair (rotating with the step), and the row each belongs to."""
    texts, owners = [], []
    for row, pair in enumerate(batch):
        for k in range(min(per_pair, len(pair.negatives))):
            texts.append(pair.negatives[(step * per_pair + k) % len(pair.negatives)])
            owners.append(row)
    return texts, owners


class FrozenCodeVectors:
    """Code vectors of the frozen base, computed once per distinct text (training with ``--towers query``)."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self.vectors: dict[str, torch.Tensor] = {}

    def __call__(self, texts: list[str]) -> torch.Tensor:
        """(len(texts), dim) unit vectors, no gradient."""
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if missing:
            with torch.no_grad(), self.encoder.code_tower():
                fresh = self.encoder.embed(self.encoder.collate(self.encoder.tokenize_code(missing)))
            self.vectors.update(zip(missing, fresh.detach(), strict=True))
        return torch.stack([self.vectors[t] for t in texts])


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


def _batch_loss(encoder: Encoder, trained_model: torch.nn.Module, batch: list[Pair], config: TrainConfig,
                step: int = 0, frozen_codes: FrozenCodeVectors | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(InfoNCE loss of the global batch, the objective this process minimises).

    `batch` is this process's shard. With N processes the embeddings of every shard are gathered, so the loss
    is the whole batch's; the objective is N x InfoNCE (DDP averages the N processes' gradients, each holding
    only its own rows' share) plus any method regulariser.
    """
    def embed_code(texts: list[str]) -> torch.Tensor:
        if frozen_codes is not None:
            return frozen_codes(texts)
        return encoder.embed(encoder.collate(encoder.tokenize_code(texts)), trained_model)

    rank, processes = world()
    texts = encoder.collate(encoder.tokenize_queries([p.text for p in batch]))
    query_vectors, shard_sizes = gather_rows(encoder.embed(texts, trained_model))  # (global batch, dim)
    negatives, owners = _step_negatives(batch, config.negatives_per_pair, step)
    # one forward for codes and negatives: under DDP every process must make the same number of forward calls
    local_codes = embed_code([p.code for p in batch] + negatives)  # (shard + n_negatives, dim)
    code_vectors, _ = gather_rows(local_codes[: len(batch)])  # (global batch, dim)
    negative_vectors = local_codes[len(batch) :]
    owners = [owner + sum(shard_sizes[:rank]) for owner in owners]  # rows of the global batch
    owner_rows = torch.tensor(owners, dtype=torch.long, device=query_vectors.device)
    if processes > 1:  # collective calls: every process makes them, with or without negatives of its own
        negative_vectors, _ = gather_rows(negative_vectors)
        owner_rows, _ = gather_rows(owner_rows)
    has_negatives = negative_vectors.shape[0] > 0
    loss = info_nce_loss(query_vectors, code_vectors, temperature=config.temperature,
                         hard_negatives=negative_vectors if has_negatives else None,
                         negative_owners=owner_rows if has_negatives else None)
    regulariser = extra_loss(encoder.model, config.method)
    objective = loss * processes
    return loss, (objective if regulariser is None else objective + regulariser)


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

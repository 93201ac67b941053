"""The options of `python -m retriever_finetune.train` (`TrainConfig`), checked once, before any data or model
loads. Does not handle: training (see `train`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from data.cli import InputError, list_option
from data.documents import DEFAULT_DOCUMENT, DOCUMENT_FORMATS, check_document_format
from retriever_finetune.peft_methods import (
    DEFAULT_LEARNING_RATES,
    DEFAULT_PROMPT_INIT_TEXT,
    MethodOptions,
)
from retriever_finetune.precision_choice import check_precision
from retriever_finetune.sources import TrainingSource
from retriever_finetune.spec import TOWERS, Towers


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
        self.train = list_option(self.train, required="--train SOURCE is required (e.g. questions:corpus.train.jsonl pairs:staqc.json)")
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

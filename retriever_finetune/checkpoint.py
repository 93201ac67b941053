"""Save and restore the full training state, so an interrupted run resumes exactly where it stopped.

A checkpoint holds the trainable parameters, optimiser and scheduler state, RNG states and the position in
the epoch, as tensors and plain Python values only: it is read back with ``weights_only=True``, so a run folder
from someone else cannot run code when it is resumed. Writes go to a temporary folder that is renamed into place,
so a kill never leaves half a checkpoint. Does not handle: the final adapter export (`train` saves it with `save_pretrained`).
"""

from __future__ import annotations

import logging
import random
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from data.cli import InputError

logger = logging.getLogger(__name__)

CHECKPOINTS = "checkpoints"


@dataclass
class Progress:
    """Where training stands."""

    step: int = 0  # optimiser steps done
    epoch: int = 0
    batch_in_epoch: int = 0  # batches of `epoch` already consumed
    losses: list[float] = field(default_factory=list)
    valid_mrr: list[float] = field(default_factory=list)
    elapsed_s: float = 0.0


def trainable_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """The parameters that train (adapter weights, or everything for full fine-tuning)."""
    return {name: p.detach().cpu().clone() for name, p in model.named_parameters() if p.requires_grad}


def save_checkpoint(run_dir: Path, model: nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: torch.optim.lr_scheduler.LRScheduler, progress: Progress, *, extra: dict | None = None,
                    keep: int = 2) -> Path:
    """Write `checkpoints/step-N` atomically and keep only the newest `keep`; `extra` is method state."""
    root = run_dir / CHECKPOINTS
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"step-{progress.step:08d}"
    tmp = root / f".tmp-step-{progress.step:08d}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    torch.save({
        "model": trainable_state(model),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "progress": asdict(progress),
        "extra": extra or {},
        "rng": {"python": random.getstate(), "numpy": _numpy_state(), "torch": torch.get_rng_state(),
                "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None},
    }, tmp / "state.pt")
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    for old in sorted(p for p in root.iterdir() if p.name.startswith("step-"))[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    logger.info("checkpoint saved at step %d: %s", progress.step, target)
    return target


def _numpy_state() -> list:
    """NumPy's global RNG state as plain values (its key array as a list), which weights-only loading accepts."""
    name, keys, position, has_gauss, cached = np.random.get_state()
    return [name, keys.tolist(), position, has_gauss, cached]


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The newest complete checkpoint folder, if any."""
    root = run_dir / CHECKPOINTS
    if not root.is_dir():
        return None
    done = sorted(p for p in root.iterdir() if p.name.startswith("step-") and (p / "state.pt").is_file())
    return done[-1] if done else None


STATE_KEYS = ("model", "optimizer", "scheduler", "progress", "rng")


def _read_state(path: Path) -> dict:
    """The contents of `path/state.pt`, or a clear error when it is corrupt."""
    file = path / "state.pt"
    try:
        state = torch.load(file, map_location="cpu", weights_only=True)
        problem = "" if isinstance(state, dict) and all(k in state for k in STATE_KEYS) else "it lacks training state"
    except Exception as error:  # torch.load raises RuntimeError, EOFError, UnpicklingError... on a damaged file
        problem = ("it holds Python objects besides tensors and plain values, and loading them could run code"
                   if "weights_only" in str(error) or "Weights only" in str(error) else
                   f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else 'unreadable'}")
    if not problem:
        return state
    earlier = sorted(p for p in path.parent.iterdir() if p.name.startswith("step-") and p.name < path.name
                     and (p / "state.pt").is_file())
    fallback = (f"the previous checkpoint {earlier[-1]} is kept: delete {path} and run again with --resume to "
                "continue from it, or" if earlier else "no earlier checkpoint is kept:")
    verdict = "is not loaded" if problem.startswith("it holds Python objects") else "is corrupt"
    msg = f"checkpoint {file} {verdict} ({problem}); {fallback} pass --overwrite to start the run again"
    raise InputError(msg)


def load_checkpoint(path: Path, model: nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: torch.optim.lr_scheduler.LRScheduler) -> tuple[Progress, dict]:
    """Restore everything `save_checkpoint` wrote; return the progress to continue from and the extra state.

    Raises:
        InputError: the checkpoint file is unreadable or incomplete (nothing is deleted; the message names the
            previous checkpoint to fall back to, when there is one).
    """
    state = _read_state(path)
    missing = set(state["model"]) - {name for name, p in model.named_parameters() if p.requires_grad}
    if missing:
        msg = f"checkpoint {path} does not match this model: unexpected parameters {sorted(missing)[:3]}"
        raise ValueError(msg)
    with torch.no_grad():
        parameters = dict(model.named_parameters())
        for name, value in state["model"].items():
            parameters[name].copy_(value.to(parameters[name].device))
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    random.setstate(state["rng"]["python"])
    name, keys, position, has_gauss, cached = state["rng"]["numpy"]
    np.random.set_state((name, np.asarray(keys, dtype=np.uint32), position, has_gauss, cached))
    torch.set_rng_state(state["rng"]["torch"])
    if state["rng"]["cuda"] is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["rng"]["cuda"])
    return Progress(**state["progress"]), state.get("extra", {})

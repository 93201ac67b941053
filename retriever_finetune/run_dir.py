"""A training run's folder: its config, metrics, model card, and the guard against clobbering another run.

Layout: ``config.json``, ``metrics.json``, ``README.md``, ``adapter/`` (PEFT ``save_pretrained``) or
``model/`` (full fine-tuning), ``checkpoints/`` while training. Does not handle: checkpoint contents.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import shutil
from pathlib import Path

from data.cli import InputError

logger = logging.getLogger(__name__)

CONFIG = "config.json"
METRICS = "metrics.json"
LIBRARIES = ("torch", "transformers", "peft", "accelerate")
RUN_ONLY_FIELDS = ("resume", "overwrite")  # options that do not change what is trained


def library_versions() -> dict[str, str]:
    """Versions of the libraries a run depends on."""
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def _comparable(config: dict) -> dict:
    return {k: v for k, v in config.items() if k not in RUN_ONLY_FIELDS}


def prepare_run_dir(out: Path, config: dict, *, resume: bool, overwrite: bool) -> bool:
    """Make `out` ready for this run; return True when an unfinished run should be resumed.

    Raises:
        InputError: `out` holds another run or a finished one, and neither --overwrite nor --resume fits.
    """
    if out.exists() and not out.is_dir():
        msg = f"--out {out} is a file; choose a folder"
        raise InputError(msg)
    if overwrite and out.exists():
        logger.warning("--overwrite: removing the previous run in %s", out)
        shutil.rmtree(out)
    if out.is_dir() and any(out.iterdir()):
        saved = out / CONFIG
        if not saved.is_file():
            msg = f"--out {out} is not empty and holds no training run; choose another folder or pass --overwrite"
            raise InputError(msg)
        previous = json.loads(saved.read_text()).get("config", {})
        if _comparable(previous) != _comparable(config):
            changed = sorted(k for k in set(previous) | set(config)
                             if k not in RUN_ONLY_FIELDS and previous.get(k) != config.get(k))
            msg = (f"--out {out} already holds a different run (differs in {', '.join(changed)}); "
                   "choose another folder or pass --overwrite")
            raise InputError(msg)
        if (out / METRICS).is_file():
            msg = f"--out {out} already holds this finished run; pass --overwrite to train it again"
            raise InputError(msg)
        if not resume:
            msg = f"--out {out} holds an unfinished run of the same config; pass --resume to continue it or --overwrite"
            raise InputError(msg)
        return True
    out.mkdir(parents=True, exist_ok=True)
    (out / CONFIG).write_text(json.dumps({"config": config, "versions": library_versions()}, indent=2))
    return False


def write_json(path: Path, payload: dict) -> None:
    """Write JSON atomically."""
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(json.dumps(payload, indent=2))
    tmp.replace(path)


def write_model_card(out: Path, config: dict, metrics: dict) -> None:
    """A README.md saying what was trained, on what, how to load it, and what it cost."""
    params = metrics["parameters"]
    mrr = metrics.get("valid_mrr") or []
    card = f"""# {config['method']} retriever adapter on `{config['base']}`

Contrastively fine-tuned (symmetric InfoNCE, in-batch negatives, temperature {config['temperature']}) on
{", ".join(f"`{source}`" for source in config['train'])}{f" (language: {config['language']})" if config['language'] else ""}
(code side as `{config.get('document', 'code')}`).

| | |
|---|---|
| method | {config['method']} |
| base encoder | `{config['base']}` |
| trainable parameters | {params['trainable']:,} of {params['total']:,} ({params['trainable_percent']:.4f}%) |
| training pairs | {metrics['train_pairs']:,} |
| optimiser steps | {metrics['steps']} (batch {config['batch_size']} x accumulation {config['grad_accum']}) |
| wall time | {metrics['wall_time_s']:.1f} s ({metrics['pairs_per_s']:.1f} pairs/s) |
| peak memory | {metrics['peak_memory_mb']:.0f} MB ({metrics['memory_kind']}) |
| gradients + AdamW state | {metrics['training_state_mb']:.2f} MB |
| validation MRR (before → after) | {' → '.join(f'{m:.4f}' for m in mrr) if mrr else 'no --valid file'} |

## Use

```python
from retriever_finetune import load_encoder
encoder = load_encoder("{out}")   # the base is read from the adapter config
vectors = encoder.encode_queries(["how to parse json"])
```

or `python -m rag.ask "how to parse json" --retriever {out}`.
"""
    (out / "README.md").write_text(card)

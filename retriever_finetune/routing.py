"""Several PEFT adapters on one base model, one per programming language (the paper tunes one per language).

A per-language spec (``python=runs/lora-py,javascript=runs/lora-js``, parsed by `spec.parse_retriever`) names an
adapter per language; languages it does not list fall back to another retriever (the frozen base by default,
sharing the same weights). The base
weights are loaded once: every adapter is added to one `peft.PeftModel` (``load_adapter``) and each language's
`Encoder` switches to its adapter (``set_adapter``) before a forward pass. Does not handle: which collection
holds which language (see `rag.store.routed`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import torch
from torch import nn

from data.cli import InputError
from retriever_finetune.encoder import Encoder
from retriever_finetune.models import Backbone, canonical_name, load_backbone
from retriever_finetune.spec import PerLanguageSpec, RetrieverSpec, adapter_towers, find_adapter_dir


class AdapterEncoder(Encoder):
    """An `Encoder` over a multi-adapter PEFT model that runs with its own adapter, or with none (the base)."""

    def __init__(self, model: nn.Module, adapter_name: str | None, **options: object) -> None:
        super().__init__(model, **options)  # type: ignore[arg-type]
        self.adapter_name = adapter_name

    def embed(self, batch: dict[str, torch.Tensor], model: nn.Module | None = None) -> torch.Tensor:
        """As `Encoder.embed`, with this encoder's adapter switched on first (all of them off for the base)."""
        if self.adapter_name is None:
            with self.model.disable_adapter():
                return super().embed(batch, model)
        self.model.set_adapter(self.adapter_name)
        return super().embed(batch, model)

    @property
    def skip_tokens(self) -> int:
        """Virtual tokens of this encoder's own adapter (prompt tuning), none for the base."""
        if self.adapter_name is None:
            return 0
        config = self.model.peft_config[self.adapter_name]
        return int(config.num_virtual_tokens) if getattr(config, "is_prompt_learning", False) else 0


@dataclass
class LanguageEncoders:
    """One base model, an `Encoder` per routed language, and the fallback for the other languages."""

    specs: dict[str, RetrieverSpec]  # language → its retriever
    encoders: dict[str, Encoder]
    fallback_spec: RetrieverSpec | None
    fallback: Encoder | None
    base: str = ""
    model: nn.Module | None = field(default=None, repr=False)

    def spec_for(self, language: str) -> RetrieverSpec:
        """The retriever that embeds `language`."""
        if language in self.specs:
            return self.specs[language]
        if self.fallback_spec is None:
            msg = (f"no adapter for {language} and no fallback retriever; add {language}=ADAPTER to --retriever "
                   "or drop it from the corpus (--languages)")
            raise InputError(msg)
        return self.fallback_spec

    def encoder_for(self, language: str) -> Encoder:
        """The encoder that embeds `language` (its adapter, or the fallback)."""
        self.spec_for(language)  # raises for an unrouted language without fallback
        return self.encoders.get(language) or self.fallback  # type: ignore[return-value]

    def routes(self) -> Iterator[tuple[str, RetrieverSpec, Encoder]]:
        """(language, spec, encoder) of every routed language."""
        for language, spec in self.specs.items():
            yield language, spec, self.encoders[language]


def load_language_encoders(spec: PerLanguageSpec, *, device: str | None = None, max_query_length: int = 256,
                           max_code_length: int = 256, batch_size: int = 32, precision: str = "auto") -> LanguageEncoders:
    """Load every adapter a per-language spec (`spec.parse_retriever`) names onto one copy of their base model;
    its fallback (the frozen base by default, same weights) embeds the languages it does not list.

    Raises:
        InputError: adapters of different bases, or a corrupt adapter.
    """
    from peft import PeftModel

    specs = dict(spec.routes)
    fallback_spec = spec.fallback
    everyone = {**specs, **({"fallback": fallback_spec} if fallback_spec else {})}
    bases = {language: canonical_name(s.base) for language, s in everyone.items()}
    if len(set(bases.values())) > 1:
        listing = ", ".join(f"{language}: {b}" for language, b in bases.items())
        msg = f"per-language adapters must share one base model, these do not ({listing}); retrain them on one base"
        raise InputError(msg)
    backbone: Backbone = load_backbone(next(iter(specs.values())).base)
    options = {"tokenizer": backbone.tokenizer, "pooling": backbone.pooling, "projection": backbone.projection,
               "prompts": backbone.prompts, "device": device, "max_query_length": max_query_length, "max_code_length": max_code_length,
               "batch_size": batch_size, "name": backbone.name, "precision": precision}
    adapters = {language: s.adapter for language, s in specs.items()}
    if fallback_spec is not None and fallback_spec.adapter:
        adapters["fallback"] = fallback_spec.adapter
    model = None
    try:
        for name, adapter in adapters.items():
            folder = str(find_adapter_dir(adapter))
            if model is None:
                model = PeftModel.from_pretrained(backbone.model, folder, adapter_name=name, is_trainable=False)
            else:
                model.load_adapter(folder, adapter_name=name, is_trainable=False)
    except (OSError, ValueError, TypeError, RuntimeError, KeyError) as error:
        msg = f"adapter {adapter} is corrupt or incomplete: {str(error).splitlines()[0]}"
        raise InputError(msg) from None
    model.eval()
    encoders = {language: AdapterEncoder(model, language, adapter=specs[language].adapter,
                                         towers=adapter_towers(specs[language].adapter), **options)
                for language in specs}
    fallback_encoder = None
    if fallback_spec is not None:
        name = "fallback" if fallback_spec.adapter else None
        fallback_encoder = AdapterEncoder(model, name, adapter=fallback_spec.adapter,
                                          towers=adapter_towers(fallback_spec.adapter) if name else "both", **options)
    return LanguageEncoders(specs=specs, encoders=encoders, fallback_spec=fallback_spec, fallback=fallback_encoder,
                            base=backbone.name, model=model)


def load_encoders(spec: RetrieverSpec | PerLanguageSpec, *, device: str | None = None,
                  precision: str = "auto", **options: object) -> Encoder | LanguageEncoders:
    """What a spec embeds questions and code with: one `Encoder`, or one per language on a shared base
    (`load_language_encoders`); both answer `encoder_for(language)`, so nothing past here asks which it is.
    `options`: `load_retriever`'s (``max_code_length``, ``batch_size``, ...)."""
    from retriever_finetune.models import load_retriever

    if isinstance(spec, PerLanguageSpec):
        return load_language_encoders(spec, device=device, precision=precision, **options)  # type: ignore[arg-type]
    return load_retriever(spec, device=device, precision=precision, **options)

"""The `Encoder`: a base model (+ optional PEFT adapter) that turns texts and code into unit vectors.

Everything that embeds (training, indexing, evaluation, LangChain) goes through this object, so pooling,
truncation and normalisation live in one place. Does not handle: loading weights (see `models`).
"""

from __future__ import annotations

import contextlib
import copy
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn
from tqdm.auto import tqdm
from transformers import PreTrainedTokenizerBase

from data.cli import InputError
from retriever_finetune.precision import FLOAT32, PrecisionPolicy, resolve_precision
from retriever_finetune.spec import TOWERS, Towers

logger = logging.getLogger(__name__)

Pooling = Literal["mean", "cls", "first", "max", "lasttoken"]


@dataclass(frozen=True)
class Prompts:
    """Text prepended to each question and to each piece of code before tokenization (a sentence-transformers
    model's prompts; empty for models trained without them)."""

    query: str = ""
    document: str = ""


def default_device() -> torch.device:
    """CUDA when present, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def pool(
    hidden: torch.Tensor,
    attention_mask: torch.Tensor,
    pooling: Pooling,
    *,
    projection: nn.Module | None = None,
    skip_tokens: int = 0,
    dim: int | None = None,
) -> torch.Tensor:
    """Pool token states into one L2-normalised vector per row.

    Args:
        hidden: (batch, skip_tokens + seq, dim) last hidden states.
        attention_mask: (batch, seq) mask of the real tokens (without virtual tokens), right-padded.
        pooling: ``mean`` or ``max`` over real tokens, ``cls``/``first``: the first real token, ``lasttoken``:
            the last real one.
        projection: the head applied after pooling (CodeT5+'s `proj`, a sentence-transformers model's Dense
            layers); it runs in its own weights' dtype.
        skip_tokens: virtual tokens prepended by prompt tuning, excluded from pooling.
        dim: keep the first `dim` components (Matryoshka truncation) before normalising; None keeps all.
    """
    hidden = hidden[:, skip_tokens:, :].float()  # (batch, seq, dim); bf16 sums over long inputs lose digits
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)  # (batch, seq, 1)
    if pooling == "mean":
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)  # (batch, dim)
    elif pooling == "max":
        pooled = hidden.masked_fill(mask == 0, torch.finfo(hidden.dtype).min).amax(dim=1)  # (batch, dim)
    elif pooling == "lasttoken":
        last = attention_mask.sum(dim=1).clamp(min=1) - 1  # (batch,)
        pooled = hidden[torch.arange(hidden.shape[0], device=hidden.device), last]  # (batch, dim)
    else:
        pooled = hidden[:, 0, :]  # (batch, dim)
    if projection is not None:
        pooled = projection(pooled.to(next(projection.parameters()).dtype))
    if dim is not None:
        pooled = pooled[:, :dim]
    return F.normalize(pooled.float(), p=2, dim=-1)


def output_size(module: nn.Module) -> int:
    """Features a head gives: the `out_features` of its last Linear layer."""
    linears = [m for m in module.modules() if isinstance(m, nn.Linear)]
    return int(linears[-1].out_features)


def virtual_token_count(model: nn.Module) -> int:
    """How many virtual tokens a prompt-tuning adapter prepends (0 for other models)."""
    config = getattr(model, "active_peft_config", None)
    if config is not None and getattr(config, "is_prompt_learning", False):
        return int(config.num_virtual_tokens)
    return 0


def check_texts(texts: object) -> list[str]:
    """Validate a batch of texts: a non-empty list of strings.

    Raises:
        InputError: naming the problem (a bare string, an empty list, a non-string item and its index).
    """
    if isinstance(texts, str):
        msg = "expected a list of strings, got a single str; wrap it in a list: [text]"
        raise InputError(msg)
    if not isinstance(texts, Sequence):
        msg = f"expected a list of strings, got {type(texts).__name__}"
        raise InputError(msg)
    if len(texts) == 0:
        msg = "nothing to encode: the list of texts is empty"
        raise InputError(msg)
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            msg = f"item {index} is {type(text).__name__}, not str; every item must be a string"
            raise InputError(msg)
    return list(texts)


class Encoder:
    """A bi-encoder: `encode_queries` for natural language, `encode_code` for functions; one shared model."""

    def __init__(
        self,
        model: nn.Module,
        tokenizer: PreTrainedTokenizerBase,
        pooling: Pooling,
        *,
        projection: nn.Module | None = None,
        device: str | torch.device | None = None,
        max_query_length: int = 256,
        max_code_length: int = 256,
        batch_size: int = 32,
        name: str = "",
        adapter: str | None = None,
        towers: Towers = "both",
        precision: str | PrecisionPolicy = "auto",
        prompts: Prompts = Prompts(),  # noqa: B008 (frozen)
        dim: int | None = None,
    ) -> None:
        for label, value in (("max_query_length", max_query_length), ("max_code_length", max_code_length),
                             ("batch_size", batch_size)):
            if value <= 0:
                msg = f"{label} must be positive, got {value}"
                raise InputError(msg)
        self.device = torch.device(device) if device is not None else default_device()
        self.model = model.to(self.device)
        # encoding runs under bf16 autocast where the hardware has it (`precision`); the weights stay float32
        self.precision = resolve_precision(precision, self.device)
        self.tokenizer = tokenizer
        self.pooling = pooling
        self.projection = projection
        self.prompts = prompts
        # CodeT5+'s `proj` is the model's own module, applied in its forward (`pooler_output`)
        self.projects_inside = projection is not None and any(m is projection for m in model.modules())
        self.dim = dim  # Matryoshka truncation (checked against the model by `models.check_dim`)
        self.max_query_length = max_query_length
        self.max_code_length = max_code_length
        self.batch_size = batch_size
        self.name = name
        self.adapter = adapter
        if towers not in TOWERS:
            msg = f"towers must be one of {TOWERS}, got {towers!r}"
            raise InputError(msg)
        if towers == "query" and not hasattr(model, "disable_adapter"):
            msg = "towers='query' needs a PEFT adapter on the model (the code side runs with it disabled)"
            raise InputError(msg)
        self.towers = towers
        self.code_model: nn.Module | None = None  # set by `quantize_code`: the code side's own int8 model

    def quantize_code(self, quantization: str = "int8") -> None:
        """Embed code with an int8 copy of the model from now on (CPU only; questions stay float32).

        Raises:
            InputError: an unknown quantization, a GPU encoder, or a prompt-tuning adapter (cannot be merged).
        """
        from retriever_finetune.quantize import check_quantization, plain_code_model, quantize_int8

        if check_quantization(quantization) == "none":
            self.code_model = None
            return
        plain = plain_code_model(self.model, query_tower_only=self.towers == "query")
        self.code_model = quantize_int8(plain, self.device)

    @property
    def dimension(self) -> int:
        """Size of the output vectors."""
        if self.dim is not None:
            return self.dim
        if self.projection is not None:
            return output_size(self.projection)
        return int(self.model.config.hidden_size)  # T5 configs map hidden_size to d_model

    @contextlib.contextmanager
    def code_tower(self, model: nn.Module | None = None) -> Iterator[None]:
        """`model` (default `self.model`) as the code side sees it: the frozen base when only the query tower
        is adapted."""
        if self.towers == "query":
            with (model if model is not None else self.model).disable_adapter():
                yield
        else:
            yield

    def bf16_model(self) -> nn.Module:
        """A bf16 copy of `self.model` in eval mode, for encoding batches where the policy gives `encode` bf16.

        Faster than autocast, which casts every weight at every call (`bench/bf16_weights.py`). The copy is made
        again when the weights change (a training step, a loaded adapter), found from the parameters' version
        counters.
        """
        key = (getattr(self.model, "active_adapter", None),
               tuple((id(p), p._version) for p in self.model.parameters()))  # noqa: SLF001
        cached = getattr(self, "_bf16_copy", None)
        if cached is None or cached[0] != key:
            duplicate = copy.deepcopy(self.model).to(torch.bfloat16).eval()
            duplicate.requires_grad_(False)
            duplicate.zero_grad(set_to_none=True)
            self._bf16_copy = (key, duplicate)
        return self._bf16_copy[1]

    @property
    def skip_tokens(self) -> int:
        """Virtual tokens the active adapter prepends."""
        return virtual_token_count(self.model)

    def tokenize(self, texts: list[str], max_length: int, prompt: str = "") -> list[list[int]]:
        """Token ids of each text after `prompt`, truncated to `max_length` (prompt and special tokens included,
        as sentence-transformers counts them)."""
        return self.tokenizer([prompt + text for text in texts] if prompt else texts, truncation=True,
                              max_length=max_length, add_special_tokens=True, return_attention_mask=False)["input_ids"]

    def tokenize_queries(self, texts: list[str]) -> list[list[int]]:
        """Token ids of questions: the query prompt, then the text, at most `max_query_length` tokens."""
        return self.tokenize(texts, self.max_query_length, self.prompts.query)

    def tokenize_code(self, texts: list[str]) -> list[list[int]]:
        """Token ids of code: the document prompt, then the code, at most `max_code_length` tokens."""
        return self.tokenize(texts, self.max_code_length, self.prompts.document)

    def collate(self, ids: list[list[int]]) -> dict[str, torch.Tensor]:
        """Right-pad token id lists into (batch, longest) tensors on the encoder's device."""
        longest = max(len(row) for row in ids)
        pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        input_ids = torch.full((len(ids), longest), pad_id, dtype=torch.long)  # (batch, longest)
        attention_mask = torch.zeros((len(ids), longest), dtype=torch.long)
        for row, tokens in enumerate(ids):
            input_ids[row, : len(tokens)] = torch.tensor(tokens, dtype=torch.long)
            attention_mask[row, : len(tokens)] = 1
        return {"input_ids": input_ids.to(self.device), "attention_mask": attention_mask.to(self.device)}

    def embed(self, batch: dict[str, torch.Tensor], model: nn.Module | None = None) -> torch.Tensor:
        """Unit vectors (batch, dim) for a collated batch; keeps the autograd graph (used by training).

        Args:
            model: the same model wrapped for training (DDP, mixed precision); `self.model` when None.
        """
        outputs = (model if model is not None else self.model)(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        skip = self.skip_tokens
        if self.projects_inside and skip == 0 and self.dim is None:
            return outputs.pooler_output.float()  # CodeT5+: projected inside forward, so DDP sees `proj`
        return pool(outputs.last_hidden_state, batch["attention_mask"], self.pooling,
                    projection=self.projection, skip_tokens=skip, dim=self.dim)

    def encode(self, texts: Sequence[str], *, max_length: int, batch_size: int | None = None,
               show_progress: bool | None = None, desc: str = "Encoding", model: nn.Module | None = None,
               code_side: bool = False, prompt: str = "", on_batch: Callable[[int], object] | None = None
               ) -> np.ndarray:
        """Embed texts as float32 unit rows (len(texts), dim), in input order.

        Texts are tokenized once, sorted by token count so each batch pads little, and run under
        `torch.inference_mode` in eval mode. `model`: another model to run (the int8 code side), else `self.model`,
        or its bf16 copy (`bf16_model`) for a batch where the policy gives `encode` bf16. `code_side`: run the
        model as the code tower (`code_tower`). `prompt`: prepended to every text (`Prompts`). `on_batch`: called
        with each batch's size once it is embedded (a caller's own progress bar).
        """
        texts = check_texts(texts)
        batch_size = batch_size or self.batch_size
        if show_progress is None:
            show_progress = logger.isEnabledFor(logging.INFO) and len(texts) > batch_size
        ids = self.tokenize(texts, max_length, prompt)
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        was_training = self.model.training
        self.model.eval()
        phase = "encode_one" if len(texts) == 1 else "encode"
        precision = self.precision
        int8_code = model is not None and model is self.code_model  # already the code side (see `quantize_code`)
        if int8_code:
            precision = FLOAT32  # int8 layers take float32 activations: the int8 code side runs without autocast
        elif model is None and phase == "encode" and self.precision.uses_bf16(phase):
            model, precision = self.bf16_model(), FLOAT32  # already bf16: no autocast around it
        tower = self.code_tower(model) if code_side and not int8_code else contextlib.nullcontext()
        try:
            with torch.inference_mode(), precision.autocast(phase), tower:
                for start in tqdm(range(0, len(order), batch_size), desc=desc, unit="batch",
                                  disable=not show_progress):
                    rows = order[start : start + batch_size]
                    vectors = self.embed(self.collate([ids[i] for i in rows]), model)  # (batch, dim)
                    out[rows] = vectors.float().cpu().numpy()
                    if on_batch is not None:
                        on_batch(len(rows))
        finally:
            self.model.train(was_training)
        return out

    def encoder_for(self, language: str | None = None) -> Encoder:  # noqa: ARG002
        """The encoder of `language`'s functions: this one embeds every language (`routing.LanguageEncoders`
        routes languages to adapters)."""
        return self

    def encode_queries(self, texts: Sequence[str], **kwargs: object) -> np.ndarray:
        """Embed natural-language queries (truncated at `max_query_length` tokens)."""
        return self.encode(texts, max_length=self.max_query_length, desc="Encoding queries",
                           prompt=self.prompts.query, **kwargs)  # type: ignore[arg-type]

    def encode_code(self, texts: Sequence[str], **kwargs: object) -> np.ndarray:
        """Embed code (truncated at `max_code_length` tokens), with the frozen base when only queries are adapted."""
        # the int8 code model is already the code side (adapter merged, or the frozen base)
        return self.encode(texts, max_length=self.max_code_length, desc="Encoding code", model=self.code_model,
                           code_side=True, prompt=self.prompts.document, **kwargs)  # type: ignore[arg-type]

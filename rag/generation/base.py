"""What every generator is (`Generator`), how a local one samples (`Sampling`), and the error a stream that
breaks off raises (`GenerationInterrupted`). Does not handle: any generator itself (see `local`, `endpoints`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from data.cli import InputError


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


class GenerationInterrupted(InputError):
    """The endpoint stopped sending in the middle of an answer: what came before it is kept, but incomplete."""

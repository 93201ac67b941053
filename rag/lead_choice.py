"""With an endpoint generator, let the endpoint choose which source leads: a listwise choice among the first
stage's first five (`--rerank endpoint`, issue 46).

The endpoint reads the question and the five, each as its qualified name and its docstring's first sentence
(`prompts/lead_choice.txt`), and answers with a number; that source leads and the others follow in the first
stage's order. One short request before the answer's own. An answer without a usable number, or an endpoint that
fails, keeps the first stage's order (the answer's own request then reports the failure). Opt-in: with the packaged
Gemma a listwise choice fell far below the pointwise rerank (docs/RESULTS.md), and no endpoint could be measured
here. Does not handle: the first stage (see `rag.search`), the local rerank (see `rag.rerank`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from data.cli import InputError
from data.documents import source_label
from data.languages import language_in_prose
from rag.generation import Generator
from rag.grounding import first_sentence
from rag.prompts import read_prompt
from rag.store import Source

logger = logging.getLogger(__name__)

LEAD_CHOICES = 5  # the sources the endpoint chooses among: the five an answer shows by default
NUMBER = re.compile(r"\d+")


class EndpointLeadChoice:
    """A reranker whose only move is the endpoint's choice of the first source among the first `candidates`."""

    def __init__(self, generator: Generator, *, candidates: int = LEAD_CHOICES) -> None:
        self.generator, self.candidates = generator, candidates
        self.template = read_prompt("lead_choice")

    def prompt(self, question: str, sources: Sequence[Source]) -> str:
        """The listwise prompt: each source numbered, named as to a reader (`source_label`), with its docstring's first
        sentence."""
        lines = []
        for number, source in enumerate(sources, start=1):
            summary = first_sentence(source.docstring)[:120]
            lines.append(f"{number}. `{source_label(source)}`" + (f": {summary}" if summary else ""))
        languages = sorted({language_in_prose(s.language) for s in sources})
        return self.template.format(question=question.strip(), language="/".join(languages) or "code",
                                    listed="\n".join(lines))

    def choose(self, question: str, sources: Sequence[Source]) -> int | None:
        """The position (0-based) the endpoint chose, or None without a usable answer."""
        try:
            reply = "".join(self.generator.stream(self.prompt(question, sources), max_new_tokens=6, stop=["\n"]))
        except InputError as error:
            logger.warning("the endpoint did not choose the first source (%s); the search's order is kept", error)
            return None
        found = NUMBER.search(reply)
        if found is None or not 1 <= int(found.group()) <= len(sources):
            logger.info("the endpoint's choice %r names none of the %d sources; the search's order is kept", reply,
                        len(sources))
            return None
        return int(found.group()) - 1

    def rerank(self, question: str, sources: Sequence[Source], k: int) -> list[Source]:
        """The first k sources: the endpoint's choice among the first `candidates` first, the rest in order."""
        shown = list(sources)
        if len(shown) > 1:
            chosen = self.choose(question, shown[: self.candidates])
            if chosen:
                shown.insert(0, shown.pop(chosen))
        return shown[:k]

"""The prompts a question is answered with: templates from `prompts/`, filled with the sources that fit.

Prompts are the template files in `prompts/` (found next to the code, not the working directory), in two
styles: instructions for instruction-tuned generators (retrieved code inside numbered delimiters, which the
template calls reference material, not instructions), and a worked example to continue for a base model.
The context is trimmed to the generator's window (lowest-ranked sources go first, then the last one is cut).
`answer_cut` says where a generated answer ends: the template's stop markers, or runaway repetition.
Does not handle: generating (see `generation`) or reviewing the answer (`grounding`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from data.documents import is_code_unit, qualified_name, source_label
from rag.generation import Generator
from rag.grounding import find_loop
from rag.store import Source

logger = logging.getLogger(__name__)

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"
STOP_MARKERS = ("\nQuestion:", "<<<SOURCE", "\nSources:", "\n# [", "\n\n\n\n")


def read_prompt(name: str) -> str:
    """A template from prompts/."""
    path = PROMPTS_DIR / f"{name}.txt"
    if not path.is_file():
        msg = f"missing prompt template {path}; reinstall the project (pip install -e .)"
        raise FileNotFoundError(msg)
    return path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class PromptStyle:
    """The templates of one kind of generator, and how its answer starts.

    Instruction-tuned models get instructions (`answer.txt`); a base model (the packaged Gemma) gets two
    worked examples to continue (`answer_base.txt`), the sources as code with their qualified names, and the
    start of a one-line answer, which it completes by copying a name from the sources and saying what it does.
    """

    answer: str
    source: str
    answer_start: str = ""  # formatted with the top source's `name`, when it is a function or class
    document_start: str = ""  # the same when it is a document section, configuration window or script
    stop: tuple[str, ...] = STOP_MARKERS
    see_also: int = 0  # the next sources named after the generated line
    source_lines: int = 0  # code lines shown per source (0: all), so that every source fits the budget

    def start(self, sources: list[Source]) -> str:
        """The answer's given first words."""
        if not self.answer_start or not sources:
            return ""
        top = sources[0]
        if not is_code_unit(top):
            return self.document_start.format(name=source_label(top))
        return self.answer_start.format(name=qualified_name(top.path, top.func_name, top.language))

    def ending(self, sources: list[Source]) -> str:
        """The line after the generated one that names the next sources (empty when there are none)."""
        others = [f"`{source_label(s)}` [{n}]" if is_code_unit(s) else f"{source_label(s)} [{n}]"
                  for n, s in enumerate(sources[1 : 1 + self.see_also], start=2)]
        return f"\nSee also: {', '.join(others)}." if others else ""


INSTRUCTION_STYLE = PromptStyle("answer", "source")
BASE_MODEL_STYLE = PromptStyle("answer_base", "source_base", answer_start=" Use `{name}` [1]:", document_start=" See {name} [1]:",
                               stop=(*STOP_MARKERS, "\n"), see_also=2, source_lines=12)


def prompt_style(generator: Generator) -> PromptStyle:
    """The style a generator is prompted in (instruction-tuned unless it says otherwise)."""
    return INSTRUCTION_STYLE if getattr(generator, "instruction_tuned", True) else BASE_MODEL_STYLE


def _source_block(template: str, number: int, source: Source, code: str) -> str:
    docstring = " ".join(source.docstring.split()) if is_code_unit(source) else ""  # a section's text holds it
    return template.format(number=number, location=source.location, func_name=source.func_name,
                           qualified_name=source_label(source),
                           docstring_comment=f"# {docstring}\n" if docstring else "", code=code).strip()


def build_prompt(question: str, sources: list[Source], *, budget_tokens: int,
                 count_tokens: Callable[[str], int], style: PromptStyle = INSTRUCTION_STYLE,
                 ) -> tuple[str, list[Source]]:
    """Fill the template with as many sources as fit in `budget_tokens`; return the prompt and the sources used."""
    if not sources:
        return read_prompt("no_context").format(question=question), []
    template, block = read_prompt(style.answer), read_prompt(style.source)

    def fill(context: str) -> str:
        return template.format(context=context, question=question).rstrip("\n") + style.start(sources)

    used: list[Source] = []
    blocks: list[str] = []
    for number, source in enumerate(sources, start=1):
        code = source.code.strip()
        if style.source_lines and code.count("\n") >= style.source_lines:
            code = "\n".join([*code.splitlines()[: style.source_lines], "    ..."])
        text = _source_block(block, number, source, code)
        if count_tokens(fill("\n\n".join([*blocks, text]))) <= budget_tokens:
            blocks.append(text)
            used.append(source)
            continue
        if not blocks:  # even the best source alone is too long: cut its code to fit
            lines = source.code.strip().splitlines()
            while lines and count_tokens(fill(_source_block(block, 1, source, "\n".join(lines)))) > budget_tokens:
                lines = lines[: max(1, len(lines) * 3 // 4)] if len(lines) > 1 else []
            if lines:
                blocks.append(_source_block(block, 1, source, "\n".join(lines)))
                used.append(source)
        break
    if len(used) < len(sources):
        logger.info("context trimmed to %d of %d sources to fit %d tokens", len(used), len(sources), budget_tokens)
    return fill("\n\n".join(blocks)), used


def answer_cut(produced: str, start: int, style: PromptStyle) -> tuple[int, bool]:
    """Where an answer ends (-1: not yet) and whether it ends in a loop: the first stop marker after the given
    `start` characters, or the start of runaway repetition (`grounding.find_loop`) when that comes first."""
    cut = min((produced.find(m, start) for m in style.stop if m in produced[start:]), default=-1)
    loop = find_loop(produced)
    if loop is not None and (cut < 0 or loop < cut):
        return loop, True
    return cut, False


_CONNECTOR = re.compile(r"[\s,;:(]*(?:\b(?:e\.g\.|for example|for instance|such as|like|as in|via|with|using|or|and)\s*)?$",
                        re.IGNORECASE)


def _open_span(text: str) -> int | None:
    """Where the code block or inline code span left open at the end of `text` starts (None: all closed)."""
    fences = [m.start() for m in re.finditer("```", text)]
    if len(fences) % 2:
        return fences[-1]
    outside = re.sub(r"```.*?```", lambda m: " " * len(m.group(0)), text, flags=re.S)
    ticks = [i for i, c in enumerate(outside) if c == "`"]
    return ticks[-1] if len(ticks) % 2 else None


def finished_prefix(text: str) -> int:
    """How much of a growing answer is safe to show: up to the words that lead into an open code span or block
    (", e.g. `json.dumps(" → up to the comma), else all but trailing punctuation and a trailing "e.g."/"and", so
    that a stream cut anywhere ends at words, never mid-code or mid-clause."""
    opened = _open_span(text)
    return _CONNECTOR.search(text[: len(text) if opened is None else opened]).start()


def finish_answer(text: str, shown: int = 0) -> str:
    """The answer as it ends: cut before an unclosed code span (never before the first `shown` characters,
    already streamed), with a full stop after words that were cut."""
    if _open_span(text) is None:
        return text
    kept = text[: max(finished_prefix(text), shown)].rstrip()
    return kept + "." if kept and kept[-1] not in ".!?:`" else kept


def prepare_answer(question: str, sources: list[Source], generator: Generator, *, max_new_tokens: int,
                   max_context_tokens: int) -> tuple[str, list[Source], PromptStyle]:
    """The prompt for a question and its sources, the sources that fit, and the style it was written in."""
    style = prompt_style(generator) if sources else INSTRUCTION_STYLE
    budget = min(max_context_tokens, generator.context_window - max_new_tokens)
    prompt, used = build_prompt(question, sources, budget_tokens=budget, count_tokens=generator.count_tokens,
                                style=style)
    return prompt, used, style

"""Completions remembered by prompt: a deterministic generator (greedy, or sampled with a fixed seed) asked the
same prompt again replays what it streamed, instead of running the model (a warm server asked the same question
over an unchanged index). A stream the reader stopped early is remembered as far as it went; a later reader that
wants more gets the rest from a new run, past the replayed text. Does not handle: endpoints (not deterministic).
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field

DEFAULT_ENTRIES = 256


@dataclass
class _Completion:
    pieces: list[str] = field(default_factory=list)
    complete: bool = False  # the model ended the stream itself (not a reader that stopped)


class CompletionMemo:
    """The last `entries` completions, by key (the prompt and every decoding setting)."""

    def __init__(self, entries: int = DEFAULT_ENTRIES) -> None:
        self.entries = entries
        self._completions: OrderedDict[Hashable, _Completion] = OrderedDict()

    def stream(self, key: Hashable, run: Callable[[], Iterator[str]]) -> Iterator[str]:
        """The remembered pieces of `key`, then (when the stream had not ended) a new run's text beyond them."""
        known = self._completions.get(key)
        replayed = ""
        if known is not None:
            self._completions.move_to_end(key)
            for piece in list(known.pieces):
                replayed += piece
                yield piece
            if known.complete:
                return
        completion = _Completion()
        self._completions[key] = completion
        while len(self._completions) > self.entries:
            self._completions.popitem(last=False)
        produced = ""
        with contextlib.closing(run()) as pieces:  # a reader that stops early stops the model at once
            for piece in pieces:
                completion.pieces.append(piece)
                produced += piece
                if len(produced) > len(replayed):  # the replay gave the text before this
                    yield produced[max(len(replayed), len(produced) - len(piece)):]
        completion.complete = True

"""Answer-quality metrics: ROUGE-1/2/L F1 (rouge-score) and seeded bootstrap confidence intervals.

`rouge_score`'s own bootstrap is unseeded and unpaired, so intervals come from here: a percentile bootstrap
of the mean, and a paired bootstrap of the mean difference between two systems on the same questions. Note
that rouge-score's tokenizer keeps only lowercase letters and digits: code punctuation does not count.
Does not handle: generation (see `answers`).
"""

from __future__ import annotations

import numpy as np
from rouge_score import rouge_scorer

from data.cli import InputError

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")
_SCORERS: dict[tuple[tuple[str, ...], bool], rouge_scorer.RougeScorer] = {}


def rouge_f1(reference: str, prediction: str, *, types: tuple[str, ...] = ROUGE_TYPES,
             stem: bool = False) -> dict[str, float]:
    """ROUGE F1 (1/2/L by default; `rougeLsum` too for the paper's protocol, with Porter stemming) of a
    prediction against its reference (rouge-score takes the reference first)."""
    scorer = _SCORERS.get((types, stem))
    if scorer is None:
        scorer = _SCORERS[types, stem] = rouge_scorer.RougeScorer(list(types), use_stemmer=stem)
    scores = scorer.score(reference, prediction)
    return {name: float(scores[name].fmeasure) for name in types}


def bootstrap_ci(values: np.ndarray, *, n_resamples: int = 2000, confidence: float = 0.95, seed: int = 0
                 ) -> tuple[float, float, float]:
    """(mean, low, high): percentile bootstrap interval of the mean.

        >>> bootstrap_ci(np.array([1.0, 1.0, 1.0]))
        (1.0, 1.0, 1.0)
    """
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        msg = "no values to bootstrap: the sample is empty"
        raise InputError(msg)
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, values.size, size=(n_resamples, values.size))].mean(axis=1)  # (n_resamples,)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(values.mean()), float(low), float(high)


def paired_bootstrap_ci(a: np.ndarray, b: np.ndarray, *, n_resamples: int = 2000, confidence: float = 0.95,
                        seed: int = 0) -> tuple[float, float, float]:
    """(mean of a - b, low, high): the same resampled questions for both systems."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        msg = f"paired samples must have the same length, got {a.shape} and {b.shape}"
        raise InputError(msg)
    return bootstrap_ci(a - b, n_resamples=n_resamples, confidence=confidence, seed=seed)

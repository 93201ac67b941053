"""Write an evaluation report: JSON, a Markdown table, and a PNG bar chart, into one folder.

Does not handle: computing the numbers (see `retrieval`, `answers`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

logger = logging.getLogger(__name__)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table; floats get 4 decimals."""
    def cell(value: object) -> str:
        return f"{value:.4f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def bar_chart(path: Path, groups: Sequence[str], series: dict[str, Sequence[float]], *, ylabel: str, title: str,
              errors: dict[str, Sequence[tuple[float, float]]] | None = None) -> None:
    """Grouped bars: one group per x label, one bar per series; optional (low, high) error bars."""
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(groups) * max(1, len(series)) / 2), 4))
    width = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        xs = [g + (i - (len(series) - 1) / 2) * width for g in range(len(groups))]
        yerr = None
        if errors and name in errors:
            yerr = [[v - lo for v, (lo, _) in zip(values, errors[name], strict=True)],
                    [hi - v for v, (_, hi) in zip(values, errors[name], strict=True)]]
        ax.bar(xs, values, width, label=name, yerr=yerr, capsize=3 if yerr else 0)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_report(out_dir: Path, payload: dict, markdown: str) -> None:
    """report.json and report.md (the PNG is drawn by the caller with `bar_chart`)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(payload, indent=2))
    (out_dir / "report.md").write_text(markdown + "\n")
    logger.info("report written to %s", out_dir)

"""CLI: counts per language and length percentiles of a corpus file.

    python -m data.stats FILE.jsonl
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from data.cli import InputError, Positional, run_cli
from data.loaders import load_records

PERCENTILES = (50, 90, 99)


@dataclass
class StatsConfig:
    """Options of `python -m data.stats`."""

    file: str = field(default="", metadata={"help": "jsonl / jsonl.gz corpus"})

    def __post_init__(self) -> None:
        if not self.file:
            msg = "give the corpus FILE to describe"
            raise InputError(msg)


def run(config: StatsConfig) -> dict[str, dict[str, float]]:
    """Per language (and 'all'): records, files, and whitespace-token length percentiles of docstring and code."""
    records = load_records(config.file)
    groups: dict[str, list] = defaultdict(list)
    for record in records:
        groups[record.language].append(record)
        groups["all"].append(record)
    table: dict[str, dict[str, float]] = {}
    for language, members in sorted(groups.items(), key=lambda kv: (kv[0] == "all", kv[0])):
        row: dict[str, float] = {"records": len(members), "files": len({(r.repo, r.path) for r in members})}
        for side in ("docstring", "code"):
            lengths = np.array([len(getattr(r, side).split()) for r in members])
            for p in PERCENTILES:
                row[f"{side}_p{p}"] = float(np.percentile(lengths, p))
        table[language] = row
    return table


def render(table: dict[str, dict[str, float]]) -> str:
    """A fixed-width table, one row per language."""
    columns = list(next(iter(table.values())))
    lines = ["language    " + " ".join(f"{c:>13}" for c in columns)]
    for language, row in table.items():
        lines.append(f"{language:<12}" + " ".join(f"{row[c]:>13.0f}" for c in columns))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m data.stats`."""
    return run_cli(StatsConfig, run, argv, description=__doc__ or "", render=render,
                   positional=Positional("file", None, "corpus jsonl file"))


if __name__ == "__main__":
    raise SystemExit(main())

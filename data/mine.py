"""CLI: mine documented functions of every programming language from source trees into a CodeSearchNet-shaped
jsonl file.

    python -m data.mine PATH... --out FILE.jsonl [--languages python,go] [--split 0.8,0.1,0.1]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from data.cli import InputError, Positional, list_option, run_cli
from data.corpus import mine_corpus
from data.languages import CODE_LANGUAGES, check_languages
from data.miner import MineReport
from data.records import write_jsonl
from data.splits import SPLITS, split_records


@dataclass
class MineConfig:
    """Options of `python -m data.mine`."""

    paths: list[str] = field(default_factory=list, metadata={"help": "source trees or files to mine"})
    out: str = field(default="", metadata={"help": "output jsonl (or .jsonl.gz) file"})
    languages: str = field(default="", metadata={
        "help": f"comma-separated subset of {', '.join(sorted(CODE_LANGUAGES))}; all if empty"})
    exclude: str = field(default="", metadata={"help": "extra comma-separated folder names to skip"})
    max_file_bytes: int = field(default=1_000_000, metadata={"help": "skip files larger than this"})
    include_ignored: bool = field(default=False, metadata={
        "help": "inside a git work tree, also mine the files .gitignore excludes (default: what git tracks or could add)"})
    split: str = field(default="", metadata={"help": "e.g. 0.8,0.1,0.1: also write OUT.train/.valid/.test.jsonl, split by file"})
    split_by: str = field(default="path", metadata={"help": "split unit: 'path' (file) or 'repo'"})
    seed: int = field(default=0, metadata={"help": "seed of the split"})

    def __post_init__(self) -> None:
        self.paths = list_option(self.paths, required="give at least one PATH to mine")
        if not self.out:
            msg = "--out FILE.jsonl is required"
            raise InputError(msg)
        check_languages(self.language_set())
        if self.split_by not in ("path", "repo"):
            msg = f"--split_by must be 'path' or 'repo', not {self.split_by!r}"
            raise InputError(msg)
        self.split_fractions()  # validate early
        if self.max_file_bytes <= 0:
            msg = f"--max_file_bytes must be positive, got {self.max_file_bytes}"
            raise InputError(msg)

    def language_set(self) -> frozenset[str]:
        """The languages asked for (every programming language when empty: documents have no functions)."""
        return frozenset(x.strip().lower() for x in self.languages.split(",") if x.strip()) or CODE_LANGUAGES

    def split_fractions(self) -> tuple[float, float, float] | None:
        """The train/valid/test fractions, or None when no split was asked for."""
        if not self.split:
            return None
        try:
            parts = tuple(float(x) for x in self.split.split(","))
        except ValueError:
            parts = ()
        if len(parts) != 3 or abs(sum(parts) - 1) > 1e-6 or min(parts) < 0:
            msg = f"--split {self.split!r}: give three fractions train,valid,test summing to 1, e.g. 0.8,0.1,0.1"
            raise InputError(msg)
        return parts  # type: ignore[return-value]


@dataclass
class MineResult:
    """Files written and what was seen."""

    report: MineReport
    written: dict[str, int]


def split_path(out: Path, split: str) -> Path:
    """`corpus.jsonl` → `corpus.train.jsonl` (keeps .gz)."""
    name = out.name
    stem, dot, suffix = name.partition(".jsonl")
    return out.with_name(f"{stem}.{split}{dot}{suffix}")


def run(config: MineConfig) -> MineResult:
    """Mine every path, dedup, write the corpus (and its splits)."""
    report = MineReport()
    records = mine_corpus(config.paths, exclude=[x.strip() for x in config.exclude.split(",") if x.strip()],
                          languages=sorted(config.language_set()), documented_only=True,
                          include_ignored=config.include_ignored, max_file_bytes=config.max_file_bytes, report=report)
    out = Path(config.out)
    written = {str(out): write_jsonl(records, out)}
    fractions = config.split_fractions()
    if fractions:
        parts = split_records(records, fractions, by=config.split_by, seed=config.seed)  # type: ignore[arg-type]
        for name in SPLITS:
            target = split_path(out, name)
            written[str(target)] = write_jsonl(parts[name], target)
    return MineResult(report=report, written=written)


def render(result: MineResult) -> str:
    """What the CLI prints."""
    lines = [result.report.summary() + f"; {result.report.duplicates} duplicates dropped"]
    lines += [f"wrote {count} records to {path}" for path, count in result.written.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m data.mine`."""
    return run_cli(MineConfig, run, argv, description=__doc__ or "", render=render,
                   positional=Positional("paths", "*", "source trees or files"))


if __name__ == "__main__":
    raise SystemExit(main())

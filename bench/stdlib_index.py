"""Benchmark: the first index of the standard library (the default corpus), this checkout against a reference
commit, in the same run: entries per second of mining, embedding and writing, as a ratio.

    python bench/stdlib_index.py [--reference 9a9aaa7] [--repeats 2] [--out FILE.json]

Each checkout builds the default index (`rag.store.build_search_index` of `data.corpus.default_corpus()`, its tests
excluded, frozen MiniLM, the default precision) into a Chroma folder of its own, in a process of its own whose
imports come from that checkout (the reference from a `git worktree`); the runs alternate, `--repeats` times
each, and the best of each is kept. Reports entries, seconds and entries per second per checkout, and this
checkout's rate over the reference's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build_once(persist: str) -> dict:
    """Run in the checkout on `sys.path`: the default index built from nothing; entries and seconds."""
    from data.corpus import DEFAULT_CORPUS_EXCLUDES, default_corpus
    from rag.options import StoreOptions
    from rag.store import build_search_index
    from retriever_finetune.models import load_retriever
    from retriever_finetune.spec import parse_retriever

    spec = parse_retriever("base")
    encoder = load_retriever(spec)
    started = time.perf_counter()
    stats = build_search_index(default_corpus(), spec, encoder, StoreOptions(persist), exclude=DEFAULT_CORPUS_EXCLUDES)
    return {"entries": stats.total, "seconds": time.perf_counter() - started}


def run_checkout(checkout: Path) -> dict:
    """One build in a process whose imports come from `checkout`."""
    with tempfile.TemporaryDirectory(prefix="stdlib-index-") as folder:
        result = Path(folder) / "result.json"
        env = {**os.environ, "PYTHONPATH": str(checkout), "HF_HUB_OFFLINE": "1"}
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", "--persist",
                        str(Path(folder) / "chroma"), "--result", str(result)], cwd=checkout, env=env, check=True)
        return json.loads(result.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", default="9a9aaa7", help="the commit to compare with (git ref)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--out", default="")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--persist", default="", help=argparse.SUPPRESS)
    parser.add_argument("--result", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        Path(args.result).write_text(json.dumps(build_once(args.persist)))
        return
    runs: dict[str, list[dict]] = {"this checkout": [], "reference": []}
    with tempfile.TemporaryDirectory(prefix="stdlib-index-reference-") as folder:
        reference_tree = Path(folder) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", str(reference_tree), args.reference], cwd=ROOT,
                       check=True, capture_output=True)
        try:
            for _ in range(args.repeats):
                runs["reference"].append(run_checkout(reference_tree))
                runs["this checkout"].append(run_checkout(ROOT))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(reference_tree)], cwd=ROOT, check=False)
    best = {name: max(found, key=lambda r: r["entries"] / r["seconds"]) for name, found in runs.items()}
    rates = {name: r["entries"] / r["seconds"] for name, r in best.items()}
    report = {"reference": args.reference, "runs": runs,
              "entries_per_second": rates, "ratio_to_reference": rates["this checkout"] / rates["reference"]}
    print(json.dumps(report, indent=2))  # noqa: T201
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

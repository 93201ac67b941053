"""Benchmark: how long each command takes to answer `--help` (or a bad option: the same path), against a reference
checkout, in the same run.

    python bench/cli_help.py --reference DIR [--repeats 5] [--out FILE.json]
    python bench/cli_help.py --reference DIR --bad_options [--repeats 5]

DIR is a checkout of the code to compare with (e.g. `git worktree add /tmp/before <commit>`). Each command runs as
its own process, `python -m MODULE --help`, alternating ours and the reference's, `--repeats` times; the median
seconds and the ratio ours / reference (below 1: ours is faster) are printed as a markdown table. A command whose
module is missing from one checkout (moved) is timed under its name there (`--rename OLD=NEW`).

With `--bad_options`: `python -m rag.ask` with options it refuses (exit code 2), as a person runs it (the warm
server allowed, none running: an empty home folder per run, and any server a run started stopped after it,
untimed).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ["data.mine", "data.stats", "rag.ask", "rag.index", "rag.mcp", "retriever_finetune.train",
            "retriever_finetune.adapt", "eval.mrr", "eval.rouge"]


def seconds(checkout: Path, module: str) -> float:
    """Wall seconds of `python -m MODULE --help` run in `checkout` (no warm server)."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "CODESEARCH_SERVER": "none", "HF_HUB_OFFLINE": "1"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", module, "--help"], cwd=checkout, env=env, capture_output=True, check=True)
    return time.perf_counter() - start


BAD_OPTIONS = {"empty question": ["", "--quiet"], "missing corpus": ["q", "--corpus", "no/such/folder"],
               "k of 0": ["q", "--k", "0"], "unknown generator": ["q", "--generator", "gpt"]}


def refused_seconds(checkout: Path, options: list[str]) -> float:
    """Wall seconds of `python -m rag.ask OPTIONS` refusing them (exit code 2), in an empty home folder."""
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "PYTHONPATH": str(checkout), "HOME": home, "HF_HUB_OFFLINE": "1"}
        env.pop("CODESEARCH_SERVER", None)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "rag.ask", *options], cwd=checkout, env=env, capture_output=True,
                              text=True, check=False)
        elapsed = time.perf_counter() - start
        subprocess.run([sys.executable, "-m", "rag.serve", "--stop", "--quiet"], cwd=checkout, env=env,
                       capture_output=True, check=False)
    if done.returncode != 2:
        msg = f"{checkout}: rag.ask {options} exited {done.returncode}, not 2: {done.stderr[-500:]}"
        raise RuntimeError(msg)
    return elapsed


def bad_options(reference: Path, repeats: int) -> list[dict]:
    """Median seconds of each refused `rag.ask`, ours and the reference's, alternating."""
    rows = []
    for case, options in BAD_OPTIONS.items():
        ours_s, reference_s = [], []
        for _ in range(repeats):
            ours_s.append(refused_seconds(ROOT, options))
            reference_s.append(refused_seconds(reference, options))
        ours, before = statistics.median(ours_s), statistics.median(reference_s)
        rows.append({"command": f"rag.ask, {case}", "reference_command": "rag.ask", "ours_s": round(ours, 3),
                     "reference_s": round(before, 3), "ratio": round(ours / before, 3)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", required=True, help="checkout to compare with")
    parser.add_argument("--repeats", type=int, default=5, help="runs per command and checkout (median)")
    parser.add_argument("--rename", nargs="*", default=["retriever_finetune.adapt=rag.adapt"],
                        help="OURS=REFERENCE module names of commands that moved")
    parser.add_argument("--bad_options", action="store_true", help="time rag.ask refusing bad options instead")
    parser.add_argument("--out", default="", help="also write the rows as JSON here")
    args = parser.parse_args()
    reference = Path(args.reference).resolve()
    renamed = dict(pair.split("=", 1) for pair in args.rename)
    rows = bad_options(reference, args.repeats) if args.bad_options else []
    for module in [] if args.bad_options else COMMANDS:
        theirs = renamed.get(module, module)
        ours_s, reference_s = [], []
        for _ in range(args.repeats):
            ours_s.append(seconds(ROOT, module))
            reference_s.append(seconds(reference, theirs))
        ours, before = statistics.median(ours_s), statistics.median(reference_s)
        rows.append({"command": module, "reference_command": theirs, "ours_s": round(ours, 3),
                     "reference_s": round(before, 3), "ratio": round(ours / before, 3)})
    what = "`python -m rag.ask` refusing bad options" if args.bad_options else "`python -m COMMAND --help`"
    flag = " --bad_options" if args.bad_options else ""
    print(f"`python bench/cli_help.py --reference {args.reference}{flag} --repeats {args.repeats}` ({date.today()}), "  # noqa: T201
          f"median seconds of {what}\n")
    print("| command | reference | ours | ours / reference |\n|---|---|---|---|")  # noqa: T201
    for row in rows:
        print(f"| {row['command']} | {row['reference_s']:.2f} | {row['ours_s']:.2f} | {row['ratio']:.2f}× |")  # noqa: T201
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""Benchmark: what a person at a terminal waits for, `python -m rag.ask` as a process, against a reference checkout.

    python bench/cli_latency.py --reference DIR [--questions 3] [--skip_first_run] [--out FILE.json]

DIR is a checkout of the code to compare with (e.g. `git worktree add /tmp/before <commit>`); both run in the
same run, one after the other, with this Python. For each: time to the first byte on stdout and to the process's
exit (the whole answer and its sources), for
- the first run: an empty home folder (no converted Gemma, no index), the offline default;
- a cold question: converted Gemma and index in place, nothing else running (our warm server stopped first);
- repeated questions: other questions asked right after, one process each (what a person asking several
  questions meets; with a warm server they reach it), median;
- the same question again, right after.
Ratios are reference / ours (above 1: ours is faster). Each process is checked to exit 0.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

QUESTIONS = ["how to parse json", "read a file line by line", "compute the md5 hash of a string",
             "split a path into directory and file name", "parse command line arguments"]


def timed_ask(checkout: Path, home: Path, question: str, extra: list[str] | None = None) -> tuple[float, float]:
    """Seconds from starting `python -m rag.ask QUESTION` to its first stdout byte, and to its exit."""
    env = {**os.environ, "HOME": str(home), "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
           "PYTHONPATH": str(checkout)}
    env.pop("CODESEARCH_SERVER", None)
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "rag.ask", question, "--quiet", *(extra or [])], cwd=checkout,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    first = process.stdout.read(1)
    first_s = time.perf_counter() - start
    rest = process.stdout.read()
    stderr = process.stderr.read() if process.stderr else b""
    code = process.wait()
    whole_s = time.perf_counter() - start
    if code != 0 or not first:
        msg = f"{checkout}: rag.ask {question!r} exited {code}: {(first + rest).decode()[-500:]} {stderr.decode()[-2000:]}"
        raise RuntimeError(msg)
    return first_s, whole_s


def stop_server(checkout: Path, home: Path) -> None:
    """Stop our warm servers (a reference checkout without `rag.serve` has none)."""
    if (checkout / "rag" / "serve.py").is_file():
        env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(checkout)}
        subprocess.run([sys.executable, "-m", "rag.serve", "--stop"], cwd=checkout, env=env, check=True,
                       capture_output=True)


def measure(checkout: Path, home: Path, questions: list[str], first_run: bool) -> dict[str, float]:
    """Every scenario for one checkout; `home` holds its converted Gemma and index."""
    out: dict[str, float] = {}
    if first_run:
        with tempfile.TemporaryDirectory(prefix="cli-latency-home-") as empty:
            out["first_run_first_s"], out["first_run_whole_s"] = timed_ask(checkout, Path(empty), questions[0])
            stop_server(checkout, Path(empty))
    timed_ask(checkout, home, questions[0])  # the index and the converted model exist before the timings
    stop_server(checkout, home)
    out["cold_first_s"], out["cold_whole_s"] = timed_ask(checkout, home, questions[0])
    times = [timed_ask(checkout, home, q) for q in questions[1:]]
    out["repeated_first_s"] = statistics.median(t[0] for t in times)
    out["repeated_whole_s"] = statistics.median(t[1] for t in times)
    out["same_again_first_s"], out["same_again_whole_s"] = timed_ask(checkout, home, questions[0])
    stop_server(checkout, home)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", required=True, help="a checkout of the code to compare with")
    parser.add_argument("--questions", type=int, default=3, help="1 cold + the rest repeated (at most 5)")
    parser.add_argument("--skip_first_run", action="store_true", help="leave out the empty-home first run")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    ours, reference = Path(__file__).resolve().parents[1], Path(args.reference).resolve()
    if not (reference / "rag" / "ask.py").is_file():
        parser.error(f"--reference {reference} is not a checkout of this project (no rag/ask.py)")
    questions = QUESTIONS[: max(2, min(args.questions, len(QUESTIONS)))]
    results = {}
    for name, checkout in (("reference", reference), ("ours", ours)):
        home = Path(tempfile.mkdtemp(prefix=f"cli-latency-{name}-"))
        cache = Path.home() / ".cache" / "codesearch-rag"
        for part in ("gguf", "gemma3-270m-q4_k_m-converted"):  # the converted Gemma is shared; indexes are not
            if (cache / part).is_dir():
                (home / ".cache" / "codesearch-rag").mkdir(parents=True, exist_ok=True)
                os.symlink(cache / part, home / ".cache" / "codesearch-rag" / part)
        try:
            results[name] = measure(checkout, home, questions, not args.skip_first_run)
        finally:
            shutil.rmtree(home, ignore_errors=True)
        print(name, json.dumps(results[name]), flush=True)  # noqa: T201
    print("\n| question | reference first output | ours | ratio | reference whole | ours | ratio |")  # noqa: T201
    print("|---|---:|---:|---:|---:|---:|---:|")  # noqa: T201
    for label, key in (("first run (empty home)", "first_run"), ("cold", "cold"), ("repeated (median)", "repeated"),
                       ("the same again", "same_again")):
        if f"{key}_first_s" not in results["ours"]:
            continue
        ref, our = results["reference"], results["ours"]
        print(f"| {label} | {ref[key + '_first_s']:.1f} s | {our[key + '_first_s']:.1f} s | "  # noqa: T201
              f"{ref[key + '_first_s'] / our[key + '_first_s']:.1f}× | {ref[key + '_whole_s']:.1f} s | "
              f"{our[key + '_whole_s']:.1f} s | {ref[key + '_whole_s'] / our[key + '_whole_s']:.1f}× |")
    if args.out:
        Path(args.out).write_text(json.dumps({"date": str(date.today()), "args": vars(args), **results}, indent=1),
                                  encoding="utf-8")


if __name__ == "__main__":
    main()

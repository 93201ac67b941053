"""Check: several `python -m rag.ask` on one corpus at once, right after an edit, all finish with exit 0.

    python bench/concurrent_asks.py [--tries 10] [--asks 3] [--server none|auto] [--generator none] \
        [--rerank none] [--source FOLDER] [--out FILE.json]

Copies a small tree (default: this Python's `email` package) into a temporary
corpus, indexes it once, then per try: edits one function (a new body, so a new index entry), and starts
`--asks` processes of `python -m rag.ask QUESTION --corpus COPY --generator G --rerank R --server S` at the same
time (the default retriever; hybrid search, so entries another process added are met through BM25). With
`--server none` each process opens the index: one refreshes it while the others search it as it is; with
`--server auto` they all reach one warm server (started by the first try), which answers them in turn.
Reports each try's exit codes and the first error line of any process that failed; exit code 1 when any failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

QUESTIONS = ["how to parse an email address", "decode a MIME header", "read a message from a file"]


def edit(corpus: Path, attempt: int) -> None:
    """Give one function a new body (its index entry is replaced by the next refresh)."""
    target = corpus / "utils.py"
    text = target.read_text(encoding="utf-8")
    marker = "\n\ndef bench_edited_function"
    text = text.split(marker)[0]
    text += f'{marker}(value):\n    """Return the value of try {attempt} for an edited function."""\n    return value + {attempt}\n'
    target.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tries", type=int, default=10)
    parser.add_argument("--asks", type=int, default=3, help="rag.ask processes started together per try")
    parser.add_argument("--server", default="none", choices=["none", "auto"], help="as rag.ask --server")
    parser.add_argument("--generator", default="none", help="as rag.ask --generator")
    parser.add_argument("--rerank", default="none", help="as rag.ask --rerank")
    parser.add_argument("--source", default=str(Path(sysconfig.get_paths()["stdlib"]) / "email"))
    parser.add_argument("--out", default="")
    args = parser.parse_args()

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    env.pop("CODESEARCH_SERVER", None)
    with tempfile.TemporaryDirectory() as tmp:
        corpus, persist = Path(tmp) / "corpus", str(Path(tmp) / "chroma")
        shutil.copytree(args.source, corpus, ignore=shutil.ignore_patterns("__pycache__"))
        if not (corpus / "utils.py").is_file():
            (corpus / "utils.py").write_text('"""Helpers."""\n', encoding="utf-8")
        subprocess.run([sys.executable, "-m", "rag.index", str(corpus), "--persist", persist, "--quiet"],
                       cwd=root, env=env, check=True)
        tries = []
        for attempt in range(args.tries):
            edit(corpus, attempt)
            start = time.perf_counter()
            processes = [subprocess.Popen([sys.executable, "-m", "rag.ask", QUESTIONS[i % len(QUESTIONS)], "--corpus",
                                           str(corpus), "--persist", persist, "--generator", args.generator,
                                           "--rerank", args.rerank, "--server", args.server, "--quiet"],
                                          cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                         for i in range(args.asks)]
            outcomes = [(p.wait(timeout=600), p.communicate()[1]) for p in processes]
            codes = [code for code, _ in outcomes]
            errors = [next((line for line in err.splitlines() if "Error" in line or "error" in line), "")
                      for code, err in outcomes if code != 0]
            tries.append({"try": attempt, "exit_codes": codes, "seconds": round(time.perf_counter() - start, 1),
                          "errors": errors})
            print(f"try {attempt}: exit codes {codes} ({tries[-1]['seconds']} s){' ' + errors[0] if errors else ''}")  # noqa: T201
        if args.server == "auto":
            subprocess.run([sys.executable, "-m", "rag.serve", "--stop", "--quiet"], cwd=root, env=env, check=False)
    failed = sum(any(code != 0 for code in t["exit_codes"]) for t in tries)
    print(f"{args.tries - failed} of {args.tries} tries: every rag.ask exited 0")  # noqa: T201
    if args.out:
        Path(args.out).write_text(json.dumps({"tries": tries, "args": vars(args)}, indent=1), encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

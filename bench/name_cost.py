"""Benchmark: what asking the LM for each candidate's name (`rag.rerank`, `--rerank_name`) costs a warm new question.

    python bench/name_cost.py [--questions 8] [--generator gemma] [--out FILE.json]

Loads the default pipeline once (the standard-library index, hybrid first stage, the Gemma rerank and, unless
`--generator none`, the packaged Gemma answering), as the warm server holds it, then answers each how-to dev
question twice through `rag.ask.main` with those models: with the name's likelihood (the default weight) and
without it (weight 0), alternating which goes first. The reranker's remembered scores are cleared before every
answer, so each one is a new question. Reports the median seconds of each, their ratio and the ratio of the total
seconds, measured in the same run. With the generator, the two settings can lead with different sources and so
write answers of different lengths; `--generator none` times the search and rerank alone.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tqdm.auto import tqdm  # noqa: E402

from eval.howto import HOWTO_QUERIES  # noqa: E402
from rag import ask  # noqa: E402
from rag.opening import OpenedModels  # noqa: E402
from rag.options import DEFAULT_NAME_WEIGHT  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=8)
    parser.add_argument("--generator", default="gemma")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    models = OpenedModels()
    argv = ["--generator", args.generator, "--quiet"]
    with contextlib.redirect_stdout(io.StringIO()):
        ask.main(["how to parse json", *argv], warm=models)  # loads everything (and builds the index if missing)
    reranker = models._opened[1].reranker  # noqa: SLF001  # the one the warm models hold
    questions = [q["question"] for q in json.loads(HOWTO_QUERIES.read_text()) if q["set"] == "dev"][: args.questions]
    seconds: dict[str, list[float]] = {"with the name": [], "without": []}
    for number, question in enumerate(tqdm(questions, unit="question")):
        settings = [("with the name", DEFAULT_NAME_WEIGHT), ("without", 0.0)]
        for label, weight in settings if number % 2 == 0 else reversed(settings):
            reranker.name_weight = weight
            reranker._scores.clear()  # noqa: SLF001  # a new question: nothing remembered
            started = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                ask.main([question, *argv], warm=models)
            seconds[label].append(time.perf_counter() - started)
    medians = {label: statistics.median(values) for label, values in seconds.items()}
    totals = {label: sum(values) for label, values in seconds.items()}  # less swayed by one long answer
    report = {"generator": args.generator, "questions": len(questions), "median_s": medians,
              "ratio_with_to_without": medians["with the name"] / medians["without"],
              "ratio_of_totals": totals["with the name"] / totals["without"], "seconds": seconds}
    print(json.dumps({k: v for k, v in report.items() if k != "seconds"}, indent=1))  # noqa: T201
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

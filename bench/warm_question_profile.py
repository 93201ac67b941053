"""Profile: where a new question's time goes once the models are loaded (what the warm server pays).

    python bench/warm_question_profile.py ["read a file line by line"] [--lines 40]

Answers "how to parse json" once to load everything (the default standard-library index, built if missing),
then profiles `rag.ask.main` on the question with the same `OpenedModels`, and prints the total and cProfile's
cumulative table.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag import ask  # noqa: E402
from rag.opening import OpenedModels  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("question", nargs="?", default="read a file line by line")
    parser.add_argument("--lines", type=int, default=40)
    args = parser.parse_args()
    models = OpenedModels()
    ask.main(["how to parse json", "--quiet", "--server", "none"], warm=models)
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    ask.main([args.question, "--quiet", "--server", "none"], warm=models)
    profile.disable()
    print(f"\nTOTAL {time.perf_counter() - start:.2f} s")  # noqa: T201
    pstats.Stats(profile).sort_stats("cumulative").print_stats(args.lines)


if __name__ == "__main__":
    main()

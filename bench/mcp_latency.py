"""Benchmark: `search_code` from a warm `python -m rag.mcp` server against the same search run through
`python -m rag.ask --generator none`, on the default standard-library index, without and with the reranker.

    python bench/mcp_latency.py [--questions 20] [--cli_runs 5] [--persist DIR]

For each setting (`--rerank none`, `--rerank gemma`) one server process is started over stdio with the MCP
SDK's client, asked once to warm up (models load, the index is opened and refreshed), then asked every
how-to question (`eval/howto_queries.json`, dev set first); each call's wall time is taken at the client.
The reference, in the same run: `python -m rag.ask QUESTION --generator none` with the same options,
`--cli_runs` times, wall time from start to exit (it loads the models every time). Reports p50 and p95 of
each, and the ratio of the CLI's p50 to the server's (how much a warm server saves an agent per call).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mcp.client.session import ClientSession  # noqa: E402
from mcp.client.stdio import StdioServerParameters, stdio_client  # noqa: E402

from data.cache import DEFAULT_CACHE  # noqa: E402
from eval.howto import HOWTO_QUERIES  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


async def server_times(options: list[str], questions: list[str]) -> tuple[list[float], float]:
    """Seconds per search_code call from a warm server, and the first (cold) call's seconds."""
    parameters = StdioServerParameters(command=sys.executable, args=["-m", "rag.mcp", "--quiet", *options], cwd=str(ROOT))
    async with stdio_client(parameters) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        start = time.perf_counter()
        warm_up = await session.call_tool("search_code", {"query": questions[0], "k": 5})
        cold = time.perf_counter() - start
        if warm_up.is_error:
            msg = f"search_code failed: {warm_up.content[0].text}"
            raise SystemExit(msg)
        times = []
        for question in questions:
            start = time.perf_counter()
            result = await session.call_tool("search_code", {"query": question, "k": 5})
            times.append(time.perf_counter() - start)
            assert not result.is_error, result.content
    return times, cold


def cli_times(options: list[str], questions: list[str]) -> list[float]:
    """Seconds per `python -m rag.ask QUESTION --generator none` run (models loaded each time)."""
    times = []
    for question in questions:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "rag.ask", question, "--generator", "none", "--server", "none", "--quiet",
                        *options],
                       cwd=ROOT, check=True, capture_output=True, timeout=600)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    """Run both settings and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=20, help="how-to questions asked of each warm server")
    parser.add_argument("--cli_runs", type=int, default=5, help="python -m rag.ask runs per setting (the reference)")
    parser.add_argument("--persist", default=str(DEFAULT_CACHE / "chroma"), help="the index folder (as rag.ask's)")
    parser.add_argument("--out", default="bench/mcp_latency.json")
    args = parser.parse_args()
    questions = [q["question"] for q in json.loads(HOWTO_QUERIES.read_text())][: args.questions]
    rows = {}
    for rerank in ("none", "gemma"):
        options = ["--rerank", rerank, "--persist", args.persist]
        served, cold = asyncio.run(server_times([*options, "--generator", "none"], questions))
        cli = cli_times(options, questions[: args.cli_runs])
        rows[rerank] = {"server_p50": statistics.median(served), "server_p95": percentile(served, 0.95),
                        "server_first_call": cold, "cli_p50": statistics.median(cli), "cli_p95": percentile(cli, 0.95),
                        "server_calls": len(served), "cli_runs": len(cli)}
    lines = ["| reranker | server p50 | server p95 | first call (models load) | rag.ask p50 | rag.ask p95 | "
             "rag.ask p50 / server p50 |", "|---|---:|---:|---:|---:|---:|---:|"]
    for rerank, row in rows.items():
        lines.append(f"| {rerank} | {row['server_p50']:.3f} s | {row['server_p95']:.3f} s | "
                     f"{row['server_first_call']:.1f} s | {row['cli_p50']:.1f} s | {row['cli_p95']:.1f} s | "
                     f"{row['cli_p50'] / row['server_p50']:.0f}× |")
    Path(args.out).write_text(json.dumps({"rows": rows, "args": vars(args)}, indent=1))
    print("\n".join(lines))  # noqa: T201


if __name__ == "__main__":
    main()

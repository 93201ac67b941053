"""The `codesearch` console command: ``codesearch ask "how to parse json"`` runs what ``python -m rag.ask "how to
parse json"`` runs, for every command of the project, from any folder, once the package is installed.

Each command is its module run as ``__main__`` (`runpy`), so a console command behaves exactly as its
``python -m`` form (the warm server included); the table holds module names only and imports nothing, so
``codesearch --help`` answers at once. Does not handle: the commands' own options (each has its ``--help``).
"""

from __future__ import annotations

import runpy
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "ask": ("rag.ask", "answer a question about code, citing its sources"),
    "index": ("rag.index", "index source trees (incremental)"),
    "mcp": ("rag.mcp", "serve the search to coding agents over the Model Context Protocol"),
    "serve": ("rag.serve", "the warm server `ask` starts (--stop stops it)"),
    "mine": ("data.mine", "mine documented functions into CodeSearchNet-shaped jsonl"),
    "stats": ("data.stats", "statistics of a mined corpus"),
    "train": ("retriever_finetune.train", "contrastive PEFT fine-tuning of the retriever"),
    "adapt": ("retriever_finetune.adapt", "adapt the retriever to a code base with synthetic questions"),
    "mrr": ("eval.mrr", "retrieval MRR and Recall@k of retrievers"),
    "rouge": ("eval.rouge", "RAG answer quality (ROUGE) with a retriever"),
}


def usage() -> str:
    """The command list."""
    width = max(map(len, COMMANDS))
    lines = ["usage: codesearch COMMAND [OPTIONS...]   (each command has --help)", "", "commands:"]
    lines += [f"  {name:<{width}}  {summary}  (python -m {module})" for name, (module, summary) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `codesearch`: run the named command's module with the remaining arguments."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())  # noqa: T201 (the command's own output)
        return 0
    name, *rest = argv
    if name not in COMMANDS:
        print(f"error: unknown command {name!r}; choose from {', '.join(COMMANDS)} (codesearch --help)",  # noqa: T201
              file=sys.stderr)
        return 2
    module = COMMANDS[name][0]
    sys.argv = [f"codesearch {name}", *rest]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return 0

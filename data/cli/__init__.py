"""What every command of the project shares, and nothing else: the CLI runner and the user-error type.

``run_cli`` turns argv into a job's config dataclass, runs the job and reports; ``InputError`` is the error a
user can fix, printed as one line with exit code 2. Standard library only (an import-linter contract keeps it
so), so ``--help`` and bad options answer before any model library loads. Does not handle: the jobs.
"""

from data.cli.arguments import list_option
from data.cli.errors import InputError
from data.cli.runner import LOG_FORMAT, Positional, parse_cli, run_cli

__all__ = ["LOG_FORMAT", "InputError", "Positional", "list_option", "parse_cli", "run_cli"]

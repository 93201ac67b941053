"""The one way every CLI of the project turns argv into a config dataclass, runs it, and reports.

Each CLI module defines ``<Job>Config``, ``run(config)`` and ``main(argv)``; ``main`` calls ``run_cli``. User
errors (``InputError``, ``FileNotFoundError``) become ``error: <one line>`` on stderr and exit code 2; any
other exception is a bug and keeps its traceback. Does not handle: the jobs themselves.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from data.cli.arguments import add_dataclass
from data.cli.errors import InputError

ConfigT = TypeVar("ConfigT")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@dataclasses.dataclass(frozen=True)
class Positional:
    """A positional argument that fills one field of the config (``ask "question"``, ``index PATH...``)."""

    field: str
    nargs: str | None = None  # None: exactly one value; "+"/"*": a list
    help: str = ""


def build_parser(config_type: type, description: str, positional: Positional | None) -> argparse.ArgumentParser:
    """An argparse parser generated from the config dataclass, plus the positional argument and --quiet."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    add_dataclass(parser, config_type)
    if positional is not None:
        parser.add_argument(
            "_positional", metavar=positional.field.upper(), nargs=positional.nargs or "?", help=positional.help
        )
    parser.add_argument("--quiet", action="store_true", help="only warnings and results, no progress logs")
    parser.add_argument("--config", dest="_config_file", metavar="FILE.json", help="read the options from a JSON file")
    return parser


def parse_config(config_type: type[ConfigT], argv: list[str], parser: argparse.ArgumentParser,
                 positional: Positional | None) -> tuple[ConfigT, bool]:
    """Parse argv into the config; return it with the --quiet flag."""
    namespace = parser.parse_args(argv)
    extras = {"_positional", "quiet", "_config_file"}
    values = {key: value for key, value in vars(namespace).items() if key not in extras}
    if namespace._config_file:
        with open(namespace._config_file, encoding="utf-8") as handle:
            from_file = json.load(handle)
        defaults = {f.name for f in dataclasses.fields(config_type)}
        unknown = sorted(set(from_file) - defaults)
        if unknown:
            msg = f"{namespace._config_file}: unknown option(s) {unknown}"
            raise InputError(msg)
        command_line = {k: v for k, v in values.items() if v != parser.get_default(k)}
        values = {**values, **from_file, **command_line}
    if positional is not None:
        given = getattr(namespace, "_positional", None)
        if given not in (None, []):
            values[positional.field] = given
    return config_type(**values), namespace.quiet


def quiet_model_libraries() -> None:
    """No progress bar per weight load and no library warnings below errors: our own bars and logs say what
    runs. Set through the environment, which transformers and huggingface_hub read when first imported (this
    package imports neither), and directly when they already are."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    if "transformers" in sys.modules:
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        transformers_logging.set_verbosity_error()


def parse_cli(config_type: type[ConfigT], argv: list[str], *, description: str, positional: Positional | None = None,
              check: Callable[[ConfigT], object] | None = None) -> tuple[ConfigT, bool] | int:
    """The config argv asks for, checked (its ``__post_init__``, then `check`), with the --quiet flag; or, when
    argv is refused (a usage error, ``InputError``, a missing file) or asks for --help, the exit code, once the
    reason or the help is printed."""
    parser = build_parser(config_type, description, positional)
    try:
        parsed = parse_config(config_type, argv, parser, positional)
        if check is not None:
            check(parsed[0])
        return parsed
    except SystemExit as exit_:  # argparse's own usage errors and --help
        return int(exit_.code or 0)
    except (InputError, FileNotFoundError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)  # noqa: T201
        return 2


def run_cli(
    config_type: type[ConfigT],
    run: Callable[[ConfigT], Any],
    argv: list[str] | None,
    *,
    description: str,
    positional: Positional | None = None,
    render: Callable[[Any], str] | None = None,
    failure: Callable[[Any], str | None] | None = None,
    parsed: tuple[ConfigT, bool] | None = None,
) -> int:
    """Parse (`parse_cli`; `parsed`: argv already parsed by it), configure logging, run, print the rendered
    result to stdout; return the exit code.

    `failure(result)` names a failure the result carries (a half-streamed answer): it is printed as
    ``error: ...`` after the result, and the exit code is 1.
    """
    if parsed is None:
        outcome = parse_cli(config_type, sys.argv[1:] if argv is None else argv, description=description,
                            positional=positional)
        if isinstance(outcome, int):
            return outcome
        parsed = outcome
    config, quiet = parsed
    logging.basicConfig(format=LOG_FORMAT, level=logging.WARNING if quiet else logging.INFO, force=True)
    quiet_model_libraries()
    try:
        result = run(config)
    except (InputError, FileNotFoundError) as error:
        print(f"error: {str(error).splitlines()[0] if str(error) else type(error).__name__}", file=sys.stderr)  # noqa: T201
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished work is kept; run the same command again to resume", file=sys.stderr)  # noqa: T201
        return 130
    if render is not None:
        text = render(result)
        if text:
            print(text)  # noqa: T201
    problem = failure(result) if failure is not None else None
    if problem:
        print(f"error: {problem}", file=sys.stderr)  # noqa: T201
        return 1
    return 0

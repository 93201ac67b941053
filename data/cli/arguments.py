"""A config dataclass's fields as command-line options, with the standard library's argparse only.

Each field ``name`` becomes ``--name`` (and ``--na-me`` when it has underscores), with the field's
``metadata["help"]`` (and ``metadata["choices"]``, when given). Types: ``str``/``int``/``float`` take one
value; ``X | None`` takes an ``X``; ``Literal[...]`` takes one of its values; ``list[X]`` takes one or more;
``bool`` takes ``--flag``, ``--flag false`` (yes/no, true/false, t/f, y/n, 1/0) and, when it defaults to true,
``--no_flag``. These are the conventions of transformers' ``HfArgumentParser``, so every command line written
for it parses the same (``tests/data/test_cli_arguments.py`` compares the two). Does not handle: running the job (``runner``).
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from typing import Any, Literal, Union

from data.cli.errors import InputError

TRUE_WORDS = ("yes", "true", "t", "y", "1")
FALSE_WORDS = ("no", "false", "f", "n", "0")


def parse_bool(text: str | bool) -> bool:
    """``true``/``false`` and their short forms, as a bool; anything else is an argparse usage error."""
    if isinstance(text, bool):
        return text
    if text.lower() in TRUE_WORDS:
        return True
    if text.lower() in FALSE_WORDS:
        return False
    msg = f"expected one of {'/'.join(TRUE_WORDS)} or {'/'.join(FALSE_WORDS)}, got {text!r}"
    raise argparse.ArgumentTypeError(msg)


def _choice_of(choices: tuple[Any, ...]):  # noqa: ANN202
    """Map the typed text back to the Literal's value (so ``Literal[1, 2]`` gives ints)."""
    by_text = {str(choice): choice for choice in choices}

    def parse(text: str) -> Any:
        return by_text.get(text, text)  # unknown text: argparse's `choices` check names the allowed ones

    return parse


def _without_none(annotation: Any) -> Any:
    """``X | None`` → ``X``; other annotations unchanged. Unions of two real types are refused."""
    if typing.get_origin(annotation) in (Union, types.UnionType):
        members = [member for member in typing.get_args(annotation) if member is not type(None)]
        if len(members) != 1:
            msg = f"{annotation}: a command-line option takes one type (X or X | None)"
            raise TypeError(msg)
        return members[0]
    return annotation


def _default_of(field: dataclasses.Field) -> tuple[bool, Any]:
    """(has a default, the default)."""
    if field.default is not dataclasses.MISSING:
        return True, field.default
    if field.default_factory is not dataclasses.MISSING:
        return True, field.default_factory()
    return False, None


def add_field(parser: argparse.ArgumentParser, field: dataclasses.Field, annotation: Any) -> None:
    """Add the option(s) of one dataclass field to `parser`."""
    names = [f"--{field.name}"] + ([f"--{field.name.replace('_', '-')}"] if "_" in field.name else [])
    help_text = field.metadata.get("help")
    has_default, default = _default_of(field)
    kind = _without_none(annotation)
    origin = typing.get_origin(kind)
    options: dict[str, Any] = {"help": help_text, "dest": field.name}
    if "choices" in field.metadata:  # a str option with a fixed set of values that is not a Literal
        options["choices"] = tuple(field.metadata["choices"])
    if has_default:
        options["default"] = default
    else:
        options["required"] = True
    if origin is Literal:
        choices = typing.get_args(kind)
        options.update(choices=choices, type=_choice_of(choices))
    elif kind is bool:
        options.pop("required", None)
        options.update(type=parse_bool, nargs="?", const=True, default=default if has_default else False)
    elif origin is list:
        options.update(type=typing.get_args(kind)[0], nargs="+")
    else:
        options["type"] = kind
    parser.add_argument(*names, **options)
    if kind is bool and default is True:
        parser.add_argument(f"--no_{field.name}", f"--no-{field.name.replace('_', '-')}", action="store_false",
                            dest=field.name, default=argparse.SUPPRESS, help=f"turn --{field.name} off")


def list_option(value: str | list[str], *, required: str = "") -> list[str]:
    """A ``list[str]`` field's value as a list: one string (a config built in Python) is that one item. With
    `required`, an empty list is refused with that message (`InputError`)."""
    values = [value] if isinstance(value, str) else value
    if required and not values:
        raise InputError(required)
    return values


def add_dataclass(parser: argparse.ArgumentParser, config_type: type) -> None:
    """Add an option for every init field of `config_type` (annotations resolved, postponed or not)."""
    hints = typing.get_type_hints(config_type)
    for field in dataclasses.fields(config_type):
        if field.init:
            add_field(parser, field, hints[field.name])

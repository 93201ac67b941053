"""Every CLI's options, built by `data.cli` with argparse alone, parse like transformers' `HfArgumentParser`
(the reference whose conventions the commands were written for), and `data.cli` loads no model library."""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import subprocess
import sys
import typing
from typing import Any, Literal

import pytest
from transformers import HfArgumentParser

from data.cli.arguments import add_dataclass

CLI_MODULES = [
    "data.mine", "data.stats", "retriever_finetune.train", "retriever_finetune.adapt", "rag.index", "rag.ask", "rag.mcp",
    "rag.serve", "eval.mrr", "eval.rouge", "eval.experiments.peft_comparison", "eval.experiments.paper_rag",
    "eval.experiments.question_retrieval", "eval.experiments.per_language", "eval.experiments.hybrid_search",
]


def config_type_of(module_name: str, monkeypatch: pytest.MonkeyPatch) -> type:
    """The config dataclass the module's `main` hands to `run_cli` (or first to `parse_cli`: `rag.ask` checks its
    options before a warm server; caught before anything runs)."""
    module = importlib.import_module(module_name)
    caught: list[type] = []

    def catch(config_type, *_args, **_kwargs):  # noqa: ANN001, ANN202
        caught.append(config_type)
        return 0

    for runner in ("run_cli", "parse_cli"):
        if hasattr(module, runner):
            monkeypatch.setattr(module, runner, catch)
    module.main([])
    assert caught, f"{module_name}.main does not call run_cli"
    return caught[0]


def sample_argvs(config_type: type) -> list[list[str]]:
    """One command line per field giving it a non-default value of its type (both bool spellings too)."""
    hints = typing.get_type_hints(config_type)
    argvs = [[]]
    for field in dataclasses.fields(config_type):
        kind = hints[field.name]
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        if typing.get_origin(kind) is not None and type(None) in typing.get_args(kind):
            kind = args[0]
        option = f"--{field.name}"
        if typing.get_origin(kind) is Literal:
            argvs.append([option, str(typing.get_args(kind)[-1])])
        elif kind is bool:
            argvs += [[option], [option, "false"], [option, "YES"], [option, "0"]]
            if field.default is True:
                argvs.append([f"--no_{field.name}"])
        elif typing.get_origin(kind) is list:
            item = typing.get_args(kind)[0]
            argvs.append([option, *(["3", "4"] if item in (int, float) else ["a", "b"])])
        elif kind in (int, float):
            argvs.append([option, "7"])
        else:
            argvs.append([option, "some-text"])
        if "_" in field.name:
            argvs.append([argvs[-1][0].replace("_", "-"), *argvs[-1][1:]])
    return argvs


def parse(parser: argparse.ArgumentParser, argv: list[str]) -> dict[str, Any] | str:
    """The parsed options, or 'usage error' when argparse refuses the command line."""
    try:
        return vars(parser.parse_args(argv))
    except SystemExit:
        return "usage error"


def described(parser: argparse.ArgumentParser) -> list[tuple]:
    """Each option's strings, destination, default (not a --no_ option's: the option before it sets it), nargs,
    const, choices and whether it is required."""
    return sorted((tuple(a.option_strings), a.dest, None if a.const is False else repr(a.default), a.nargs, repr(a.const),
                   a.choices and tuple(a.choices), a.required) for a in parser._actions if a.dest != "help")


@pytest.mark.parametrize("module_name", CLI_MODULES)
def test_options_parse_as_with_hf_argument_parser(module_name: str, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    config_type = config_type_of(module_name, monkeypatch)
    ours = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    add_dataclass(ours, config_type)
    reference = HfArgumentParser(config_type)
    assert described(ours) == described(reference)
    argvs = sample_argvs(config_type)
    assert len(argvs) > len(dataclasses.fields(config_type))
    for argv in [*argvs, ["--no_such_option", "1"]]:
        assert parse(ours, argv) == parse(reference, argv), argv
    for field in dataclasses.fields(config_type):
        helps = {a.help for a in ours._actions if a.dest == field.name and not a.option_strings[0].startswith("--no")}
        assert helps == {field.metadata.get("help")}, field.name
    capsys.readouterr()


def test_a_bad_bool_is_a_usage_error_naming_the_words(capsys: pytest.CaptureFixture[str]) -> None:
    @dataclasses.dataclass
    class Config:
        shuffle: bool = True

    parser = argparse.ArgumentParser()
    add_dataclass(parser, Config)
    assert parse(parser, ["--shuffle", "maybe"]) == "usage error"
    assert "expected one of yes/true/t/y/1 or no/false/f/n/0" in capsys.readouterr().err


def test_data_cli_imports_only_the_standard_library() -> None:
    code = ("import sys, data.cli; heavy = sorted(m for m in ('torch', 'transformers', 'numpy', 'rag', "
            "'retriever_finetune') if m in sys.modules); print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_list_option_given_as_one_string_is_that_item_and_an_empty_one_is_refused() -> None:
    from data.cli import InputError, list_option
    from data.mine import MineConfig

    assert list_option("Lib") == ["Lib"]  # not ["L", "i", "b"]
    assert list_option(["a", "b"]) == ["a", "b"]
    assert list_option([]) == []  # optional: an empty list stays empty
    with pytest.raises(InputError, match="^give at least one PATH$"):
        list_option([], required="give at least one PATH")
    assert MineConfig(paths="Lib", out="out.jsonl").paths == ["Lib"]  # a config built in Python, as the CLIs use it
    with pytest.raises(InputError, match="^give at least one PATH to mine$"):
        MineConfig(paths=[], out="out.jsonl")

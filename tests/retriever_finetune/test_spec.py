"""The one parser of `--retriever`: each form of the grammar, lists, and the refusals."""

from pathlib import Path

import pytest

from data.cli import InputError
from retriever_finetune.models import ENCODERS
from retriever_finetune.spec import (
    REGISTRY_NAMES,
    SHIPPED_RETRIEVERS,
    PerLanguageSpec,
    RetrieverSpec,
    parse_retriever,
    parse_retrievers,
    refuse_for_per_language,
)


def test_registry_names_are_the_encoders_models_loads() -> None:
    assert set(REGISTRY_NAMES) == set(ENCODERS)


def test_training_methods_are_the_ones_train_takes() -> None:
    import typing

    from retriever_finetune.spec import TRAINING_METHODS
    from retriever_finetune.train import TrainConfig

    assert TRAINING_METHODS == typing.get_args(typing.get_type_hints(TrainConfig)["method"])


def test_an_unknown_name_is_not_suggested_as_a_training_method() -> None:
    with pytest.raises(InputError, match="has no run behind it") as caught:
        parse_retriever("nonsense")
    assert "--method nonsense" not in str(caught.value) and "--method lora --out runs/nonsense" in str(caught.value)
    with pytest.raises(InputError, match="--method ia3 --out runs/ia3"):
        parse_retriever("ia3")


def test_each_form(tiny_bert_dir: Path, tmp_path: Path) -> None:
    assert parse_retriever("base", base="minilm") == RetrieverSpec(label="minilm (frozen)", base="minilm")
    shipped = parse_retriever("minilm-questions")
    assert shipped.adapter == str(SHIPPED_RETRIEVERS["minilm-questions"]) and shipped.label == "minilm-questions"
    assert parse_retriever(str(tiny_bert_dir)) == RetrieverSpec(label=tiny_bert_dir.name, base=str(tiny_bert_dir))
    assert parse_retriever("owner/model") == RetrieverSpec(label="owner/model", base="owner/model")
    (tmp_path / "runs" / "lora" / "adapter").mkdir(parents=True)
    (tmp_path / "runs" / "lora" / "adapter" / "adapter_config.json").write_text('{"base_model_name_or_path": "minilm"}')
    run = parse_retriever("lora", runs_dir=tmp_path / "runs")  # a run name, looked up in runs_dir
    assert run == RetrieverSpec(label="lora", base="minilm", adapter=str(tmp_path / "runs" / "lora"),
                                run_dir=str(tmp_path / "runs" / "lora"))
    routed = parse_retriever(f"python=minilm-questions, JavaScript={tmp_path / 'runs' / 'lora'}")
    assert isinstance(routed, PerLanguageSpec) and list(routed.routes) == ["python", "javascript"]
    assert routed.fallback == RetrieverSpec(label=f"{shipped.base} (frozen)", base=shipped.base)
    assert parse_retriever("python=minilm-questions", fallback=None).fallback is None


def test_lists_are_separated_by_spaces_not_commas() -> None:
    assert [s.label for s in parse_retrievers(["base", "minilm-questions"])] == ["minilm (frozen)", "minilm-questions"]
    with pytest.raises(InputError, match=r"comma-joined list.*\(--retrievers base minilm-questions\)"):
        parse_retriever("base,minilm-questions")
    with pytest.raises(InputError, match="no retriever given"):
        parse_retrievers([])


def test_bad_specs() -> None:
    with pytest.raises(InputError, match="has no run behind it"):
        parse_retriever("nonexistent_run")
    with pytest.raises(InputError, match="must name a retriever"):
        parse_retriever("  ")
    with pytest.raises(InputError, match="is not LANGUAGE=ADAPTER"):
        parse_retriever("python=minilm-questions,go")


def test_per_language_refusals_are_one_line_and_only_for_per_language() -> None:
    routed = parse_retriever("python=minilm-questions")
    refuse_for_per_language(parse_retriever("base"), lexical_weight=True)  # one retriever takes it
    refuse_for_per_language(routed, lexical_weight=False)  # not given
    with pytest.raises(InputError) as refused:
        refuse_for_per_language(routed, lexical_weight=True, quantize=True)
    assert "\n" not in str(refused.value)
    assert str(refused.value).startswith("--lexical_weight and --quantize do not apply to a per-language retriever")


def test_a_hint_names_the_retriever_as_typed(tmp_path: Path) -> None:
    """A message telling the user what to pass quotes what they typed, not the label ('minilm (frozen)')."""
    from rag.options import StoreOptions
    from rag.store import open_index

    with pytest.raises(InputError) as missing:
        open_index([str(tmp_path)], parse_retriever("base"), StoreOptions(str(tmp_path / "db")), create=False)
    assert "`python -m rag.index PATH... --retriever base`" in str(missing.value)


def test_a_run_folder_named_like_an_encoder_does_not_replace_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`runs/minilm` (a run someone named after its base) is what `--retriever minilm` names on the command
    line, but loading a resolved spec, or `load_encoder("minilm")`, loads the encoder itself."""
    from retriever_finetune.models import load_encoder, load_retriever

    run = tmp_path / "runs" / "minilm" / "adapter"
    run.mkdir(parents=True)
    (run / "adapter_config.json").write_text('{"base_model_name_or_path": "no/such-base"}')  # loading it would fail
    monkeypatch.chdir(tmp_path)
    assert parse_retriever("minilm").adapter == str(Path("runs") / "minilm")  # the CLI grammar: a run name
    for encoder in (load_retriever(parse_retriever("base")), load_encoder("minilm")):
        assert encoder.adapter is None and encoder.name == "minilm"

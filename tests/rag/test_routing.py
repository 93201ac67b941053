"""Per-language adapters on one base: each language embedded by its own adapter into its own collection,
queries merged by score, one copy of the base weights, and the bad inputs."""

from pathlib import Path

import numpy as np
import pytest
import torch
from peft import LoraConfig, get_peft_model
from transformers import BertModel

from data.cli import InputError
from data.documents import DEFAULT_DOCUMENT, document_text
from rag import index as index_cli
from rag.options import StoreOptions
from rag.search import Retriever, merge_by_score
from rag.store import Source, build_search_index, open_routed_index
from retriever_finetune.models import load_encoder
from retriever_finetune.routing import load_language_encoders
from retriever_finetune.spec import parse_retriever


def make_adapter(base: Path, folder: Path, seed: int) -> Path:
    """A random LoRA (B not zero, so it changes the embeddings), saved as a training run's adapter/."""
    torch.manual_seed(seed)
    model = get_peft_model(BertModel.from_pretrained(base),
                           LoraConfig(r=4, lora_alpha=32, target_modules=["query", "value"], init_lora_weights=False))
    model.save_pretrained(folder / "adapter")
    return folder


@pytest.fixture(scope="module")
def runs(tiny_bert_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("runs")
    return {"python": make_adapter(tiny_bert_dir, root / "lora-py", 1),
            "javascript": make_adapter(tiny_bert_dir, root / "lora-js", 2)}


@pytest.fixture(scope="module")
def mixed_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("mixed")
    (tree / "jsonish.py").write_text('def parse_json(text):\n    """Parse a JSON document."""\n    return decode(text)\n\n\n'
                                     'def mean(xs):\n    """Average of numbers."""\n    return sum(xs) / len(xs)\n')
    (tree / "strings.js").write_text(
        "/**\n * Reverse a string.\n */\nfunction reverse(s) {\n  return s.split('').reverse().join('');\n}\n\n"
        "/**\n * Parse a JSON document.\n */\nfunction parseJson(text) {\n  return JSON.parse(text);\n}\n")
    (tree / "util.go").write_text(
        "// Max returns the larger of a and b.\nfunc Max(a, b int) int {\n\tif a > b {\n\t\treturn a\n\t}\n\treturn b\n}\n")
    return tree


def spec_of(runs: dict[str, Path]) -> str:
    return f"python={runs['python']},javascript={runs['javascript']}"


def stored(index, language: str) -> dict[str, np.ndarray]:  # noqa: ANN001
    got = index.indexes[language].collection.get(include=["embeddings", "metadatas"])
    return {m["func_name"]: np.asarray(e) for m, e in zip(got["metadatas"], got["embeddings"], strict=True)}


def test_each_language_is_embedded_by_its_own_adapter(runs: dict[str, Path], mixed_tree: Path, tiny_bert_dir: Path,
                                                      tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from data.miner import mine_tree

    spec = spec_of(runs)
    argv = [str(mixed_tree), "--retriever", spec, "--persist", str(tmp_path / "db"), "--quiet"]
    assert index_cli.main(argv) == 0
    assert "5 added" in capsys.readouterr().out
    encoders = load_language_encoders(parse_retriever(spec))
    index = open_routed_index([str(mixed_tree)], parse_retriever(spec), encoders, StoreOptions(str(tmp_path / "db")))
    assert sorted(index.indexes) == ["go", "javascript", "python"]
    records = {r.func_name: r for r in mine_tree(mixed_tree, documented_only=False)}
    # the reference: each adapter loaded alone, the usual way (no multi-adapter model involved)
    alone = {"python": load_encoder(str(runs["python"]), device="cpu"),
             "javascript": load_encoder(str(runs["javascript"]), device="cpu"),
             "go": load_encoder(str(tiny_bert_dir), device="cpu")}
    for language, reference in alone.items():
        for name, vector in stored(index, language).items():
            expected = reference.encode_code([document_text(records[name], DEFAULT_DOCUMENT)], show_progress=False)[0]
            np.testing.assert_allclose(vector, expected, atol=1e-5)
            other = alone["javascript" if language == "python" else "python"]
            assert not np.allclose(vector, other.encode_code([document_text(records[name], DEFAULT_DOCUMENT)],
                                                             show_progress=False)[0], atol=1e-3)
    assert index_cli.main(argv) == 0
    assert "0 added, 0 deleted" in capsys.readouterr().out  # incremental, per language


def test_a_query_is_embedded_per_adapter_and_merged_by_score(runs: dict[str, Path], mixed_tree: Path,
                                                             tiny_bert_dir: Path, tmp_path: Path) -> None:
    spec, store = parse_retriever(spec_of(runs)), StoreOptions(str(tmp_path / "db"))
    encoders = load_language_encoders(spec)
    build_search_index([str(mixed_tree)], spec, encoders, store)
    question = "parse a json document"
    routed = Retriever(encoders, open_routed_index([str(mixed_tree)], spec, encoders, store), lexical_weight=0)
    hits = routed.retrieve(question, 5)
    assert [h.language for h in routed.retrieve(question, 5, "javascript")] == ["javascript", "javascript"]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert {h.language for h in hits} == {"python", "javascript", "go"}
    for hit in hits:  # each score: the question embedded by that language's adapter, against the stored vector
        reference = load_encoder(str(runs[hit.language]) if hit.language in runs else str(tiny_bert_dir), device="cpu")
        query = reference.encode_queries([question], show_progress=False)[0]
        code = reference.encode_code([document_text(hit, DEFAULT_DOCUMENT)], show_progress=False)[0]
        assert hit.score == pytest.approx(float(query @ code), abs=1e-4)


def test_hybrid_search_runs_over_a_per_language_index(runs: dict[str, Path], mixed_tree: Path, tiny_bert_dir: Path,
                                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rag.search import retriever as retriever_module

    spec, store = parse_retriever(spec_of(runs)), StoreOptions(str(tmp_path / "db"))
    encoders = load_language_encoders(spec)
    build_search_index([str(mixed_tree)], spec, encoders, store)
    index = open_routed_index([str(mixed_tree)], spec, encoders, store)
    # a pool of one per part: the BM25 best has to be fetched from the part that holds it, scored by its adapter
    monkeypatch.setattr(retriever_module, "HYBRID_POOL", 1)
    lexical_alone = Retriever(encoders, index, lexical_weight=1.0)
    for question, name, language in (("the larger of two numbers, max", "Max", "go"),
                                     ("reverse a string", "reverse", "javascript"),
                                     ("mean of numbers", "mean", "python")):
        hit = lexical_alone.retrieve(question, 1)[0]
        assert (hit.func_name, hit.language) == (name, language) and hit.lexical_score > 0
        reference = load_encoder(str(runs.get(language, tiny_bert_dir)), device="cpu")
        query = reference.encode_queries([question], show_progress=False)[0]
        code = reference.encode_code([document_text(hit, DEFAULT_DOCUMENT)], show_progress=False)[0]
        assert hit.score == pytest.approx(float(query @ code), abs=1e-4)
    assert [h.language for h in lexical_alone.retrieve("parse json", 3, "javascript")] == ["javascript", "javascript"]


def test_one_copy_of_the_base_weights(runs: dict[str, Path], tiny_bert_dir: Path) -> None:
    encoders = load_language_encoders(parse_retriever(spec_of(runs)))
    models = {id(e.model) for e in [*encoders.encoders.values(), encoders.fallback]}
    assert models == {id(encoders.model)}
    base = sum(p.numel() for p in BertModel.from_pretrained(tiny_bert_dir).parameters())
    total = sum(p.numel() for p in encoders.model.parameters())
    adapters = sum(p.numel() for name, p in encoders.model.named_parameters() if "lora_" in name)
    assert total == base + adapters and adapters < 0.2 * base  # two adapters, one base


def test_merge_by_score() -> None:
    def source(name: str, score: float) -> Source:
        return Source(id=name, repo="r", path="p", func_name=name, language="x", start_line=1, url="", code="",
                      docstring="", score=score)

    lists = [[source("a", 0.9), source("b", 0.2)], [source("c", 0.5), source("d", 0.95)]]
    assert [s.func_name for s in merge_by_score(lists, 3)] == ["d", "a", "c"]
    lists = [[source("a", 0.9), source("b", 0.7)], [source("d", 0.4), source("c", 0.35), source("f", 0.15)],
             [source("e", 0.5)]]
    assert [s.func_name for s in merge_by_score(lists, 6)] == ["a", "b", "e", "d", "c", "f"]


def test_bad_input(runs: dict[str, Path], mixed_tree: Path, tiny_codet5p_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="two adapters for python"):
        parse_retriever(f"python={runs['python']},python={runs['javascript']}")
    with pytest.raises(InputError, match="unknown language 'cobol'"):
        parse_retriever(f"cobol={runs['python']}")
    with pytest.raises(InputError, match="is not LANGUAGE=ADAPTER"):
        parse_retriever("python=")
    other = make_adapter_on(tiny_codet5p_dir, tmp_path / "lora-t5")
    with pytest.raises(InputError, match="must share one base model"):
        load_language_encoders(parse_retriever(f"python={runs['python']},javascript={other}"))
    with pytest.raises(InputError, match="per-language routing needs a PEFT adapter"):
        parse_retriever(f"python={runs['python']},javascript={tiny_codet5p_dir}")
    spec = parse_retriever(spec_of(runs), fallback=None)
    encoders = load_language_encoders(spec)
    with pytest.raises(InputError, match="no adapter for go and no fallback retriever"):
        build_search_index([str(mixed_tree)], spec, encoders, StoreOptions(str(tmp_path / "db")))
    assert not (tmp_path / "db").exists()  # refused before the index was touched


def make_adapter_on(base: Path, folder: Path) -> Path:
    from retriever_finetune.models import load_backbone

    model = get_peft_model(load_backbone(str(base)).model, LoraConfig(r=4, target_modules=["q", "v"]))
    model.save_pretrained(folder / "adapter")
    return folder


def test_langchain_pieces_take_a_routing_spec(runs: dict[str, Path], mixed_tree: Path, tiny_bert_dir: Path,
                                              tmp_path: Path) -> None:
    from rag.langchain import CodeSearchEmbeddings, CodeSearchRetriever

    spec = spec_of(runs)
    docs = CodeSearchRetriever(corpus=[str(mixed_tree)], retriever=spec, persist=str(tmp_path / "db"), k=5,
                               device="cpu", rerank="none").invoke("parse a json document")
    assert len(docs) == 5 and {d.metadata["language"] for d in docs} == {"python", "javascript", "go"}
    by_language = CodeSearchEmbeddings.per_language(spec)
    assert set(by_language) == {"python", "javascript", "*"}
    code = "function f() {}"
    for key, folder in (("python", runs["python"]), ("javascript", runs["javascript"]), ("*", tiny_bert_dir)):
        expected = load_encoder(str(folder), device="cpu").encode_code([code], show_progress=False)[0]
        np.testing.assert_allclose(by_language[key].embed_documents([code])[0], expected, atol=1e-5)


def test_ask_with_a_routing_spec(runs: dict[str, Path], mixed_tree: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    from rag import ask

    argv = ["parse a json document", "--retriever", spec_of(runs), "--corpus", str(mixed_tree), "--persist",
            str(tmp_path / "db"), "--generator", "none", "--rerank", "none", "--k", "3", "--quiet"]
    assert ask.main(argv) == 0
    out = capsys.readouterr().out
    assert out.count("  [") == 3 and "Sources:" in out


def test_the_index_cli_refreshes_a_per_language_index_part_by_part(runs: dict[str, Path], mixed_tree: Path,
                                                                   tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    tree = tmp_path / "tree"
    shutil.copytree(mixed_tree, tree)
    argv = [str(tree), "--retriever", spec_of(runs), "--persist", str(tmp_path / "db")]
    assert index_cli.main([*argv, "--quiet"]) == 0
    assert "5 added" in capsys.readouterr().out
    (tree / "strings.js").write_text("/**\n * Repeat a string n times.\n */\nfunction repeat(s, n) {\n"
                                     "  return s.repeat(n);\n}\n")
    assert index_cli.main(argv) == 0
    captured = capsys.readouterr()
    # reverse and parseJson gone, repeat added; the python and go parts are not read again
    assert "1 added, 2 deleted, 0 moved, 3 unchanged; 4 entries indexed" in captured.out
    assert captured.err.count("index refreshed: 1 files") == 1 and captured.err.count("index up to date") == 2
    assert "Mining" not in captured.err


def test_a_per_language_index_follows_edits_before_each_question(runs: dict[str, Path], mixed_tree: Path,
                                                                  tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    from rag import ask

    tree = tmp_path / "tree"
    shutil.copytree(mixed_tree, tree)
    common = ["--corpus", str(tree), "--persist", str(tmp_path / "db"), "--retriever", spec_of(runs),
              "--rerank", "none", "--generator", "none", "--k", "5"]
    assert ask.main(["average of numbers", *common]) == 0
    assert "jsonish.py" in capsys.readouterr().out
    (tree / "jsonish.py").unlink()
    (tree / "strings.js").write_text("/**\n * Repeat a string n times.\n */\nfunction repeat(s, n) {\n"
                                     "  return s.repeat(n);\n}\n")
    assert ask.main(["repeat a string", *common]) == 0
    captured = capsys.readouterr()
    assert "jsonish.py" not in captured.out and "repeat" in captured.out and "strings.js:4" in captured.out
    assert captured.err.count("index refreshed") == 2  # the javascript and the python collections, each alone
    assert "up to date" in captured.err  # go: nothing changed, nothing re-read
    assert ask.main(["repeat a string", *common, "--no_refresh"]) == 0
    assert "index refreshed" not in capsys.readouterr().err


def test_eval_commands_take_a_per_language_retriever(runs: dict[str, Path], tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from data.records import Record, write_jsonl
    from eval import mrr as mrr_cli
    from eval import rouge
    from tests.rag.conftest import EchoGenerator

    words = ["json", "file", "sort", "hash", "zip", "url"]
    rows = [Record(repo="r", path=f"m{i}.{'py' if i % 2 else 'js'}", func_name=f"f{i}",
                   language="python" if i % 2 else "javascript", code=f"def {words[i % 6]}_{i}(x): {words[i % 5]}(x)",
                   docstring=f"Handle {words[i % 6]} case {i}.") for i in range(24)]
    data = tmp_path / "test.jsonl"
    write_jsonl(rows, data)
    spec = spec_of(runs)
    out = tmp_path / "mrr"
    assert mrr_cli.main(["--data", str(data), "--retrievers", spec, str(runs["python"]), str(runs["javascript"]),
                         "--protocol", "full", "--out", str(out), "--cache_dir", "", "--quiet"]) == 0
    report = json.loads((out / "report.json").read_text())["retrievers"]
    # each language scored as its own adapter alone scores it (loaded the usual way, one adapter, no routing)
    for language, run in runs.items():
        alone, routed = report[run.name]["metrics"][language], report[spec]["metrics"][language]
        assert routed == pytest.approx(alone, abs=1e-6), language
    assert report[runs["python"].name]["metrics"]["javascript"] != report[spec]["metrics"]["javascript"]

    echo = EchoGenerator()
    monkeypatch.setattr(rouge, "load_generator", lambda spec, options: echo)
    assert rouge.main(["--data", str(data), "--retriever", "none", spec, "--k", "2", "--out", str(tmp_path / "rouge"),
                       "--cache_dir", str(tmp_path / "cache"), "--persist", str(tmp_path / "db"), "--rerank", "none", "--quiet"]) == 0
    assert len(echo.prompts) == 2 * len(rows)
    assert all(p.count("<<<SOURCE [") == 2 for p in echo.prompts[len(rows):])
    summary = json.loads((tmp_path / "rouge" / "report.json").read_text())["summary"]
    assert 0 < summary[spec]["hit_rate"] <= 1


def test_hybrid_search_reaches_a_per_language_retriever_and_quantize_is_refused(
        runs: dict[str, Path], mixed_tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rag import ask

    argv = ["parse a json document", "--retriever", spec_of(runs), "--corpus", str(mixed_tree), "--persist",
            str(tmp_path / "db"), "--generator", "none", "--rerank", "none", "--lexical_weight", "0.3", "--k", "3",
            "--quiet"]
    assert ask.main(argv) == 0
    sources = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  [")]
    assert len(sources) == 3 and all("bm25" in line for line in sources)  # hybrid: every source has its BM25 score
    quantized = [str(mixed_tree), "--retriever", spec_of(runs), "--persist", str(tmp_path / "db2"), "--quantize", "int8"]
    assert index_cli.main(quantized) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--quantize does not apply to a per-language retriever" in err[0]
    assert not (tmp_path / "db2").exists()  # refused before anything was built

"""Query-likelihood reranking on a tiny random causal LM: exact scores, batching, order, the CLI."""

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from data.cli import InputError
from rag import ask, rerank
from rag.generation import load_generator
from rag.options import check_reranker_spec
from rag.rerank import QueryLikelihoodReranker, load_reranker
from rag.search import Retriever
from rag.store import Source


def source(name: str, code: str, docstring: str = "") -> Source:
    return Source(id=name, repo="r", path="m.py", func_name=name, language="python", start_line=1, url="",
                  code=code, docstring=docstring, score=0.5)


SOURCES = [source("short", "return 1"),
           source("long", "def parse(text):\n    return decode(text).strip() or None\n" * 3, "Parse a document."),
           source("mid", "def read(path):\n    return open(path).read()", "Read a file.")]


def reference_score(reranker: QueryLikelihoodReranker, question: str, item: Source) -> float:
    """The same quantity, one sequence at a time and without padding."""
    prompt = reranker.prompt_ids(item)
    question_ids = reranker.tokenizer(" " + question, add_special_tokens=False)["input_ids"]
    ids = torch.tensor([prompt + question_ids])
    with torch.inference_mode():
        log_probs = torch.log_softmax(reranker.model(input_ids=ids).logits[0].float(), dim=-1)
    n = len(question_ids)
    targets = ids[0, -n:]
    return log_probs[-n - 1:-1].gather(-1, targets.unsqueeze(-1)).mean().item()


def test_batched_scores_equal_one_at_a_time(tiny_gpt2_dir: Path) -> None:
    reranker = QueryLikelihoodReranker(load_generator(f"hf:{tiny_gpt2_dir}"), batch_size=2)
    scores = reranker.score("how to parse a document", SOURCES)
    expected = [reference_score(reranker, "how to parse a document", s) for s in SOURCES]
    assert scores == pytest.approx(expected, abs=1e-4)


def test_passage_is_cut_to_its_token_budget(tiny_gpt2_dir: Path) -> None:
    reranker = QueryLikelihoodReranker(load_generator(f"hf:{tiny_gpt2_dir}"), passage_tokens=4)
    prompt = reranker.tokenizer.decode(reranker.prompt_ids(SOURCES[1]))
    assert "python code :" in prompt and "parse a document" in prompt and "decode" not in prompt


def test_rerank_keeps_the_k_most_likely(tiny_gpt2_dir: Path) -> None:
    reranker = QueryLikelihoodReranker(load_generator(f"hf:{tiny_gpt2_dir}"), fusion_weight=1.0)
    scores = dict(zip([s.func_name for s in SOURCES], reranker.score("read a file", SOURCES), strict=True))
    kept = reranker.rerank("read a file", SOURCES, 2)
    assert [s.func_name for s in kept] == sorted(scores, key=lambda name: -scores[name])[:2]
    assert [s.rerank_score for s in kept] == pytest.approx(sorted(scores.values(), reverse=True)[:2])
    assert reranker.rerank("read a file", [], 2) == []


def test_fusion_orders_by_the_weighted_z_scores_of_both(tiny_gpt2_dir: Path) -> None:
    import numpy as np

    generator = load_generator(f"hf:{tiny_gpt2_dir}")
    lm = np.array(QueryLikelihoodReranker(generator).score("read a file", SOURCES))
    by_lm = np.argsort(-lm, kind="stable")
    dense = np.empty(3)
    dense[by_lm] = [0.1, 0.5, 0.6]  # the dense order is the LM order reversed
    sources = [replace(s, score=float(d)) for s, d in zip(SOURCES, dense, strict=True)]
    for weight in (0.0, 0.3, 0.7, 1.0):
        fused = (1 - weight) * (dense - dense.mean()) / dense.std() + weight * (lm - lm.mean()) / lm.std()
        expected = [SOURCES[i].func_name for i in np.argsort(-fused, kind="stable")]
        reranker = QueryLikelihoodReranker(generator, fusion_weight=weight, name_weight=0.0)
        kept = reranker.rerank("read a file", sources, 3)
        assert [s.func_name for s in kept] == expected, weight
        # the score the order is by, shown with each source (`Source.order_score`), is that fusion
        by_name = {s.func_name: float(f) for s, f in zip(SOURCES, fused, strict=True)}
        assert [s.order_score for s in kept] == pytest.approx([by_name[s.func_name] for s in kept], abs=1e-5)
    with pytest.raises(InputError, match="fusion weight must be in"):
        QueryLikelihoodReranker(generator, fusion_weight=1.5)


def reference_name_score(reranker: QueryLikelihoodReranker, text: str, name: str, *, whole: bool = False) -> float:
    """Mean log-probability of `name` and a backtick after `text`, one sequence, no padding (`whole`: summed)."""
    prompt = reranker.tokenizer(text)["input_ids"]
    target = reranker.tokenizer(name + "`", add_special_tokens=False)["input_ids"]
    ids = torch.tensor([prompt + target])
    with torch.inference_mode():
        log_probs = torch.log_softmax(reranker.model(input_ids=ids).logits[0].float(), dim=-1)
    n = len(target)
    picked = log_probs[-n - 1:-1].gather(-1, ids[0, -n:].unsqueeze(-1))
    return (picked.sum() if whole else picked.mean()).item()


NAMED = [Source(id="1", repo="r", path="json/__init__.py", func_name="loads", language="python", start_line=1, url="",
                code="def loads(s):\n    return s", docstring="Deserialize s.", score=0.2),
         Source(id="2", repo="r", path="json/decoder.py", func_name="JSONDecoder.raw_decode", language="python",
                start_line=1, url="", code="def raw_decode(self, s):\n    pass", docstring="Decode.", score=0.6),
         Source(id="3", repo="r", path="src/lib.rs", func_name="Version::parse", language="rust", start_line=1, url="",
                code="pub fn parse(text: &str) -> Version {}", docstring="Parse a version.", score=0.4),
         Source(id="4", repo="r", path="README.md", func_name="Usage", language="markdown", start_line=1, url="",
                code="Call parse.", docstring="", score=0.5, kind="section")]


def test_name_scores_are_the_likelihood_of_each_name_as_the_answer(tiny_gpt2_dir: Path) -> None:
    reranker = QueryLikelihoodReranker(load_generator(f"hf:{tiny_gpt2_dir}"), batch_size=2)
    scores = reranker.name_scores("how to parse json?", NAMED)
    assert scores[:3] == pytest.approx([
        reference_name_score(reranker, "Python. To how to parse json, use `", "json.loads"),
        reference_name_score(reranker, "Python. To how to parse json, use `", "json.decoder.JSONDecoder.raw_decode"),
        reference_name_score(reranker, "Rust. To how to parse json, use `", "Version::parse")], abs=1e-4)
    assert scores[3] is None  # a section has no name to ask about
    wholes = reranker.name_scores("how to parse json?", NAMED, whole=True)
    assert wholes[:2] == pytest.approx([
        reference_name_score(reranker, "Python. To how to parse json, use `", name, whole=True)
        for name in ("json.loads", "json.decoder.JSONDecoder.raw_decode")], abs=1e-3)
    assert wholes[3] is None


SIBLINGS = [Source(id=str(i), repo="r", path=path, func_name=name, language="python", start_line=1, url="",
                   code=f"def {name.rsplit('.', 1)[-1]}(s):\n    pass", docstring="", score=0.1 * i)
            for i, (path, name) in enumerate([("json/__init__.py", "loads"), ("json/__init__.py", "dumps"),
                                              ("json/decoder.py", "JSONDecoder.decode"), ("json/__init__.py", "load"),
                                              ("json/__init__.py", "load_all"),
                                              ("json/decoder.py", "JSONDecoder.raw_decode"),
                                              ("json/__init__.py", "loads")])]


@pytest.mark.parametrize("head", ["plain", "known to differ", "found to differ"])
def test_names_that_share_a_beginning_are_each_scored_as_alone(tiny_gpt2_dir: Path, head: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Names sharing their first tokens (and a name asked twice) share the LM head's work, never its rows; a model
    whose head is more than its output embeddings is scored on whole rows instead, to the same values."""
    reranker = QueryLikelihoodReranker(load_generator(f"hf:{tiny_gpt2_dir}"))
    if head == "known to differ":  # as if the check against the model's own logits had failed before
        reranker._head_is_plain = False
    if head == "found to differ":  # the check itself fails: a head that is not the model's
        own_head = QueryLikelihoodReranker._head
        monkeypatch.setattr(QueryLikelihoodReranker, "_head", staticmethod(lambda m, states: own_head(m, states) * 2))
    scores = reranker.name_scores("how to parse json", SIBLINGS)
    assert reranker._head_is_plain is (head == "plain")
    expected = [reference_name_score(reranker, "Python. To how to parse json, use `", name)
                for name in ["json.loads", "json.dumps", "json.decoder.JSONDecoder.decode", "json.load", "json.load_all",
                             "json.decoder.JSONDecoder.raw_decode", "json.loads"]]
    assert scores == pytest.approx(expected, abs=1e-4)


def test_the_final_order_fuses_the_names_likelihood_with_the_reranks_order(tiny_gpt2_dir: Path) -> None:
    import numpy as np

    def z(values: np.ndarray) -> np.ndarray:
        return (values - values.mean()) / values.std()

    generator = load_generator(f"hf:{tiny_gpt2_dir}")
    lm = np.array(QueryLikelihoodReranker(generator).score("parse json", NAMED))
    names = QueryLikelihoodReranker(generator).name_scores("parse json", NAMED)
    named = np.array([n if n is not None else np.mean([m for m in names if m is not None]) for n in names])
    dense = np.array([s.score for s in NAMED])
    methods = np.array([0.0, 1.0, 1.0, 0.0])  # JSONDecoder.raw_decode and Version::parse
    for weight, penalty in ((0.0, 0.1), (0.5, 0.0), (0.5, 0.1), (0.5, 2.0), (1.0, 0.1)):
        fused = 0.5 * z(dense) + 0.5 * z(lm)  # the rerank's order (weight 0: the final one, as it is)
        final = fused if weight == 0 else (1 - weight) * z(fused) + weight * z(named) - penalty * methods
        kept = QueryLikelihoodReranker(generator, name_weight=weight, method_penalty=penalty, lead=0).rerank(
            "parse json", NAMED, 4)
        assert [s.id for s in kept] == [NAMED[i].id for i in np.argsort(-final, kind="stable")], (weight, penalty)
        assert [s.order_score for s in kept] == pytest.approx(sorted(final, reverse=True), abs=1e-5)
        assert [s.name_score for s in kept if s.kind == "section"] == [None]
    with pytest.raises(InputError, match="name weight must be in"):
        QueryLikelihoodReranker(generator, name_weight=-0.1)


@pytest.mark.parametrize("lead", [1, 3, 7])
def test_the_first_few_are_ordered_by_each_names_whole_likelihood(tiny_gpt2_dir: Path, lead: int) -> None:
    """The names' mean likelihood chooses the first `lead`, their whole likelihood orders them; the rest follow in
    their order, below them; a method lower and a central definition higher in both (numpy, from names scored one
    sequence at a time)."""
    import numpy as np

    def z(values: np.ndarray) -> np.ndarray:
        return (values - values.mean()) / values.std()

    generator = load_generator(f"hf:{tiny_gpt2_dir}")
    reranker = QueryLikelihoodReranker(generator, name_weight=0.5, method_penalty=0.1, lead=lead, reference_weight=0.3)
    ranks = [2.0, None, -1.0, 0.5, 0.0, -2.0, 2.0]  # how central each is (`data.references`); None: not ranked
    sources = [replace(s, reference_rank=r) for s, r in zip(SIBLINGS, ranks, strict=True)]
    known = np.array([r for r in ranks if r is not None])
    central = z(np.array([known.mean() if r is None else r for r in ranks]))
    lm = np.array(QueryLikelihoodReranker(generator).score("parse json", SIBLINGS))
    prompt = "Python. To parse json, use `"
    names = [f"json.{s.func_name}" if s.path == "json/__init__.py" else f"json.decoder.{s.func_name}" for s in SIBLINGS]
    mean = np.array([reference_name_score(reranker, prompt, n) for n in names])
    whole = np.array([reference_name_score(reranker, prompt, n, whole=True) for n in names])
    fused = z(0.5 * z(np.array([s.score for s in SIBLINGS])) + 0.5 * z(lm))
    methods = np.array(["." in s.func_name for s in SIBLINGS], dtype=float)
    by_mean = 0.5 * fused + 0.5 * z(mean) - 0.1 * methods + 0.3 * central
    by_whole = 0.5 * fused + 0.5 * z(whole) - 0.1 * methods + 0.3 * central
    first = list(np.argsort(-by_mean, kind="stable"))
    head = first[:lead] if lead > 1 else []
    expected = sorted(head, key=lambda i: -by_whole[i]) + first[len(head):]
    kept = reranker.rerank("parse json", sources, len(SIBLINGS))
    assert [s.id for s in kept] == [SIBLINGS[i].id for i in expected]
    scores = [s.order_score for s in kept]
    assert scores[: len(head)] == pytest.approx([by_whole[i] for i in expected[: len(head)]], abs=1e-3)
    rest = [by_mean[i] for i in expected[len(head):]]
    shift = scores[len(head)] - rest[0] if rest else 0.0
    assert scores[len(head):] == pytest.approx([r + shift for r in rest], abs=1e-3)  # lowered together, if at all
    assert scores == sorted(scores, reverse=True)  # best first, as printed
    assert [s.name_score for s in kept] == pytest.approx([mean[i] for i in expected], abs=1e-3)


class ReversingReranker:
    candidates = 4

    def rerank(self, question: str, sources: list[Source], k: int) -> list[Source]:
        return list(reversed(sources))[:k]


def test_retriever_hands_the_reranker_its_candidates() -> None:
    asked: list[int] = []

    class FakeRetriever(Retriever):
        def search(self, question: str, k: int, language: str | None = None, kinds: tuple = ()) -> list[Source]:
            asked.append(k)
            return [source(str(i), "pass") for i in range(k)]

    fake = FakeRetriever(encoders=None, index=None, reranker=ReversingReranker())  # type: ignore[arg-type]
    assert [s.func_name for s in fake.retrieve("q", 2)] == ["3", "2"] and asked == [4]
    assert [s.func_name for s in fake.retrieve("q", 6)] == ["5", "4", "3", "2", "1", "0"] and asked[-1] == 6


@pytest.mark.parametrize("spec", ["gpt9", "openai:gpt-4o", "hf:", "ollama:llama3"])
def test_unknown_reranker_specs_are_refused(spec: str) -> None:
    with pytest.raises(InputError, match="unknown reranker"):
        check_reranker_spec(spec)


def test_reranker_reuses_the_generator_of_the_same_spec(tiny_gpt2_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generator = load_generator(f"hf:{tiny_gpt2_dir}")

    def no_second_load(*_: object) -> None:
        msg = "loaded the model twice"
        raise AssertionError(msg)

    monkeypatch.setattr(rerank, "load_generator", no_second_load)
    assert load_reranker(f"hf:{tiny_gpt2_dir}", reuse=generator).model is generator.model
    assert load_reranker("none") is None


def test_ask_lists_rerank_scores(corpus: Path, tiny_bert_dir: Path, tiny_gpt2_dir: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    code = ask.main(["read a file", "--corpus", str(corpus), "--persist", str(tmp_path / "db"), "--retriever",
                     str(tiny_bert_dir), "--generator", "none", "--rerank", f"hf:{tiny_gpt2_dir}", "--k", "3",
                     "--rerank_fusion", "1", "--rerank_name", "0", "--quiet"])
    assert code == 0
    lines = capsys.readouterr().out.split("Sources:")[1].strip().splitlines()
    assert len(lines) == 3 and all(", rerank -" in line for line in lines)
    scores = [float(line.rsplit("rerank ", 1)[1].rstrip(")")) for line in lines]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(("extra", "message"), [
    (["--rerank", "bm25"], "unknown reranker 'bm25'"),
    (["--rerank_candidates", "0"], "must be positive"),
    (["--rerank_fusion", "2"], "--rerank_fusion must be in [0, 1]"),
    (["--rerank_name", "1.5"], "--rerank_name must be in [0, 1]"),
    (["--rerank", "hf:/nowhere/model"], "could not load causal LM"),
])
def test_bad_rerank_options_are_one_line_and_exit_2(extra: list[str], message: str, corpus: Path,
                                                    tiny_bert_dir: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code = ask.main(["q", "--corpus", str(corpus), "--persist", str(tmp_path / "db"), "--retriever",
                     str(tiny_bert_dir), "--generator", "none", "--quiet", *extra])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and message in err and err.count("\n") == 1
    assert not (tmp_path / "db").exists()


def test_bf16_scoring_runs_on_the_generators_bf16_weights(tiny_gpt2_dir: Path, native_precision: bool) -> None:
    if not native_precision:
        pytest.skip("this CPU has no native bf16 (AMX or AVX512-BF16)")
    import numpy as np

    from rag.options import GeneratorOptions

    float32 = QueryLikelihoodReranker(load_generator(f"hf:{tiny_gpt2_dir}", GeneratorOptions(precision="float32")))
    generator = load_generator(f"hf:{tiny_gpt2_dir}", GeneratorOptions(precision="bf16"))
    bf16 = QueryLikelihoodReranker(generator)
    expected = [reference_score(float32, "parse a document", s) for s in SOURCES]  # float32, one at a time
    got = bf16.score("parse a document", SOURCES)
    assert generator._bf16_model is not None  # noqa: SLF001 (the copy made for scoring, shared with batched decoding)
    assert next(generator.model.parameters()).dtype == torch.float32  # streamed answers keep the float32 weights
    assert not np.array_equal(got, expected)  # bf16 really ran
    np.testing.assert_allclose(got, expected, atol=0.1)


def test_the_head_alone_gives_a_soft_capped_models_own_logits() -> None:
    """Gemma's logits are soft-capped after the head: `_head` on the decoder's states must match the model's."""
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    torch.manual_seed(0)
    config = Gemma3TextConfig(num_hidden_layers=2, hidden_size=32, intermediate_size=64, num_attention_heads=2,
                              num_key_value_heads=1, head_dim=16, vocab_size=128, final_logit_softcapping=3.0,
                              bos_token_id=1, eos_token_id=2, pad_token_id=0)
    model = Gemma3ForCausalLM(config).eval()
    ids = torch.tensor([[5, 17, 99, 3]])
    with torch.inference_mode():
        own = model(input_ids=ids).logits[0].float()
        states = model.get_decoder()(input_ids=ids).last_hidden_state[0]
        assert own.abs().max() < 3.0  # the cap is in force
        assert QueryLikelihoodReranker._head(model, states) == pytest.approx(own, abs=1e-5)

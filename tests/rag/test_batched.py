"""Batched decoding against transformers' own one-prompt-at-a-time `generate`, on tiny random models: greedy
outputs identical, per-row stopping, seeded sampling independent of the batch; and the batched answer paths of
`rag.chain` and `eval.rouge` against their streamed twins."""

from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, Gemma3ForCausalLM, Gemma3TextConfig

from rag.answer import answer_question, answer_questions
from rag.generation import Sampling, complete_all, load_generator
from rag.generation.batched import Decoding, generate_batch, penalise_repetition
from rag.options import GeneratorOptions
from rag.store import Source
from retriever_finetune.precision import FLOAT32

PROMPTS = ["how to parse json", "read a file line by line in python, quickly please", "md5",
           "split a path into directory and file name and extension and then join them again"]


@pytest.fixture(scope="module")
def tiny_gemma3(tokenizer) -> Gemma3ForCausalLM:  # noqa: ANN001
    """Gemma 3's architecture (RoPE, sliding-window layers of 4 tokens, tied head), tiny and random."""
    torch.manual_seed(0)
    config = Gemma3TextConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, intermediate_size=37, num_hidden_layers=3,
                              num_attention_heads=4, num_key_value_heads=1, head_dim=8, sliding_window=4,
                              layer_types=["sliding_attention", "sliding_attention", "full_attention"],
                              max_position_embeddings=512, pad_token_id=0, eos_token_id=102, bos_token_id=101)
    return Gemma3ForCausalLM(config).eval()


@pytest.fixture(scope="module", params=["gpt2", "gemma3"])
def model_and_tokenizer(request: pytest.FixtureRequest, tiny_gpt2_dir: Path, tiny_gemma3):  # noqa: ANN001, ANN201
    tokenizer = AutoTokenizer.from_pretrained(tiny_gpt2_dir)
    if request.param == "gpt2":
        return AutoModelForCausalLM.from_pretrained(tiny_gpt2_dir).eval(), tokenizer
    return tiny_gemma3, tokenizer


def one_at_a_time(model, tokenizer, prompt: str, max_new_tokens: int) -> str:  # noqa: ANN001
    """transformers' greedy `generate` on one unpadded prompt, with the penalty `stream` uses."""
    encoded = tokenizer(prompt, return_tensors="pt")
    out = model.generate(input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"], do_sample=False,
                         max_new_tokens=max_new_tokens, repetition_penalty=1.15, pad_token_id=0)
    return tokenizer.decode(out[0, encoded["input_ids"].shape[1]:], skip_special_tokens=True)


def test_batched_greedy_equals_one_prompt_at_a_time(model_and_tokenizer) -> None:  # noqa: ANN001
    model, tokenizer = model_and_tokenizer
    limits = [12, 5, 9, 12]
    expected = [one_at_a_time(model, tokenizer, p, n) for p, n in zip(PROMPTS, limits, strict=True)]
    got = generate_batch(model, tokenizer, PROMPTS, max_new_tokens=limits, precision=FLOAT32)
    assert got == expected
    assert len({len(tokenizer(p)["input_ids"]) for p in PROMPTS}) == len(PROMPTS)  # really left-padded


LONG_PROMPTS = [*PROMPTS, "a", "sort a dictionary by its values in descending order", "open a url and read it",
                "compress a folder into a zip archive"]


@pytest.mark.parametrize("slots", [1, 2, 3])
def test_refilled_slots_give_what_each_prompt_gives_alone(model_and_tokenizer, slots: int) -> None:  # noqa: ANN001
    """Continuous batching: rows leave and new prompts join (padded to the batch, past the tiny Gemma's
    4-token sliding window), and every completion is still transformers' own."""
    model, tokenizer = model_and_tokenizer
    limits = [3, 14, 2, 9, 11, 4, 14, 6]
    expected = [one_at_a_time(model, tokenizer, p, n) for p, n in zip(LONG_PROMPTS, limits, strict=True)]
    done: list[tuple[int, str]] = []
    got = generate_batch(model, tokenizer, LONG_PROMPTS, max_new_tokens=limits, precision=FLOAT32, slots=slots,
                         on_done=lambda i, text: done.append((i, text)))
    assert got == expected
    assert sorted(done) == list(enumerate(expected))
    if slots > 1:
        assert [i for i, _ in done] != sorted(i for i, _ in done)  # short ones finished before long ones


def test_batched_decoding_runs_a_bf16_copy_where_the_policy_says(tiny_gpt2_dir: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """On bf16 hardware a batch decodes with a bf16 copy of the weights (the float32 model stays for streaming),
    and gives what transformers' `generate` gives with those bf16 weights."""
    from retriever_finetune import precision

    monkeypatch.setattr(precision, "has_native_bf16", lambda device: True)
    generator = load_generator(f"hf:{tiny_gpt2_dir}", GeneratorOptions(precision="auto"))
    bf16 = generator.batch_model()
    assert bf16.dtype == torch.bfloat16 and generator.model.dtype == torch.float32 and generator.batch_model() is bf16
    expected = [one_at_a_time(bf16, generator.tokenizer, p, 8) for p in PROMPTS]
    assert generator.generate_batch(PROMPTS, max_new_tokens=8, slots=2) == expected
    assert load_generator(f"hf:{tiny_gpt2_dir}", GeneratorOptions(precision="float32")).batch_model().dtype == torch.float32


def test_each_row_stops_on_its_own(model_and_tokenizer) -> None:  # noqa: ANN001
    model, tokenizer = model_and_tokenizer
    full = [one_at_a_time(model, tokenizer, p, 12) for p in PROMPTS]
    words = [text.split()[2] for text in full]  # each row stops at its own third word

    def stop(index: int, text: str, piece: str) -> int | None:  # noqa: ARG001
        parts = text.split()
        return text.index(words[index]) if len(parts) > 2 and parts[2] == words[index] else None

    got = generate_batch(model, tokenizer, PROMPTS, max_new_tokens=12, precision=FLOAT32, stop=stop)
    assert got == [text[: text.index(word)] for text, word in zip(full, words, strict=True)]


def test_seeded_sampling_is_reproducible_and_independent_of_the_batch(model_and_tokenizer) -> None:  # noqa: ANN001
    model, tokenizer = model_and_tokenizer
    decoding, seeds = Decoding(temperature=0.9, repetition_penalty=1.1), [1, 2, 3, 4]
    first = generate_batch(model, tokenizer, PROMPTS, max_new_tokens=10, precision=FLOAT32, decoding=decoding, seeds=seeds)
    again = generate_batch(model, tokenizer, PROMPTS, max_new_tokens=10, precision=FLOAT32, decoding=decoding, seeds=seeds)
    alone = [generate_batch(model, tokenizer, [p], max_new_tokens=10, precision=FLOAT32, decoding=decoding, seeds=[s])[0]
             for p, s in zip(PROMPTS, seeds, strict=True)]
    other = generate_batch(model, tokenizer, PROMPTS, max_new_tokens=10, precision=FLOAT32, decoding=decoding,
                           seeds=[5, 6, 7, 8])
    greedy = generate_batch(model, tokenizer, PROMPTS, max_new_tokens=10, precision=FLOAT32)
    refilled = generate_batch(model, tokenizer, PROMPTS, max_new_tokens=10, precision=FLOAT32, decoding=decoding,
                              seeds=seeds, slots=2)
    assert first == again == alone == refilled
    assert first != other and first != greedy


def test_repetition_penalty_matches_transformers() -> None:
    from transformers import RepetitionPenaltyLogitsProcessor

    logits = torch.tensor([[2.0, -1.0, 0.5, -3.0, 4.0], [1.0, 1.0, -2.0, 3.0, -0.5]])
    ids = torch.tensor([[0, 3, 3, 1], [4, 2, 2, 2]])
    expected = RepetitionPenaltyLogitsProcessor(1.3)(ids, logits.clone())
    assert torch.allclose(penalise_repetition(logits, ids, 1.3), expected)
    assert torch.equal(penalise_repetition(logits, ids, 1.0), logits)


class Chunked:
    """An endpoint-like generator: streams its prompt's reversed words, one by one."""

    name, context_window, instruction_tuned = "chunked", 4096, True

    def __init__(self) -> None:
        self.calls: list[tuple[str, Sampling | None]] = []

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(self, prompt: str, *, max_new_tokens: int, stop=(), sampling: Sampling | None = None):  # noqa: ANN001, ANN201, ARG002
        self.calls.append((prompt, sampling))
        for word in reversed(prompt.split()[:max_new_tokens]):
            yield word + " "


def test_an_endpoint_answers_one_prompt_after_another_with_its_seed() -> None:
    chunked = Chunked()
    got = complete_all(chunked, ["a b c d", "e f"], max_new_tokens=[3, 5], sampling=Sampling(seed=0), seeds=[7, 9],
                       stop=lambda i, text, piece: text.find("b") if "b" in text else None)
    assert got == ["c ", "f e "]
    assert [s.seed for _, s in chunked.calls] == [7, 9]
    with pytest.raises(ValueError, match="batch size must be positive"):
        complete_all(chunked, ["a"], max_new_tokens=3, batch_size=0)


SOURCES = [Source(id=str(i), code=code, repo="r", path=f"m{i}.py", func_name=name, language="python", docstring=doc,
                  score=1.0 - i / 10, start_line=1, url="")
           for i, (name, doc, code) in enumerate([
               ("loads", "Deserialize a JSON document.", "def loads(s):\n    return decode(s)"),
               ("dumps", "Serialize an object to JSON.", "def dumps(obj):\n    return encode(obj)"),
               ("read_lines", "Read a file line by line.", "def read_lines(path):\n    return open(path).readlines()")])]


class FixedRetriever:
    def retrieve(self, question: str, k: int) -> list[Source]:
        return SOURCES[:k] if "json" in question else SOURCES[::-1][:k]


@pytest.mark.parametrize("instruction_tuned", [True, False])
def test_batched_answers_equal_streamed_answers(tiny_gpt2_dir: Path, instruction_tuned: bool) -> None:
    generator = load_generator(f"hf:{tiny_gpt2_dir}", GeneratorOptions(precision="float32"))
    generator.instruction_tuned = instruction_tuned  # the base-model style adds a given start and "See also"
    questions = ["how to parse json", "read a file line by line", "write json to a file"]
    streamed = [answer_question(q, FixedRetriever(), generator, k=2, max_new_tokens=24, review=False) for q in questions]
    batched = answer_questions(questions, FixedRetriever(), generator, k=2, max_new_tokens=24, batch_size=2)
    assert [a.text for a in batched] == [a.text for a in streamed]
    assert [a.prompt for a in batched] == [a.prompt for a in streamed]
    assert [[s.id for s in a.sources] for a in batched] == [[s.id for s in a.sources] for a in streamed]
    assert [a.degenerate for a in batched] == [a.degenerate for a in streamed]

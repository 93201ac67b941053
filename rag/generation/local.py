"""A local Hugging Face causal LM as a generator: streamed greedy answers, batched decoding, seeded sampling,
in the precision the hardware runs fastest (`rag.generation.precision`). Does not handle: loading the
weights (see `generators`, `gemma`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence

from rag.generation.base import Sampling
from rag.generation.batched import GREEDY_REPETITION_PENALTY, Decoding, Finished, StopCheck, generate_batch
from rag.generation.memo import CompletionMemo
from rag.generation.precision import resolve_generation_precision
from retriever_finetune.precision import PrecisionPolicy

logger = logging.getLogger(__name__)


class HuggingFaceGenerator:
    """A local causal LM, greedy decoding (reproducible), streamed through a background thread.

    `instruction_tuned` picks the prompt style (`rag.prompts`): False for a base model such as the packaged Gemma,
    which continues a worked example rather than following instructions.
    """

    def __init__(self, name: str, model, tokenizer, *, device: str | None = None,  # noqa: ANN001
                 instruction_tuned: bool = True, precision: str | PrecisionPolicy = "auto") -> None:
        import torch

        self.name = name
        self.instruction_tuned = instruction_tuned
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.precision = resolve_generation_precision(precision, self.device)
        self.model = model.to(self.device).eval()
        self._bf16_model = None  # made on first batched decoding or reranking, where the policy gives bf16
        self._memo = CompletionMemo()
        self.tokenizer = tokenizer
        self.context_window = int(getattr(model.config, "max_position_embeddings", 2048) or 2048)

    def count_tokens(self, text: str) -> int:
        """Exact token count."""
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def stream(self, prompt: str, *, max_new_tokens: int, stop: Sequence[str] = (),
               sampling: Sampling | None = None) -> Iterator[str]:
        """Greedy (or seeded sampled) completion, yielded as decoded text pieces (`stop` is applied by the caller,
        which reads the stream as it comes). A caller that stops reading (a stop marker, a loop) stops the
        model too. The same prompt and settings again replay the remembered completion (`memo.CompletionMemo`:
        the decoding is deterministic)."""
        key = (prompt, max_new_tokens, sampling, self.precision.uses_bf16("decode"))  # `stop`: cut by the caller
        return self._memo.stream(key, lambda: self._stream(prompt, max_new_tokens=max_new_tokens, sampling=sampling))

    def _stream(self, prompt: str, *, max_new_tokens: int, sampling: Sampling | None) -> Iterator[str]:
        """The model's completion, generated in a background thread, piece by piece."""
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        encoded = self.tokenizer(prompt, return_tensors="pt").to(self.device)
        inputs = {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]}  # no token types
        decoding: dict = {"do_sample": False, "repetition_penalty": GREEDY_REPETITION_PENALTY}
        if sampling is not None:
            decoding = {"do_sample": True, "temperature": sampling.temperature, "top_k": 0, "top_p": 1.0,
                        "repetition_penalty": sampling.repetition_penalty}
            torch.manual_seed(sampling.seed)
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        failure: list[BaseException] = []
        abandoned = threading.Event()

        class WhenAbandoned(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs) -> bool:  # noqa: ANN001, ANN003, ARG002
                return abandoned.is_set()

        def work() -> None:
            try:  # one prompt: prefill and decode both in the decode phase's precision (a lone prefill gains nothing)
                with torch.inference_mode(), self.precision.autocast("decode"):
                    self.model.generate(**inputs, streamer=streamer, max_new_tokens=max_new_tokens, **decoding,
                                        stopping_criteria=StoppingCriteriaList([WhenAbandoned()]),
                                        pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id)
            except BaseException as error:  # surfaced in the caller's thread below
                failure.append(error)
                streamer.end()

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        finished = False
        try:
            yield from streamer
            finished = True
        finally:
            if not finished:  # the reader stopped early: stop the model, and drain what it still sends
                abandoned.set()
                for _ in streamer:
                    pass
            thread.join()
        if failure:
            raise failure[0]

    def bf16_model(self):  # noqa: ANN201
        """A bf16 copy of the weights (made once, shared by batched decoding and reranking), or the model itself
        when its weights are not float32."""
        import copy

        import torch

        if next(self.model.parameters()).dtype != torch.float32:
            return self.model
        if self._bf16_model is None:
            self._bf16_model = copy.deepcopy(self.model).to(torch.bfloat16).eval()
        return self._bf16_model

    def batch_model(self):  # noqa: ANN201
        """The model batched decoding runs: the bf16 copy of the weights where the precision policy gives
        `decode_batch` bf16, else the model itself."""
        return self.bf16_model() if self.precision.uses_bf16("decode_batch") else self.model

    def generate_batch(self, prompts: Sequence[str], *, max_new_tokens: int | Sequence[int],
                       stop: StopCheck | None = None, sampling: Sampling | None = None,
                       seeds: Sequence[int] | None = None, slots: int | None = None,
                       on_done: Finished | None = None) -> list[str]:
        """Complete several prompts, `slots` at a time with finished slots refilled (`batched.generate_batch`):
        greedy with the repetition penalty `stream` uses, or sampled with one seed per prompt (default:
        `sampling.seed` for all)."""
        decoding = Decoding() if sampling is None else Decoding(sampling.temperature, sampling.repetition_penalty)
        if sampling is not None and seeds is None:
            seeds = [sampling.seed] * len(prompts)
        return generate_batch(self.batch_model(), self.tokenizer, prompts, max_new_tokens=max_new_tokens,
                              precision=self.precision, decoding=decoding, seeds=seeds, stop=stop, device=self.device,
                              slots=slots, on_done=on_done)

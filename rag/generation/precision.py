"""The generator's precision per phase: which of its phases run in bf16 under ``--precision auto``.

Phases: ``prefill``: a batch of prompts read at once (bf16 autocast); ``decode``: one streamed answer's steps,
its prompt included (a lone prefill gains nothing); ``decode_batch``: the steps of many answers decoded together
(a bf16 copy of the weights, `rag.generation.batched`); ``rerank``: scoring candidates with the generator's
model (`rag.rerank`, the bf16 copy). The hardware probe and the policy object are the encoder's
(`retriever_finetune.precision`). Does not handle: the encoder's phases.
"""

from __future__ import annotations

from retriever_finetune.precision import PhaseTable, PrecisionPolicy, resolve_precision

# What `auto` picks on hardware with native bf16, by measurement (docs/RESULTS.md, "Speed: bf16 where the
# hardware has it"; `bench/prefill.py`, `bench/ask_latency.py`): on a bf16 CPU, reranker scoring and a batch's
# prefill gain, and so do many answers decoded together (no cast per step, half the KV cache to read); one
# answer's token-by-token decoding loses, casting the weights at every step costing more than the bf16 matmuls
# save. On a GPU every phase gains.
GENERATION_PHASES: PhaseTable = {
    "cpu": {"rerank": True, "prefill": True, "decode": False, "decode_batch": True},
    "cuda": {"rerank": True, "prefill": True, "decode": True, "decode_batch": True},
}


def resolve_generation_precision(precision: str | PrecisionPolicy, device: str) -> PrecisionPolicy:
    """The generator's per-phase policy of ``--precision`` on `device` (a policy given is kept as it is).

    Raises:
        InputError: an unknown value, or ``bf16`` on hardware without native bf16.
    """
    return resolve_precision(precision, device, GENERATION_PHASES)

"""Numeric precision per phase of work: bf16 where the hardware computes it natively and it measured faster,
float32 elsewhere. The mechanism every model of the project shares, and the encoder's phases.

`--precision auto` (the default of every command) asks the hardware: a CUDA GPU with
`torch.cuda.is_bf16_supported()`, or a CPU with AMX or AVX512-BF16 (read at run time). On such hardware
each phase takes the precision that measured faster on it (a `PhaseTable`: the encoder's here, the
generator's in `rag.generation.precision`); anywhere else everything runs in float32. `float32` forces
float32 everywhere; `bf16` asks for bf16 in every phase that has a bf16 path, and is refused with one line
on hardware without native bf16 (emulated bf16 is slower than float32 there).

bf16 runs as `torch.autocast`: weights stay float32 (training keeps float32 master weights), matmuls run in
bf16, and vectors are normalised and scores taken in float32. Does not handle: quantization (see `quantize`).
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch

from data.cli import InputError
from retriever_finetune.precision_choice import Precision, check_precision

logger = logging.getLogger(__name__)

Phase = str
"""A named phase of work whose precision is chosen on its own (the keys of a `PhaseTable`)."""
PhaseTable = dict[str, dict[Phase, bool]]
"""Per device type ("cpu", "cuda"): whether `auto` runs each phase in bf16 on hardware with native bf16."""

# The encoder's phases. ``encode``: a batch of texts (code to index, evaluation queries; a bf16 copy of the
# encoder's weights, `Encoder.bf16_model`); ``encode_one``: one text alone (the question being asked);
# ``train``: the training step (bf16 autocast, float32 master weights). What `auto` picks, by measurement
# (docs/RESULTS.md, "Speed: bf16 where the hardware has it"): on a bf16 CPU, batches and the training step
# gain; one short text loses, casting the weights at every call costing more than the bf16 matmuls save. On a
# GPU every phase gains.
ENCODER_PHASES: PhaseTable = {
    "cpu": {"encode": True, "encode_one": False, "train": True},
    "cuda": {"encode": True, "encode_one": True, "train": True},
}


@functools.cache
def _cpu_flags() -> frozenset[str]:
    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.is_file():
        return frozenset()
    for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("flags"):
            return frozenset(line.partition(":")[2].split())
    return frozenset()


def cpu_has_native_bf16() -> bool:
    """True when the CPU computes bf16 matmuls natively (AMX tiles or AVX512-BF16)."""
    for probe in ("_is_amx_tile_supported", "_is_avx512_bf16_supported"):
        check = getattr(torch.cpu, probe, None)
        if check is not None:
            with contextlib.suppress(Exception):
                if check():
                    return True
    return bool(_cpu_flags() & {"amx_bf16", "avx512_bf16"})


def has_native_bf16(device: str | torch.device) -> bool:
    """Whether `device` computes bf16 natively: a CUDA GPU that supports it, or a CPU with AMX/AVX512-BF16."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        return cpu_has_native_bf16()
    return False


@dataclass(frozen=True)
class PrecisionPolicy:
    """Which phases run in bf16 on one device (the resolved form of ``--precision``)."""

    device_type: str
    bf16_phases: frozenset[str] = frozenset()
    requested: Precision = "auto"

    def dtype(self, phase: Phase) -> torch.dtype:
        """The compute dtype of `phase`."""
        return torch.bfloat16 if phase in self.bf16_phases else torch.float32

    def uses_bf16(self, phase: Phase) -> bool:
        """True when `phase` runs in bf16."""
        return phase in self.bf16_phases

    @contextlib.contextmanager
    def autocast(self, phase: Phase) -> Iterator[None]:
        """bf16 autocast for `phase` when the policy says so; otherwise explicitly off (float32), so an
        enclosing autocast does not leak into a phase that measured faster in float32."""
        enabled = phase in self.bf16_phases
        with torch.autocast(self.device_type, dtype=torch.bfloat16, enabled=enabled):
            yield

    def describe(self) -> str:
        """One line for logs: which phases run in bf16."""
        phases = ", ".join(sorted(self.bf16_phases)) or "none"
        return f"precision {self.requested} on {self.device_type}: bf16 for {phases}, float32 for the rest"


FLOAT32 = PrecisionPolicy("cpu", frozenset(), "float32")


def resolve_precision(precision: str | PrecisionPolicy, device: str | torch.device,
                      phases: PhaseTable = ENCODER_PHASES) -> PrecisionPolicy:
    """The per-phase policy of ``--precision`` on `device`, for the phases of `phases` (the encoder's by default);
    a policy already resolved is kept as it is.

    Raises:
        InputError: an unknown value, or ``bf16`` on hardware without native bf16.
    """
    if isinstance(precision, PrecisionPolicy):
        return precision
    precision = check_precision(precision)
    device = torch.device(device)
    device_type = device.type if device.type in phases else "cpu"
    if precision == "float32":
        return PrecisionPolicy(device_type, frozenset(), precision)
    native = has_native_bf16(device)
    if precision == "bf16":
        if not native:
            where = "this GPU" if device.type == "cuda" else "this CPU (it has neither AMX nor AVX512-BF16)"
            msg = f"--precision bf16: {where} has no native bf16, where it runs slower than float32; use --precision auto or float32"
            raise InputError(msg)
        return PrecisionPolicy(device_type, frozenset(phases[device_type]), precision)
    if not native:
        return PrecisionPolicy(device_type, frozenset(), precision)
    return PrecisionPolicy(device_type, frozenset(p for p, bf16 in phases[device_type].items() if bf16), precision)

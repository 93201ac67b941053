"""The retriever: encoders (CodeT5+ native, any HF encoder, offline MiniLM) and their contrastive PEFT training."""

from retriever_finetune.encoder import Encoder
from retriever_finetune.models import ENCODERS, load_encoder

__all__ = ["ENCODERS", "Encoder", "load_encoder"]

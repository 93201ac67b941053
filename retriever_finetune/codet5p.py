"""Native CodeT5+ 110M embedding model: T5 encoder stack, first-token pooling, `proj` to 256, L2 norm.

Re-implements Salesforce's `CodeT5pEmbeddingModel` without `trust_remote_code`, with the same state-dict
keys (`shared.weight`, `encoder.block.N...`, `encoder.final_layer_norm.weight`, `proj.weight`, `proj.bias`),
so the real checkpoint loads from a Hub id or a folder. Does not handle: the decoder (there is none) or
pooling of prompt-tuned inputs (the `Encoder` pools, skipping virtual tokens).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn
from transformers import T5Config
from transformers.modeling_outputs import BaseModelOutputWithPooling
from transformers.models.t5.modeling_t5 import T5PreTrainedModel, T5Stack

MODEL_TYPE = "codet5p_embedding"

# Facts of Salesforce/codet5p-110m-embedding's config.json.
CODET5P_110M_EMBEDDING = {
    "vocab_size": 32103, "d_model": 768, "d_kv": 64, "d_ff": 3072, "num_layers": 12, "num_heads": 12,
    "feed_forward_proj": "relu", "pad_token_id": 0, "eos_token_id": 2, "decoder_start_token_id": 0,
    "relative_attention_num_buckets": 32, "relative_attention_max_distance": 128, "layer_norm_epsilon": 1e-6,
    "dropout_rate": 0.1, "embed_dim": 256,
}


class CodeT5pEmbeddingConfig(T5Config):
    """A T5 config plus `embed_dim`, the size of the projected embedding."""

    model_type = MODEL_TYPE

    def __init__(self, embed_dim: int = 256, **kwargs: object) -> None:
        self.embed_dim = embed_dim
        kwargs.setdefault("is_encoder_decoder", False)
        kwargs.setdefault("use_cache", False)
        super().__init__(**kwargs)


class CodeT5pEmbeddingModel(T5PreTrainedModel):
    """T5 encoder + linear projection; `pooler_output` is the L2-normalised projection of the first token."""

    config_class = CodeT5pEmbeddingConfig
    config: CodeT5pEmbeddingConfig
    _tied_weights_keys = {"encoder.embed_tokens.weight": "shared.weight"}  # noqa: RUF012
    _keys_to_ignore_on_load_unexpected = [r"decoder"]  # noqa: RUF012

    def __init__(self, config: CodeT5pEmbeddingConfig) -> None:
        super().__init__(config)
        self.shared = nn.Embedding(config.vocab_size, config.d_model)
        config.use_cache = False
        config.is_encoder_decoder = False
        self.encoder = T5Stack(config)
        self.proj = nn.Linear(config.d_model, config.embed_dim)
        self.post_init()

    def _init_weights(self, module: nn.Module) -> None:
        super()._init_weights(module)
        if module is getattr(self, "proj", None):
            std = self.config.initializer_factor * self.config.d_model**-0.5
            nn.init.normal_(module.weight, mean=0.0, std=std)
            nn.init.zeros_(module.bias)

    def get_input_embeddings(self) -> nn.Embedding:
        """The shared token embedding (tied to the encoder's)."""
        return self.shared

    def set_input_embeddings(self, new_embeddings: nn.Embedding) -> None:
        """Replace the shared token embedding."""
        self.shared = new_embeddings
        self.encoder.set_input_embeddings(new_embeddings)

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        **kwargs: object,
    ) -> BaseModelOutputWithPooling:
        """Encode; `last_hidden_state` (batch, seq, d_model), `pooler_output` (batch, embed_dim), unit norm."""
        kwargs.pop("token_type_ids", None)
        kwargs.pop("return_dict", None)
        outputs = self.encoder(input_ids=input_ids, attention_mask=attention_mask, inputs_embeds=inputs_embeds,
                               **kwargs)
        hidden = outputs.last_hidden_state  # (batch, seq, d_model)
        embedding = F.normalize(self.proj(hidden[:, 0, :]).float(), p=2, dim=-1)  # (batch, embed_dim), float32 under autocast
        return BaseModelOutputWithPooling(last_hidden_state=hidden, pooler_output=embedding)

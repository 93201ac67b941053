"""Generation: the generators (the packaged Gemma, any local causal LM, OpenAI-compatible and Ollama endpoints)
and batched decoding of several answers at once."""

from rag.generation.generators import (
           ENDPOINT_KINDS,
           GenerationInterrupted,
           Generator,
           GeneratorOptions,
           HuggingFaceGenerator,
           Sampling,
           check_generator_spec,
           complete_all,
           load_generator,
)

__all__ = ["ENDPOINT_KINDS", "GenerationInterrupted", "Generator", "GeneratorOptions", "HuggingFaceGenerator",
           "Sampling", "check_generator_spec", "complete_all", "load_generator"]

"""A GGUF read into memory parses to the same fields and tensors as through gguf's own memory map."""

from pathlib import Path

import numpy as np
from gguf import GGUFReader, GGUFWriter

from rag.generation.gguf_reading import gguf_read_into_memory


def write_gguf(path: Path) -> None:
    writer = GGUFWriter(str(path), "gemma3")
    writer.add_block_count(2)
    writer.add_token_list([f"tok{i}" for i in range(3000)])
    writer.add_token_scores([float(i) / 7 for i in range(3000)])
    writer.add_token_types([i % 3 for i in range(3000)])
    writer.add_tensor("token_embd.weight", np.arange(24, dtype=np.float32).reshape(4, 6))
    writer.add_tensor("blk.0.attn_q.weight", np.linspace(-1, 1, 32, dtype=np.float32).reshape(8, 4))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def parsed(path: Path) -> tuple[dict, dict]:
    reader = GGUFReader(str(path))
    fields = {name: [np.asarray(reader.fields[name].parts[i]).tobytes() for i in reader.fields[name].data]
              for name in reader.fields}
    return fields, {t.name: np.array(t.data) for t in reader.tensors}


def test_fields_and_tensors_are_the_memory_maps(tmp_path: Path) -> None:
    path = tmp_path / "tiny.gguf"
    write_gguf(path)
    fields, tensors = parsed(path)  # the reference: gguf's own memmap reading
    with gguf_read_into_memory():
        assert not isinstance(GGUFReader(str(path)).data, np.memmap)
        fields_in_memory, tensors_in_memory = parsed(path)
    assert isinstance(GGUFReader(str(path)).data, np.memmap)  # put back afterwards
    assert fields_in_memory == fields and len(fields["tokenizer.ggml.tokens"]) == 3000
    assert tensors_in_memory.keys() == tensors.keys()
    assert all(np.array_equal(tensors_in_memory[name], tensors[name]) for name in tensors)

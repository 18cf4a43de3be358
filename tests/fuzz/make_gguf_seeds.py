#!/usr/bin/env python3
"""Writes small seed inputs for gguf_reader_fuzzer (a few KB each, so libFuzzer's mutations stay
fast): a gemma3 and a qwen3 model with every supported tensor type, and a metadata-only file.

  /opt/reftools/bin/python fuzz/make_gguf_seeds.py build-fuzz/seeds   (gguf 0.19.0, numpy)
"""
import sys
from pathlib import Path

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from gguf.quants import quantize
from gguf.constants import GGML_QUANT_SIZES


def model(path, arch, tokenizer_model):
    rng = np.random.default_rng(1)
    w = gguf.GGUFWriter(str(path), arch=arch)
    w.add_block_count(1)
    w.add_embedding_length(32)
    w.add_feed_forward_length(64)
    w.add_head_count(2)
    w.add_head_count_kv(1)
    w.add_key_length(16)
    w.add_value_length(16)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_rope_freq_base(10000.0)
    w.add_context_length(128)
    if arch == "gemma3":
        w.add_sliding_window(16)
    w.add_tokenizer_model(tokenizer_model)
    tokens = ["<pad>", "<eos>", "<bos>", "<unk>", "a", "b", "ab", "\u2581c"]
    w.add_token_list(tokens)
    w.add_token_scores([0.0] * 8)
    w.add_token_types([3, 3, 3, 2, 1, 1, 1, 1])
    if tokenizer_model == "gpt2":
        w.add_token_merges(["a b"])
    w.add_bos_token_id(2)
    w.add_eos_token_id(1)
    w.add_chat_template("{{ messages }}")
    w.add_tensor("token_embd.weight", quantize(rng.normal(size=(8, 32)).astype(np.float32), T.Q8_0),
                 raw_dtype=T.Q8_0)
    w.add_tensor("blk.0.attn_q.weight", quantize(rng.normal(size=(32, 32)).astype(np.float32), T.Q4_0),
                 raw_dtype=T.Q4_0)
    w.add_tensor("blk.0.attn_norm.weight", rng.normal(size=32).astype(np.float32))
    w.add_tensor("blk.0.ffn_norm.weight", rng.normal(size=32).astype(np.float16))
    for i, qtype in enumerate([T.Q2_K, T.Q3_K, T.Q4_K, T.Q5_K, T.Q6_K]):
        size = GGML_QUANT_SIZES[qtype][1]
        raw = rng.integers(0, 256, size=(1, size), dtype=np.uint8)
        name = ["blk.0.ffn_up.weight", "blk.0.ffn_gate.weight", "blk.0.ffn_down.weight",
                "blk.0.attn_output.weight", "output.weight"][i]
        w.add_tensor(name, raw, raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def metadata_only(path):
    w = gguf.GGUFWriter(str(path), arch="test")
    w.add_uint8("u8", 1)
    w.add_int16("i16", -2)
    w.add_uint64("u64", 3)
    w.add_float64("f64", 0.5)
    w.add_bool("b", True)
    w.add_array("strs", ["x", "yz"])
    w.add_uint32("general.alignment", 64)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    model(out / "gemma3.gguf", "gemma3", "llama")
    model(out / "qwen3.gguf", "qwen3", "gpt2")
    metadata_only(out / "meta.gguf")
    for p in sorted(out.iterdir()):
        print(p, p.stat().st_size)

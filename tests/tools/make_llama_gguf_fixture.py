#!/usr/bin/env python3
"""Writes tests/golden/gguf/tiny_llama.gguf: the weights of tests/golden/models/llama_tied_chatml
as llama.cpp lays out a "llama" GGUF, so the C++ import is tested against the safetensors path;
and tests/golden/gguf/tiny_llama3_scaled.gguf: tests/golden/models/llama3_gqa (untied, Llama 3
rope scaling) the same way, its scaling stored as llama.cpp stores it: a rope_freqs.weight tensor
of head_dim/2 divisors (1 above the band, `factor` below it, 1 / ((1 - s) / factor + s) in it,
computed in float64 from the float32 inverse frequencies, as convert_hf_to_gguf.py does). Its check:
transformers' own inv_freq for that config equals theta^(-2i/d) / rope_freqs[i] to 1e-6.

Layout (llama.cpp convert_hf_to_gguf.py conventions for LlamaForCausalLM):
  - tensor names token_embd / blk.N.{attn_q,attn_k,attn_v,attn_output,ffn_gate,ffn_up,ffn_down,
    attn_norm,ffn_norm} / output_norm (tied: no output.weight);
  - q_proj and k_proj rows permuted for llama.cpp's interleaved rope: within each head of D rows,
    Hugging Face row j*D/2 + i is stored at row 2i + j (q per attention head, k per KV head);
  - every tensor F32 (the fixture's bf16 values, exact), so the GGUF logits must equal the
    safetensors logits bit for bit;
  - metadata llama.* (block_count, context_length, embedding_length, feed_forward_length,
    attention.head_count(_kv), attention.layer_norm_rms_epsilon, rope.freq_base,
    rope.dimension_count, vocab_size) and a "gpt2" vocabulary from the fixture's tokenizer.json.

The script then loads the file with transformers' own GGUF import (independent of ours, it undoes
the permutation itself) and asserts its logits equal the safetensors model's: the stored layout is
the one llama.cpp's readers expect.

Run (venv with torch, transformers, gguf; versions in tests/golden/gguf/MANIFEST.md):
  /work/venvs/ref/bin/python tests/tools/make_llama_gguf_fixture.py
"""
import json
import math
import os
import sys
from pathlib import Path

import gguf
import numpy as np
import torch
from safetensors.torch import load_file

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "tests" / "golden" / "models" / "llama_tied_chatml"
OUT = ROOT / "tests" / "golden" / "gguf" / "tiny_llama.gguf"
SCALED_SRC = ROOT / "tests" / "golden" / "models" / "llama3_gqa"
SCALED_OUT = ROOT / "tests" / "golden" / "gguf" / "tiny_llama3_scaled.gguf"


def permute_rows(w, heads):
    rows = w.shape[0]
    d = rows // heads
    return w.reshape(heads, 2, d // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def llama3_rope_freqs(cfg, head_dim):
    """llama.cpp's rope_freqs for a llama3 rope_scaling (one divisor per frequency)."""
    sc = cfg["rope_scaling"]
    factor, low, high = sc["factor"], sc["low_freq_factor"], sc["high_freq_factor"]
    old = sc["original_max_position_embeddings"]
    freqs = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    out = []
    for f in freqs.tolist():
        wavelen = 2 * math.pi / f
        if wavelen < old / high:
            out.append(1.0)
        elif wavelen > old / low:
            out.append(factor)
        else:
            smooth = (old / wavelen - low) / (high - low)
            out.append(1 / ((1 - smooth) / factor + smooth))
    return np.array(out, dtype=np.float32)


def write_gguf(src, out, with_rope_freqs):
    cfg = json.load(open(src / "config.json"))
    tok = json.load(open(src / "tokenizer.json", encoding="utf-8"))
    weights = {k: v.float().numpy() for k, v in load_file(str(src / "model.safetensors")).items()}
    heads, kv_heads = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    head_dim = cfg.get("head_dim") or cfg["hidden_size"] // heads
    vocab = cfg["vocab_size"]
    theta = cfg["rope_parameters"]["rope_theta"] if "rope_parameters" in cfg else cfg["rope_theta"]

    w = gguf.GGUFWriter(str(out), arch="llama")
    w.add_name("tiny " + src.name)
    w.add_context_length(cfg["max_position_embeddings"])
    w.add_embedding_length(cfg["hidden_size"])
    w.add_block_count(cfg["num_hidden_layers"])
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    w.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
    w.add_rope_freq_base(theta)
    w.add_rope_dimension_count(head_dim)
    w.add_vocab_size(vocab)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    tokens = [None] * vocab
    types = [1] * vocab
    for text, i in tok["model"]["vocab"].items():
        tokens[i] = text
    for t in tok["added_tokens"]:
        tokens[t["id"]] = t["content"]
        types[t["id"]] = 3 if t["special"] else 4
    assert all(t is not None for t in tokens)
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges([m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"]])
    w.add_bos_token_id(cfg["bos_token_id"])
    eos = cfg["eos_token_id"]
    w.add_eos_token_id(eos[-1] if isinstance(eos, list) else eos)

    names = {"self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
             "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
             "mlp.down_proj": "ffn_down", "input_layernorm": "attn_norm",
             "post_attention_layernorm": "ffn_norm"}
    w.add_tensor("token_embd.weight", weights["model.embed_tokens.weight"])
    if with_rope_freqs:
        w.add_tensor("rope_freqs.weight", llama3_rope_freqs(cfg, head_dim))
    for layer in range(cfg["num_hidden_layers"]):
        for hf, ll in names.items():
            t = weights[f"model.layers.{layer}.{hf}.weight"]
            if hf == "self_attn.q_proj":
                t = permute_rows(t, heads)
            elif hf == "self_attn.k_proj":
                t = permute_rows(t, kv_heads)
            w.add_tensor(f"blk.{layer}.{ll}.weight", np.ascontiguousarray(t))
    w.add_tensor("output_norm.weight", weights["model.norm.weight"])
    if "lm_head.weight" in weights:
        w.add_tensor("output.weight", weights["lm_head.weight"])
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {out} ({out.stat().st_size} bytes)")
    return cfg, head_dim, theta


def main():
    cfg, head_dim, theta = write_gguf(SCALED_SRC, SCALED_OUT, with_rope_freqs=True)
    from transformers import AutoModelForCausalLM
    torch.set_num_threads(1)
    hf = AutoModelForCausalLM.from_pretrained(str(SCALED_SRC), dtype=torch.float32)
    hf_inv = hf.model.rotary_emb.inv_freq.double().numpy()
    base = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim)).double().numpy()
    ours = base / llama3_rope_freqs(cfg, head_dim).astype(np.float64)
    rel = float(np.max(np.abs(ours - hf_inv) / hf_inv))
    print(f"rope_freqs vs transformers' llama3 inv_freq: max rel diff {rel:.2e}")
    assert rel < 1e-6, rel
    assert np.any(llama3_rope_freqs(cfg, head_dim) != 1.0)

    cfg = json.load(open(SRC / "config.json"))
    vocab = cfg["vocab_size"]
    write_gguf(SRC, OUT, with_rope_freqs=False)

    # Independent check: transformers' GGUF import must give the safetensors model's logits.
    ref = AutoModelForCausalLM.from_pretrained(str(SRC), dtype=torch.float32, attn_implementation="eager")
    imp = AutoModelForCausalLM.from_pretrained(str(OUT.parent), gguf_file=OUT.name, dtype=torch.float32,
                                               attn_implementation="eager")
    ids = torch.arange(1, 30)[None] % vocab
    with torch.no_grad():
        a = ref(input_ids=ids).logits
        b = imp(input_ids=ids).logits
    diff = (a - b).abs().max().item()
    print(f"transformers GGUF import vs safetensors: max |diff| {diff}")
    assert diff == 0.0, diff


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes tests/golden/gguf/tiny_qwen3.gguf: tests/golden/models/qwen3_gqa (weights, byte-level BPE
tokenizer, chat template) laid out as llama.cpp's convert_hf_to_gguf.py writes a Qwen3ForCausalLM,
so `litert-lm-cli convert X.gguf` is tested on a "gpt2" vocabulary against the checkpoint itself.

Layout (llama.cpp conventions for arch "qwen3"):
  - tensor names token_embd / blk.N.{attn_q,attn_k,attn_v,attn_output,attn_q_norm,attn_k_norm,
    ffn_gate,ffn_up,ffn_down,attn_norm,ffn_norm} / output_norm / output; no row permutation (Qwen
    uses NeoX rope); every tensor F32 (the fixture's values, exact);
  - metadata qwen3.* (context_length, embedding_length, block_count, feed_forward_length,
    attention.head_count(_kv), attention.key_length / value_length = head_dim 32 (not
    hidden / heads), attention.layer_norm_rms_epsilon, rope.freq_base);
  - tokenizer as convert_hf_to_gguf.py's _set_vocab_gpt2 + gguf.SpecialVocab write it:
    tokenizer.ggml.model "gpt2", pre "qwen2", tokens = vocab keys and added-token contents by id,
    token_type CONTROL (3) for special added tokens and for added tokens that look special
    ("<|...|>"), USER_DEFINED (4) for the other added tokens, NORMAL (1) otherwise; merges "a b";
    bos = config bos_token_id, eos = tokenizer_config eos_token, padding = pad_token,
    add_bos_token from tokenizer_config (false); tokenizer.chat_template from tokenizer_config.

Independent check: transformers' own GGUF import (its qwen3 tensor mapping, with the checkpoint's
config because its GGUF config mapping ignores attention.key_length; and its Qwen2 GGUF tokenizer
converter) must give the safetensors model's logits exactly and the checkpoint tokenizer's ids on
a few strings.

Run (venv with torch, transformers, gguf; versions in tests/golden/gguf/MANIFEST.md):
  /work/venvs/ref/bin/python tests/tools/make_qwen3_gguf_fixture.py
"""
import json
import sys
from pathlib import Path

import gguf
import numpy as np
import torch
from safetensors.torch import load_file

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "tests" / "golden" / "models" / "qwen3_gqa"
OUT = ROOT / "tests" / "golden" / "gguf" / "tiny_qwen3.gguf"

CONTROL, USER_DEFINED, NORMAL = 3, 4, 1


def looks_special(text):
    return text.startswith("<|") and text.endswith("|>")


def write_gguf():
    cfg = json.load(open(SRC / "config.json"))
    tok = json.load(open(SRC / "tokenizer.json", encoding="utf-8"))
    tok_cfg = json.load(open(SRC / "tokenizer_config.json", encoding="utf-8"))
    weights = {k: v.float().numpy() for k, v in load_file(str(SRC / "model.safetensors")).items()}
    heads, kv_heads, head_dim = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    vocab = cfg["vocab_size"]

    w = gguf.GGUFWriter(str(OUT), arch="qwen3")
    w.add_name("tiny " + SRC.name)
    w.add_context_length(cfg["max_position_embeddings"])
    w.add_embedding_length(cfg["hidden_size"])
    w.add_block_count(cfg["num_hidden_layers"])
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    w.add_key_length(head_dim)
    w.add_value_length(head_dim)
    w.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
    w.add_rope_freq_base(cfg["rope_parameters"]["rope_theta"])
    w.add_file_type(gguf.LlamaFileType.ALL_F32)

    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    tokens = [f"[PAD{i}]" for i in range(vocab)]
    types = [5] * vocab  # UNUSED, as convert_hf_to_gguf.py pads the vocabulary
    for text, i in tok["model"]["vocab"].items():
        tokens[i], types[i] = text, NORMAL
    by_content = {}
    for t in tok["added_tokens"]:
        tokens[t["id"]] = t["content"]
        types[t["id"]] = CONTROL if t["special"] or looks_special(t["content"]) else USER_DEFINED
        by_content[t["content"]] = t["id"]
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges([m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"]])
    w.add_bos_token_id(cfg["bos_token_id"])
    w.add_eos_token_id(by_content[tok_cfg["eos_token"]])
    w.add_pad_token_id(by_content[tok_cfg["pad_token"]])
    w.add_add_bos_token(tok_cfg["add_bos_token"])
    w.add_chat_template(tok_cfg["chat_template"])

    names = {"self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
             "self_attn.o_proj": "attn_output", "self_attn.q_norm": "attn_q_norm",
             "self_attn.k_norm": "attn_k_norm", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
             "mlp.down_proj": "ffn_down", "input_layernorm": "attn_norm",
             "post_attention_layernorm": "ffn_norm"}
    w.add_tensor("token_embd.weight", weights["model.embed_tokens.weight"])
    for layer in range(cfg["num_hidden_layers"]):
        for hf, ll in names.items():
            w.add_tensor(f"blk.{layer}.{ll}.weight",
                         np.ascontiguousarray(weights[f"model.layers.{layer}.{hf}.weight"]))
    w.add_tensor("output_norm.weight", weights["model.norm.weight"])
    w.add_tensor("output.weight", weights["lm_head.weight"])
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
    return cfg


def main():
    cfg = write_gguf()
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    torch.set_num_threads(1)
    ref = AutoModelForCausalLM.from_pretrained(str(SRC), dtype=torch.float32, attn_implementation="eager")
    # transformers' GGUF config mapping for qwen3 ignores attention.key_length (it would assume
    # head_dim = 128), so the checkpoint's config is given; the tensors come from the GGUF.
    imp = AutoModelForCausalLM.from_pretrained(str(OUT.parent), gguf_file=OUT.name, dtype=torch.float32,
                                               config=AutoConfig.from_pretrained(str(SRC)),
                                               attn_implementation="eager")
    ids = torch.arange(1, 30)[None] % cfg["vocab_size"]
    with torch.no_grad():
        diff = (ref(input_ids=ids).logits - imp(input_ids=ids).logits).abs().max().item()
    print(f"transformers GGUF import vs safetensors: max |diff| {diff}")
    assert diff == 0.0, diff

    ref_tok = AutoTokenizer.from_pretrained(str(SRC))
    imp_tok = AutoTokenizer.from_pretrained(str(OUT.parent), gguf_file=OUT.name)
    for text in ["Hello world", "The capital of France is Paris.", "<|im_start|>user\nhi<|im_end|>",
                 "numbers 12345 and  spaces\n\n"]:
        a, b = ref_tok.encode(text), imp_tok.encode(text)
        print(f"{text!r}: {a}")
        assert a == b, (text, a, b)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes a random-weight Hugging Face checkpoint with the REAL shapes of a small released model.

For conversion-memory and speed benchmarks (and loader tests at real sizes) without downloading
anything. Python 3.9+ standard library only (no numpy, torch or safetensors, so it runs in CI and
in the e2e tests): the safetensors file is written directly, in chunks, so memory stays small.

  python3 tests/tools/make_random_checkpoint.py --arch gemma3-270m --out /tmp/g270m
  python3 tests/tools/make_random_checkpoint.py --arch qwen3-0.6b --out /tmp/q06b --dtype f32

config.json carries the hyper-parameters of the Hub model (Qwen/Qwen3-0.6B, -1.7B, -4B,
google/gemma-3-270m, google/gemma-3-1b-it, meta-llama/Llama-3.2-1B-Instruct,
HuggingFaceTB/SmolLM2-135M-Instruct), in the key style of its Hub config. Weights have a
random sign and a random magnitude in [2^-7, 2^-5) (std ~0.02; built from random bytes, which is
fast without numpy); RMSNorm weights are 1 (Qwen) or 0 (Gemma, which multiplies by 1 + w). No
tokenizer files.
"""

import argparse
import json
import os
import math
import random
import struct
import sys

QWEN3_0_6B = {
    "architectures": ["Qwen3ForCausalLM"], "attention_bias": False, "attention_dropout": 0.0,
    "bos_token_id": 151643, "eos_token_id": 151645, "head_dim": 128, "hidden_act": "silu",
    "hidden_size": 1024, "initializer_range": 0.02, "intermediate_size": 3072,
    "max_position_embeddings": 40960, "max_window_layers": 28, "model_type": "qwen3",
    "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 8,
    "rms_norm_eps": 1e-06, "rope_scaling": None, "rope_theta": 1000000, "sliding_window": None,
    "tie_word_embeddings": True, "use_cache": True, "use_sliding_window": False,
    "vocab_size": 151936,
}

# Qwen/Qwen3-1.7B and Qwen/Qwen3-4B: the 0.6B config with their sizes (conversion-memory benchmarks).
QWEN3_1_7B = dict(QWEN3_0_6B, hidden_size=2048, intermediate_size=6144)
QWEN3_4B = dict(QWEN3_0_6B, hidden_size=2560, intermediate_size=9728, num_attention_heads=32,
                num_hidden_layers=36, max_window_layers=36)

GEMMA3_270M = {
    "_sliding_window_pattern": 6, "architectures": ["Gemma3ForCausalLM"],
    "attention_bias": False, "attention_dropout": 0.0, "attn_logit_softcapping": None,
    "bos_token_id": 2, "eos_token_id": 1, "final_logit_softcapping": None, "head_dim": 256,
    "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 640, "initializer_range": 0.02,
    "intermediate_size": 2048,
    "layer_types": ["full_attention" if (i + 1) % 6 == 0 else "sliding_attention"
                    for i in range(18)],
    "max_position_embeddings": 32768, "model_type": "gemma3_text", "num_attention_heads": 4,
    "num_hidden_layers": 18, "num_key_value_heads": 1, "pad_token_id": 0,
    "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06, "rope_local_base_freq": 10000.0,
    "rope_scaling": None, "rope_theta": 1000000.0, "sliding_window": 512,
    "use_bidirectional_attention": False, "use_cache": True, "vocab_size": 262144,
}

GEMMA3_1B = {
    "architectures": ["Gemma3ForCausalLM"], "attention_bias": False, "attention_dropout": 0.0,
    "attn_logit_softcapping": None, "bos_token_id": 2, "cache_implementation": "hybrid",
    "eos_token_id": [1, 106], "final_logit_softcapping": None, "head_dim": 256,
    "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 1152, "initializer_range": 0.02,
    "intermediate_size": 6912, "max_position_embeddings": 32768, "model_type": "gemma3_text",
    "num_attention_heads": 4, "num_hidden_layers": 26, "num_key_value_heads": 1,
    "pad_token_id": 0, "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06,
    "rope_local_base_freq": 10000, "rope_scaling": None, "rope_theta": 1000000,
    "sliding_window": 512, "sliding_window_pattern": 6, "use_cache": True, "vocab_size": 262144,
}

# meta-llama/Llama-3.2-1B-Instruct (Llama 3 rope scaling, tied, GQA 32/8).
LLAMA3_2_1B = {
    "architectures": ["LlamaForCausalLM"], "attention_bias": False, "attention_dropout": 0.0,
    "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "head_dim": 64,
    "hidden_act": "silu", "hidden_size": 2048, "initializer_range": 0.02,
    "intermediate_size": 8192, "max_position_embeddings": 131072, "mlp_bias": False,
    "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 16,
    "num_key_value_heads": 8, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
    "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                     "original_max_position_embeddings": 8192, "rope_type": "llama3"},
    "rope_theta": 500000.0, "tie_word_embeddings": True, "use_cache": True, "vocab_size": 128256,
}

# HuggingFaceTB/SmolLM2-135M-Instruct (Llama architecture, no head_dim key, 9/3 heads).
SMOLLM2_135M = {
    "architectures": ["LlamaForCausalLM"], "attention_bias": False, "attention_dropout": 0.0,
    "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu", "hidden_size": 576,
    "initializer_range": 0.041666666666666664, "intermediate_size": 1536,
    "max_position_embeddings": 8192, "mlp_bias": False, "model_type": "llama",
    "num_attention_heads": 9, "num_hidden_layers": 30, "num_key_value_heads": 3, "pad_token_id": 2,
    "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": None, "rope_theta": 100000,
    "tie_word_embeddings": True, "use_cache": True, "vocab_size": 49152,
}

ARCHS = {"qwen3-0.6b": QWEN3_0_6B, "qwen3-1.7b": QWEN3_1_7B, "qwen3-4b": QWEN3_4B,
         "gemma3-270m": GEMMA3_270M, "gemma3-1b": GEMMA3_1B,
         "llama3.2-1b": LLAMA3_2_1B, "smollm2-135m": SMOLLM2_135M}
DTYPES = {"bf16": ("BF16", 2, "bfloat16"), "f32": ("F32", 4, "float32")}
CHUNK = 1 << 22  # elements generated at a time
# Most significant byte of a bf16/f32 value: sign from the random byte's top bit, then the top
# seven bits of exponent 120/121 (the next byte's top bit picks which): |x| in [2^-7, 2^-5).
SIGN_EXP_BYTE = bytes(0x3C if b < 128 else 0xBC for b in range(256))
ONE = {"bf16": struct.pack("<H", 0x3F80), "f32": struct.pack("<f", 1.0)}


def tensor_shapes(cfg):
  """[(name, shape, kind)] in Hugging Face naming; kind is 'norm' or 'weight'."""
  h, inter = cfg["hidden_size"], cfg["intermediate_size"]
  nh, nkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
  hd = cfg.get("head_dim", h // nh)
  gemma = cfg["model_type"] == "gemma3_text"
  qk_norm = cfg["model_type"] != "llama"
  out = [("model.embed_tokens.weight", (cfg["vocab_size"], h), "weight")]
  for i in range(cfg["num_hidden_layers"]):
    p = f"model.layers.{i}."
    norms = ["input_layernorm", "post_attention_layernorm"]
    if gemma:
      norms += ["pre_feedforward_layernorm", "post_feedforward_layernorm"]
    out += [(p + n + ".weight", (h,), "norm") for n in norms]
    out += [
        (p + "self_attn.q_proj.weight", (nh * hd, h), "weight"),
        (p + "self_attn.k_proj.weight", (nkv * hd, h), "weight"),
        (p + "self_attn.v_proj.weight", (nkv * hd, h), "weight"),
        (p + "self_attn.o_proj.weight", (h, nh * hd), "weight"),
    ]
    if qk_norm:
      out += [(p + "self_attn.q_norm.weight", (hd,), "norm"),
              (p + "self_attn.k_norm.weight", (hd,), "norm")]
    out += [
        (p + "mlp.gate_proj.weight", (inter, h), "weight"),
        (p + "mlp.up_proj.weight", (inter, h), "weight"),
        (p + "mlp.down_proj.weight", (h, inter), "weight"),
    ]
  out.append(("model.norm.weight", (h,), "norm"))
  if not cfg.get("tie_word_embeddings", gemma):
    out.append(("lm_head.weight", (cfg["vocab_size"], h), "weight"))
  return out


def random_values(rng, count, width):
  """`count` little-endian bf16 (width 2) or f32 (width 4) random values as bytes."""
  out = bytearray(count * width)
  for lane in range(width - 1):  # mantissa (+ lowest exponent bit in lane width-2)
    out[lane::width] = rng.randbytes(count)
  out[width - 1::width] = rng.randbytes(count).translate(SIGN_EXP_BYTE)
  return out


def write_tensor(f, shape, kind, gemma, dtype, rng):
  n = math.prod(shape)
  width = DTYPES[dtype][1]
  for start in range(0, n, CHUNK):
    count = min(CHUNK, n - start)
    if kind != "norm":
      f.write(random_values(rng, count, width))
    else:
      f.write(bytes(count * width) if gemma else ONE[dtype] * count)


def write_checkpoint(arch, out_dir, dtype, seed):
  cfg = dict(ARCHS[arch])
  cfg["torch_dtype"] = DTYPES[dtype][2]
  gemma = cfg["model_type"] == "gemma3_text"
  tensors = tensor_shapes(cfg)
  st_dtype, width = DTYPES[dtype][:2]
  header, offset = {"__metadata__": {"format": "pt"}}, 0
  for name, shape, _ in tensors:
    size = math.prod(shape) * width
    header[name] = {"dtype": st_dtype, "shape": list(shape), "data_offsets": [offset, offset + size]}
    offset += size
  blob = json.dumps(header, separators=(",", ":")).encode()
  blob += b" " * (-len(blob) % 8)  # data starts 8-byte aligned
  os.makedirs(out_dir, exist_ok=True)
  rng = random.Random(seed)
  path = os.path.join(out_dir, "model.safetensors")
  with open(path + ".tmp", "wb") as f:
    f.write(struct.pack("<Q", len(blob)))
    f.write(blob)
    for name, shape, kind in tensors:
      write_tensor(f, shape, kind, gemma, dtype, rng)
  os.replace(path + ".tmp", path)
  with open(os.path.join(out_dir, "config.json"), "w") as f:
    json.dump(cfg, f, indent=2, sort_keys=True)
    f.write("\n")
  params = sum(math.prod(s) for _, s, _ in tensors)
  print(f"{arch}: {len(tensors)} tensors, {params:,} parameters, {offset:,} bytes of {st_dtype} "
        f"-> {out_dir}", file=sys.stderr)


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--arch", required=True, choices=sorted(ARCHS))
  parser.add_argument("--out", required=True, help="output checkpoint directory")
  parser.add_argument("--dtype", default="bf16", choices=sorted(DTYPES))
  parser.add_argument("--seed", type=int, default=0)
  args = parser.parse_args()
  write_checkpoint(args.arch, args.out, args.dtype, args.seed)


if __name__ == "__main__":
  main()

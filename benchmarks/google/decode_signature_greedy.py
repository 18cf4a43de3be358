#!/usr/bin/env python3
"""Greedy decoding through a TFLite model's `decode` signature with ai_edge_litert's interpreter
(XNNPACK, the TFLite runtime inside Google's LiteRT-LM), one token at a time, printing each step's
top two logits and their margin: what a .litertlm file's own graph computes, without Google's
session layer, to locate where liblitertlm's greedy text and Google's part.

  PY=a venv with ai-edge-litert (litert-torch pulls it)
  $PY benchmarks/google/decode_signature_greedy.py FILE.litertlm 2,14946,3324,496,990 8 OFFSET SIZE

The prompt is token ids (`litert-lm-cli tokenize --add-special-tokens`); OFFSET and SIZE are the
TFLiteModel section's (`litert-lm-cli inspect FILE`).
"""
import sys, numpy as np
from ai_edge_litert.interpreter import Interpreter
path = sys.argv[1]; prompt = [int(t) for t in sys.argv[2].split(",")]; steps = int(sys.argv[3])
data = open(path, "rb").read()
off, size = int(sys.argv[4]), int(sys.argv[5])
runner = Interpreter(model_content=data[off:off+size], num_threads=2).get_signature_runner("decode")
details = runner.get_input_details()
caches = {k: np.zeros(v["shape"], np.float32) for k, v in details.items() if k.startswith("kv_cache")}
kv_len = details["mask"]["shape"][-1] if "mask" in details else None
neg = np.finfo(np.float32).min
def step(tok, pos):
    extra = {}
    if "mask" in details:
        extra["mask"] = np.where(np.arange(kv_len) <= pos, 0.0, neg).astype(np.float32).reshape(details["mask"]["shape"])
    out = runner(tokens=np.array([[tok]], np.int32), input_pos=np.array([pos], np.int32), **extra, **caches)
    for k in caches: caches[k] = out[k]
    return out["logits"].reshape(-1).astype(np.float32)
for pos, t in enumerate(prompt): logits = step(t, pos)
ids = []
for i in range(steps):
    top = np.argsort(logits)[::-1][:2]
    ids.append(int(top[0])); print(i, int(top[0]), float(logits[top[0]]), int(top[1]), float(logits[top[1]]), "margin", float(logits[top[0]]-logits[top[1]]))
    logits = step(int(top[0]), len(prompt) + i)
print("ids", ids)

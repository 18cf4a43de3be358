#!/usr/bin/env python3
"""Google-made .litertlm fixtures and the reference outputs of Google's own runtime.

Makes small .litertlm files with Google's converter (litert-torch `export_hf`) from the tiny
random checkpoints in tests/golden/models/, and records what Google's TFLite runtime computes on
them, so tests/unit/format/tflite_import_test.cc can check that liblitertlm runs them exactly.

Needs a tool venv of its own (never a project dependency; CI does not run this script):

    python3 -m venv /work/venvs/litert
    /work/venvs/litert/bin/pip install litert-torch==0.10.0 litert-lm-builder==0.18.1 litert-lm-api==0.18.1
    /work/venvs/litert/bin/python tests/tools/make_google_fixtures.py            # export + references
    /work/venvs/litert/bin/python tests/tools/make_google_fixtures.py --references-only

Versions used for the committed files: litert-torch 0.10.0, ai-edge-litert 2.3.0,
ai-edge-quantizer 0.10.0, litert-lm-api 0.18.1, torch 2.14.1, transformers 5.25.0, Python 3.11.7.

Two work-arounds litert-torch 0.10.0 needs here (applied by this script, see `run_litert_torch`):
  1. it imports `tensorflow.lite.python.schema_py_generated` at module level without depending on
     TensorFlow: a stand-in package re-exporting `ai_edge_litert.schema_py_generated` is put on
     PYTHONPATH;
  2. with transformers 5.25 its patch of `use_kernel_forward_from_hub` breaks the decorator on
     *functions* (`apply_rotary_pos_emb`): its replacement is kept for classes, the original used
     for functions.
Its `-q` short flag is rejected; `--quantization_recipe` works. With no recipe export_hf
quantizes to dynamic_wi8_afp32; `--quantization_recipe=none` keeps fp32.

Exact export command per fixture (prefill signatures 8 and 32, KV cache 64):
    litert-torch export_hf tests/golden/models/<ckpt> OUT --prefill_lengths=8,32 --cache_length=64 \
        --quantization_recipe=<dynamic_wi8_afp32|none>

Reference (per file, beside it as <name>.reference.safetensors):
  prompt_ids     int32 [P]      fixed ids (Gemma: starting with <bos> = 2)
  decode_ids     int32 [32]     greedy tokens
  decode_logits  float32 [32,V] the logits each greedy token was taken from
computed with ai_edge_litert's Interpreter (the TFLite runtime inside Google's LiteRT-LM, XNNPACK
on CPU) through the file's own `decode` signature one token at a time: input_pos = position,
mask[j] = 0 for j <= position else float32 min (what LiteRT-LM's runtime builds), KV caches carried
from step to step. `litert_lm_text` (in the JSON beside it) is the 32-token greedy continuation of
the same prompt text printed by litert_lm (LiteRT-LM's own engine) for comparison.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = os.path.join(ROOT, "tests", "golden", "models")
OUT = os.path.join(ROOT, "tests", "golden", "google")
STEPS = 32

# name → (checkpoint, recipe, prompt ids)
FIXTURES = {
    "gemma3_sliding_export_hf_int8": ("gemma3_sliding", "dynamic_wi8_afp32", [2, 17, 45, 99, 260, 31]),
    "gemma3_sliding_export_hf_fp32": ("gemma3_sliding", "none", [2, 17, 45, 99, 260, 31]),
    "qwen3_gqa_export_hf_int8": ("qwen3_gqa", "dynamic_wi8_afp32", [17, 45, 99, 260, 31, 7]),
    "qwen3_gqa_export_hf_fp32": ("qwen3_gqa", "none", [17, 45, 99, 260, 31, 7]),
}

FIXED_RUNNER = r'''
import sys, transformers
from litert_torch.generative.export_hf.core import patches as p
orig, lit = p.original_use_kernel_forward_from_hub, p._use_kernel_forward_from_hub
def fixed(name):
    o, l = orig(name), lit(name)
    return lambda obj: l(obj) if isinstance(obj, type) else o(obj)
transformers.integrations.use_kernel_forward_from_hub = fixed
from litert_torch.cli import main
sys.exit(main())
'''


def run_litert_torch(args, work):
    shim = os.path.join(work, "shim", "tensorflow", "lite", "python")
    os.makedirs(shim, exist_ok=True)
    for d in ("tensorflow", "tensorflow/lite", "tensorflow/lite/python"):
        open(os.path.join(work, "shim", d, "__init__.py"), "w").close()
    with open(os.path.join(shim, "schema_py_generated.py"), "w") as f:
        f.write("from ai_edge_litert.schema_py_generated import *  # noqa: F401,F403\n")
    runner = os.path.join(work, "litert_torch_fixed.py")
    with open(runner, "w") as f:
        f.write(FIXED_RUNNER)
    env = dict(os.environ, PYTHONPATH=os.path.join(work, "shim"))
    subprocess.run([sys.executable, runner] + args, check=True, env=env)


def export(name):
    ckpt, recipe, _ = FIXTURES[name]
    with tempfile.TemporaryDirectory() as work:
        out_dir = os.path.join(work, "out")
        run_litert_torch(["export_hf", os.path.join(MODELS, ckpt), out_dir, "--prefill_lengths=8,32",
                          "--cache_length=64", f"--quantization_recipe={recipe}"], work)
        os.replace(os.path.join(out_dir, "model.litertlm"), os.path.join(OUT, name + ".litertlm"))


def tflite_section(path):
    """The TFLiteModel section's bytes (container layout read with litert-lm-builder's peek)."""
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([os.path.join(os.path.dirname(sys.executable), "litert-lm-peek"), "--litertlm_file", path,
                        "--dump_files_dir", d], check=True, stdout=subprocess.DEVNULL)
        for f in os.listdir(d):
            if f.endswith(".tflite"):
                return open(os.path.join(d, f), "rb").read()
    raise SystemExit(f"{path}: no TFLite section")


def reference(name):
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter
    from safetensors.numpy import save_file
    path = os.path.join(OUT, name + ".litertlm")
    prompt = FIXTURES[name][2]
    interp = Interpreter(model_content=tflite_section(path), num_threads=1)
    runner = interp.get_signature_runner("decode")
    details = runner.get_input_details()
    caches = {k: np.zeros(v["shape"], np.float32) for k, v in details.items() if k.startswith("kv_cache")}
    kv_len = details["mask"]["shape"][-1]
    neg = np.finfo(np.float32).min

    def step(token, pos):
        mask = np.where(np.arange(kv_len) <= pos, 0.0, neg).astype(np.float32).reshape(1, 1, 1, kv_len)
        out = runner(tokens=np.array([[token]], np.int32), input_pos=np.array([pos], np.int32), mask=mask, **caches)
        for k in caches:
            caches[k] = out[k]
        return out["logits"].reshape(-1).astype(np.float32)

    logits = None
    for pos, tok in enumerate(prompt):
        logits = step(tok, pos)
    ids, all_logits = [], []
    for i in range(STEPS):
        nxt = int(np.argmax(logits))
        ids.append(nxt)
        all_logits.append(logits)
        if i + 1 < STEPS:
            logits = step(nxt, len(prompt) + i)
    save_file({"prompt_ids": np.array(prompt, np.int32), "decode_ids": np.array(ids, np.int32),
               "decode_logits": np.stack(all_logits)}, os.path.join(OUT, name + ".reference.safetensors"))
    info = {"prompt_ids": prompt, "decode_ids": ids, "litert_lm_text": litert_lm_text(path, prompt)}
    with open(os.path.join(OUT, name + ".reference.json"), "w") as f:
        json.dump(info, f, indent=1)
    print(name, ids)


def litert_lm_text(path, prompt_ids):
    import litert_lm
    eng = litert_lm.Engine(path, backend=litert_lm.Backend.CPU(thread_count=1), cache_dir=":nocache")
    text = eng.detokenize(prompt_ids)
    s = eng.create_session(apply_prompt_template=False,
                           sampler_config=litert_lm.SamplerConfig(top_k=1, temperature=0.0), max_output_tokens=STEPS)
    s.run_prefill([text])
    return {"prompt_text": text, "output": s.run_decode().texts[0]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--references-only", action="store_true")
    ap.add_argument("names", nargs="*", default=sorted(FIXTURES))
    a = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    for name in a.names:
        if not a.references_only:
            export(name)
        reference(name)


if __name__ == "__main__":
    main()

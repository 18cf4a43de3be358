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
  export_hf style (current):
    litert-torch export_hf tests/golden/models/<ckpt> OUT --prefill_lengths=8,32 --cache_length=64 \
        --quantization_recipe=<dynamic_wi8_afp32|none>
  classic style (what the litert-community files were made with): the per-model converter's
  model builder with the tiny checkpoint's config (CLASSIC_CONVERTER below: the same calls as
  `python -m litert_torch.generative.examples.qwen.convert_v3_to_tflite`, whose --model_size only
  offers real sizes), `converter.convert_to_tflite(..., prefill_seq_len=[8, 32],
  kv_cache_max_len=64, quantize=<dynamic_int8|none>)` with ExportConfig()'s defaults (mask built
  in the graph: an odml.scaled_dot_product_attention composite); *_classic_maskin_* with the
  defaults of convert_gemma3_to_tflite itself (mask_as_input, transposed KV cache, no mask cache),
  which the real Gemma 3 270M's classic export has; packed with
    litert-lm-builder llm_metadata --path META.pbtext tflite_model --path X.tflite \
        --model_type prefill_decode hf_tokenizer --path tokenizer.json output --path OUT.litertlm

Reference (per file, beside it as <name>.reference.safetensors):
  prompt_ids     int32 [P]      fixed ids (Gemma: starting with <bos> = 2)
  decode_ids     int32 [32]     greedy tokens
  decode_logits  float32 [32,V] the logits each greedy token was taken from
computed with ai_edge_litert's Interpreter (the TFLite runtime inside Google's LiteRT-LM, XNNPACK
on CPU) through the file's own `decode` signature one token at a time: input_pos = position,
mask[j] = 0 for j <= position else float32 min (what LiteRT-LM's runtime builds), KV caches carried
from step to step. `litert_lm_text` (in the JSON beside it) is the 32-token greedy continuation of
TEXT_PROMPT (no chat template) printed by litert_lm, LiteRT-LM's own engine (or the error it
gave: 0.18.1 fails on some of these random-weight outputs, "Stable text shrunk compared to
released", and refuses the tiny classic files), and `text_decode_ids`: the interpreter's 32 greedy
tokens after the start token + litert_lm's tokenization of TEXT_PROMPT. tests/e2e/
google_files_test.py checks that `litert-lm-cli run --no-chat-template` prints their text.

The export_hf files (container 1.7.0) also carry Google's ExecutorMetadata section for these
checkpoints at KV cache 64: `convert --format tflite` must write the same section, byte for byte
(tests/unit/converter/tflite_format_test.cc, tests/unit/format/executor_metadata_test.cc) and as
litert-lm-peek dumps it (tests/google_runtime/google_runtime_test.py). A fresh export with
--prefill_lengths=8 (litert_torch_fixed.py export_hf, 2026-12-07) gave the identical section.
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
TEXT_PROMPT = "The capital of France is"
START_TOKEN = {"gemma3_sliding": [2], "gemma3_wide": [2]}  # <bos>; Qwen3 has none

# name → (checkpoint, recipe, prompt ids); "classic" in the name selects the classic converter.
FIXTURES = {
    "gemma3_sliding_classic_int8": ("gemma3_sliding", "dynamic_int8", [2, 17, 45, 99, 260, 31]),
    "gemma3_sliding_classic_fp32": ("gemma3_sliding", "none", [2, 17, 45, 99, 260, 31]),
    # What `python -m litert_torch.generative.examples.gemma3.convert_gemma3_to_tflite` makes with its
    # own defaults (--mask_as_input --transpose_kv_cache, no mask cache; MASK_INPUT_CLASSIC below):
    # the mask is an input, attention is decomposed (BATCH_MATMUL, grouped query heads reshaped
    # around the mask ADD), sliding layers take MINIMUM(mask, window), V is transposed.
    "gemma3_sliding_classic_maskin_int8": ("gemma3_sliding", "dynamic_int8", [2, 17, 45, 99, 260, 31]),
    "gemma3_sliding_classic_maskin_fp32": ("gemma3_sliding", "none", [2, 17, 45, 99, 260, 31]),
    "qwen3_gqa_classic_int8": ("qwen3_gqa", "dynamic_int8", [17, 45, 99, 260, 31, 7]),
    "qwen3_gqa_classic_fp32": ("qwen3_gqa", "none", [17, 45, 99, 260, 31, 7]),
    "gemma3_sliding_export_hf_int8": ("gemma3_sliding", "dynamic_wi8_afp32", [2, 17, 45, 99, 260, 31]),
    "gemma3_sliding_export_hf_fp32": ("gemma3_sliding", "none", [2, 17, 45, 99, 260, 31]),
    "qwen3_gqa_export_hf_int8": ("qwen3_gqa", "dynamic_wi8_afp32", [17, 45, 99, 260, 31, 7]),
    "qwen3_gqa_export_hf_fp32": ("qwen3_gqa", "none", [17, 45, 99, 260, 31, 7]),
    # int4: the classic converters' two int4 recipes, and export_hf's int4 recipes (ai_edge_quantizer's
    # dynamic_wi4b32_afp32: blocks of 32; dynamic_wi4_afp32: one scale per output channel). On the
    # *_wide checkpoints (WIDE below): int4 rows must be a multiple of 128 long for our kernels.
    "gemma3_wide_classic_int4b32": ("gemma3_wide", "dynamic_int4_block32", [2, 17, 45, 99, 260, 31]),
    "gemma3_wide_classic_int4b128": ("gemma3_wide", "dynamic_int4_block128", [2, 17, 45, 99, 260, 31]),
    "qwen3_wide_classic_int4b32": ("qwen3_wide", "dynamic_int4_block32", [17, 45, 99, 260, 31, 7]),
    "qwen3_wide_classic_int4b128": ("qwen3_wide", "dynamic_int4_block128", [17, 45, 99, 260, 31, 7]),
    "gemma3_wide_export_hf_int4b32": ("gemma3_wide", "dynamic_wi4b32_afp32", [2, 17, 45, 99, 260, 31]),
    "gemma3_wide_export_hf_int4c": ("gemma3_wide", "dynamic_wi4_afp32", [2, 17, 45, 99, 260, 31]),
    "qwen3_wide_export_hf_int4b32": ("qwen3_wide", "dynamic_wi4b32_afp32", [17, 45, 99, 260, 31, 7]),
    "qwen3_wide_export_hf_int4c": ("qwen3_wide", "dynamic_wi4_afp32", [17, 45, 99, 260, 31, 7]),
}

# Checkpoints for the int4 fixtures, made by this script into tests/golden/google/models/<name>
# (make_wide_checkpoint): the tiny checkpoint's config and tokenizer with hidden_size and
# intermediate_size 128 (the tiny ones have rows of 64 and 160 inputs; our int4 kernels need whole
# groups of 128), random weights drawn like make_model_fixtures.py's (std 0.2; norms 1 + 0.2·N
# for Qwen, 0.2·N for Gemma, Gemma's final norm gain 6).
# Classic fixtures whose plain .tflite (what the seed's Gemma 3 notes produce before packing) is
# also kept, in tests/golden/google/plain/<name>/ with the checkpoint's tokenizer files beside it.
PLAIN = {"gemma3_wide_classic_int4b32", "qwen3_wide_classic_int4b128"}

WIDE = {"gemma3_wide": "gemma3_sliding", "qwen3_wide": "qwen3_gqa"}
WIDE_SIZE = 128
WIDE_SEED = 1234


def ckpt_dir(ckpt):
    return os.path.join(OUT, "models", ckpt) if ckpt in WIDE else os.path.join(MODELS, ckpt)


def make_wide_checkpoint(ckpt):
    import shutil
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM
    src, dst = os.path.join(MODELS, WIDE[ckpt]), ckpt_dir(ckpt)
    os.makedirs(dst, exist_ok=True)
    config = AutoConfig.from_pretrained(src)
    config.hidden_size = WIDE_SIZE
    config.intermediate_size = WIDE_SIZE
    torch.manual_seed(WIDE_SEED)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    gemma = "gemma" in ckpt
    gen = torch.Generator().manual_seed(WIDE_SEED)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            noise = 0.2 * torch.randn(p.shape, generator=gen)
            if name.endswith("norm.weight"):
                p.copy_(noise + (0.0 if gemma else 1.0) + (5.0 if gemma and name == "model.norm.weight" else 0.0))
            elif gemma and "embed_tokens" in name:
                p.copy_(noise / 6.0)
            else:
                p.copy_(noise)
    model.save_pretrained(dst)
    for f in ("tokenizer.json", "tokenizer.model", "tokenizer_config.json", "generation_config.json"):
        if os.path.exists(os.path.join(src, f)):
            shutil.copy(os.path.join(src, f), os.path.join(dst, f))

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


# The classic Qwen3 converter's model builder on the tiny qwen3_gqa config (3 layers, hidden 64,
# 4 heads / 2 KV heads of 32, intermediate 160, vocab 384, RoPE base 1e6, untied LM head).
CLASSIC_QWEN3 = r'''
import sys
from litert_torch.generative.examples.qwen import qwen3
from litert_torch.generative.utilities import converter, export_config
ckpt, out, quant, hidden, inter = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
cfg = qwen3.get_4b_model_config()
b = cfg.block_config(0)
b.attn_config.num_heads, b.attn_config.head_dim, b.attn_config.num_query_groups = 4, 32, 2
b.ff_config.intermediate_size = inter
cfg.vocab_size, cfg.num_layers, cfg.embedding_dim, cfg.max_seq_len = 384, 3, hidden, 4096
cfg.lm_head_share_weight_with_embedding = False
model = qwen3._build_model(ckpt, cfg, mask_cache_size=64)
converter.convert_to_tflite(model, output_path=out, output_name_prefix="classic", prefill_seq_len=[8, 32],
                            kv_cache_max_len=64, quantize=quant, export_config=export_config.ExportConfig())
'''

# The classic Gemma3 converter's decoder on the tiny gemma3_sliding config (5 layers
# [sliding, full, sliding, sliding, full], hidden 64, 4 heads / 2 KV heads of 32, intermediate 128,
# vocab 512, window 6, RoPE bases 1e4 / 1e6). The classic config has no query_pre_attn_scalar: its
# queries scale by head_dim^-0.5 (the file says so; the importer reads it).
CLASSIC_GEMMA3 = r'''
import sys
from litert_torch.generative.examples.gemma3 import decoder
from litert_torch.generative.utilities import converter, export_config, model_builder
ckpt, out, quant, hidden, inter = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
cfg = decoder.get_decoder_config_270m()
types = ["sliding", "full", "sliding", "sliding", "full"]
cfg.vocab_size, cfg.num_layers, cfg.embedding_dim, cfg.max_seq_len = 512, 5, hidden, 4096
cfg.embedding_scale = hidden ** 0.5
cfg.block_configs = cfg.block_configs[:5]
for i, b in enumerate(cfg.block_configs):
    a = b.attn_config
    a.num_heads, a.head_dim, a.num_query_groups, a.sliding_window_size = 4, 32, 2, 6
    full = types[i] == "full"
    a.attn_type = decoder.cfg.AttentionType.GLOBAL if full else decoder.cfg.AttentionType.LOCAL_SLIDING
    a.rotary_base = 1_000_000 if full else 10_000
    b.ff_config.intermediate_size = inter
mask_input = len(sys.argv) > 6 and sys.argv[6] == "mask_input"
ec = export_config.ExportConfig()
if mask_input:  # convert_gemma3_to_tflite's defaults (get_from_flags, get_mask_cache_size_from_flags)
    from litert_torch.generative.layers import kv_cache as kv_utils
    ec.mask_as_input, ec.kvcache_layout = True, kv_utils.KV_LAYOUT_TRANSPOSED
model = model_builder.build_decoder_only_model(checkpoint_path=ckpt, config=cfg,
                                               tensor_names=decoder.TENSOR_NAMES_SEP_QKV,
                                               model_class=decoder.Decoder, mask_cache_size=0 if mask_input else 64)
converter.convert_to_tflite(model, output_path=out, output_name_prefix="classic", prefill_seq_len=[8, 32],
                            kv_cache_max_len=64, quantize=quant, export_config=ec)
'''

CLASSIC_CONVERTER = {"qwen3_gqa": CLASSIC_QWEN3, "gemma3_sliding": CLASSIC_GEMMA3,
                     "qwen3_wide": CLASSIC_QWEN3, "gemma3_wide": CLASSIC_GEMMA3}

CLASSIC_METADATA = {
    "gemma3_sliding": ("start_token { token_ids { ids: 2 } }\nstop_tokens { token_ids { ids: 1 } }\n"
                       "stop_tokens { token_ids { ids: 106 } }\nmax_num_tokens: 64\nllm_model_type { gemma3 {} }\n"),
    "qwen3_gqa": "stop_tokens { token_ids { ids: 360 } }\nmax_num_tokens: 64\nllm_model_type { qwen3 {} }\n",
}
CLASSIC_METADATA["gemma3_wide"] = CLASSIC_METADATA["gemma3_sliding"]
CLASSIC_METADATA["qwen3_wide"] = CLASSIC_METADATA["qwen3_gqa"]


def shim_env(work):
    shim = os.path.join(work, "shim", "tensorflow", "lite", "python")
    os.makedirs(shim, exist_ok=True)
    for d in ("tensorflow", "tensorflow/lite", "tensorflow/lite/python"):
        open(os.path.join(work, "shim", d, "__init__.py"), "w").close()
    with open(os.path.join(shim, "schema_py_generated.py"), "w") as f:
        f.write("from ai_edge_litert.schema_py_generated import *  # noqa: F401,F403\n")
    return dict(os.environ, PYTHONPATH=os.path.join(work, "shim"))


def export_classic(name):
    ckpt, quant, _ = FIXTURES[name]
    bindir = os.path.dirname(sys.executable)
    with tempfile.TemporaryDirectory() as work:
        script = os.path.join(work, "classic.py")
        with open(script, "w") as f:
            f.write(CLASSIC_CONVERTER[ckpt])
        cfg = json.load(open(os.path.join(ckpt_dir(ckpt), "config.json")))
        subprocess.run([sys.executable, script, os.path.join(ckpt_dir(ckpt), "model.safetensors"), work, quant,
                        str(cfg["hidden_size"]), str(cfg["intermediate_size"])]
                       + (["mask_input"] if "_maskin" in name else []), check=True, env=shim_env(work))
        tflite = [f for f in os.listdir(work) if f.endswith(".tflite")][0]
        meta = os.path.join(work, "meta.pbtext")
        with open(meta, "w") as f:
            f.write(CLASSIC_METADATA[ckpt])
        out = os.path.join(work, "out.litertlm")
        subprocess.run([os.path.join(bindir, "litert-lm-builder"), "llm_metadata", "--path", meta, "tflite_model",
                        "--path", os.path.join(work, tflite), "--model_type", "prefill_decode", "hf_tokenizer",
                        "--path", os.path.join(ckpt_dir(ckpt), "tokenizer.json"), "output", "--path", out], check=True)
        os.replace(out, os.path.join(OUT, name + ".litertlm"))
        if name in PLAIN:  # the converter's .tflite before packing, with the tokenizer files beside it
            import shutil
            d = os.path.join(OUT, "plain", name)
            os.makedirs(d, exist_ok=True)
            shutil.copy(os.path.join(work, tflite), os.path.join(d, name + ".tflite"))
            for f in ("tokenizer.json", "tokenizer.model", "tokenizer_config.json"):
                if os.path.exists(os.path.join(ckpt_dir(ckpt), f)):
                    shutil.copy(os.path.join(ckpt_dir(ckpt), f), os.path.join(d, f))


def run_litert_torch(args, work):
    env = shim_env(work)
    runner = os.path.join(work, "litert_torch_fixed.py")
    with open(runner, "w") as f:
        f.write(FIXED_RUNNER)
    subprocess.run([sys.executable, runner] + args, check=True, env=env)


def export(name):
    ckpt, recipe, _ = FIXTURES[name]
    with tempfile.TemporaryDirectory() as work:
        out_dir = os.path.join(work, "out")
        run_litert_torch(["export_hf", ckpt_dir(ckpt), out_dir, "--prefill_lengths=8,32",
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


def greedy(runner, prompt, steps):
    """Google's TFLite runtime through the file's `decode` signature, one token at a time."""
    import numpy as np
    details = runner.get_input_details()
    caches = {k: np.zeros(v["shape"], np.float32) for k, v in details.items() if k.startswith("kv_cache")}
    kv_len = 64
    neg = np.finfo(np.float32).min

    def step(token, pos):
        extra = {}
        if "mask" in details:  # export_hf: the runtime builds the causal mask; classic: in-graph
            extra["mask"] = np.where(np.arange(kv_len) <= pos, 0.0, neg).astype(np.float32).reshape(1, 1, 1, kv_len)
        out = runner(tokens=np.array([[token]], np.int32), input_pos=np.array([pos], np.int32), **extra, **caches)
        for k in caches:
            caches[k] = out[k]
        return out["logits"].reshape(-1).astype(np.float32)

    logits = None
    for pos, tok in enumerate(prompt):
        logits = step(tok, pos)
    ids, all_logits = [], []
    for i in range(steps):
        nxt = int(np.argmax(logits))
        ids.append(nxt)
        all_logits.append(logits)
        if i + 1 < steps:
            logits = step(nxt, len(prompt) + i)
    return ids, all_logits


def reference(name):
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter
    from safetensors.numpy import save_file
    path = os.path.join(OUT, name + ".litertlm")
    prompt = FIXTURES[name][2]
    runner = Interpreter(model_content=tflite_section(path), num_threads=1).get_signature_runner("decode")
    ids, all_logits = greedy(runner, prompt, STEPS)
    save_file({"prompt_ids": np.array(prompt, np.int32), "decode_ids": np.array(ids, np.int32),
               "decode_logits": np.stack(all_logits)}, os.path.join(OUT, name + ".reference.safetensors"))
    # The text prompt as `run --no-chat-template` sends it: the file's start token, then the text.
    text_ids = START_TOKEN.get(FIXTURES[name][0], []) + tokenize(path, TEXT_PROMPT)
    info = {"prompt_ids": prompt, "decode_ids": ids,
            "text_prompt": TEXT_PROMPT, "text_prompt_ids": text_ids,
            "text_decode_ids": greedy(runner, text_ids, STEPS)[0],
            "litert_lm_text": litert_lm_text(path, TEXT_PROMPT)}
    with open(os.path.join(OUT, name + ".reference.json"), "w") as f:
        json.dump(info, f, indent=1)
    print(name, ids)


def tokenize(path, text):
    import litert_lm
    return list(litert_lm.Engine(path, backend=litert_lm.Backend.CPU(thread_count=1), cache_dir=":nocache").tokenize(text))


def litert_lm_text(path, text):
    """litert_lm's greedy text, or the error it gave. litert_lm 0.18.1 refuses the tiny classic files
    ("Input token ids are too long ... >= 2"): without ExecutorMetadata it takes the KV length from
    dimension 2 of kv_cache_k_0, which in the classic layout [1, len, KV, D] is the KV head count.
    Their reference is the TFLite interpreter's alone."""
    import litert_lm
    try:
        eng = litert_lm.Engine(path, backend=litert_lm.Backend.CPU(thread_count=1), cache_dir=":nocache")
        s = eng.create_session(apply_prompt_template=False,
                               sampler_config=litert_lm.SamplerConfig(top_k=1, temperature=0.0),
                               max_output_tokens=STEPS)
        s.run_prefill([text])
        return {"prompt_text": text, "output": s.run_decode().texts[0]}
    except RuntimeError as e:
        return {"prompt_text": text, "error": str(e)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--references-only", action="store_true")
    ap.add_argument("names", nargs="*", default=sorted(FIXTURES))
    a = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    for name in a.names:
        ckpt = FIXTURES[name][0]
        if ckpt in WIDE and not os.path.exists(os.path.join(ckpt_dir(ckpt), "model.safetensors")):
            make_wide_checkpoint(ckpt)
        if not a.references_only:
            export_classic(name) if "classic" in name else export(name)
        reference(name)


if __name__ == "__main__":
    main()

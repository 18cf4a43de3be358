#!/usr/bin/env python3
"""A Google-made .litertlm file (e.g. the real Gemma 3 270M made by litert-torch, either export
style): Google's runtime and liblitertlm, token by token and logit by logit.

  PY=a venv with litert-lm-api and ai-edge-litert (litert-torch pulls the latter)
  $PY benchmarks/google/real_model_check.py FILE.litertlm --cli build/cli/litert-lm-cli \
      --tool build/benchmarks/google/teacher_forced_logits [--prompt TEXT] [--steps 32] [--threads 2] \
      [--reference-ids 108,818,...]

Prints JSON lines:
  {"check": "text", ...}    the greedy continuation of PROMPT (no chat template) by Google's
                            LiteRT-LM engine (litert_lm: its prefill signatures, then decode) and by
                            `litert-lm-cli run --no-chat-template` with --int8-activations google and
                            exact: equal or not, and the first character where they part;
  {"check": "interpreter"}  the file's own graph in ai_edge_litert's interpreter (XNNPACK, the
                            TFLite runtime inside LiteRT-LM) through the `decode` signature, one
                            token at a time after START_IDS + Google's tokenization of PROMPT:
                            STEPS greedy ids, the smallest top-2 logit margin;
  {"check": "logits", "int8_activations": M, ...}  ours (teacher_forced_logits, fed the
                            interpreter's ids) against those logits, per step max|Δlogit| /
                            max|logit|: worst, median, and whether every step's argmax is the
                            interpreter's (the first step where it is not, with both top-2s); the
                            worst max|Δlogit|, how many steps' rows are bit-identical and how many
                            logits differ in all;
  {"check": "reference"}    with --reference-ids (e.g. the fp32 source's greedy ids from
                            transformers): the first step where the interpreter's ids part from them.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

import numpy as np


def tflite_section(path, cli):
    """The TFLiteModel section's bytes, at the offset and size `litert-lm-cli inspect` prints."""
    out = subprocess.run([cli, "inspect", path], capture_output=True, text=True, check=True).stdout
    m = re.search(r"^\s*\d+\s+TFLiteModel\s+(\d+)\s+(\d+)", out, re.M)
    if not m:
        raise SystemExit(f"{path}: no TFLiteModel section in `inspect`'s listing")
    off, size = int(m.group(1)), int(m.group(2))
    with open(path, "rb") as f:
        f.seek(off)
        return f.read(size)


def interpreter_greedy(model_bytes, prompt, steps, threads):
    from ai_edge_litert.interpreter import Interpreter
    runner = Interpreter(model_content=model_bytes, num_threads=threads).get_signature_runner("decode")
    details = runner.get_input_details()
    caches = {k: np.zeros(v["shape"], np.float32) for k, v in details.items() if k.startswith("kv_cache")}
    neg = np.finfo(np.float32).min

    def step(token, pos):
        extra = {}
        if "mask" in details:  # what LiteRT-LM's runtime builds: 0 up to the position, float min after
            shape = details["mask"]["shape"]
            extra["mask"] = np.where(np.arange(shape[-1]) <= pos, 0.0, neg).astype(np.float32).reshape(shape)
        out = runner(tokens=np.array([[token]], np.int32), input_pos=np.array([pos], np.int32), **extra, **caches)
        for k in caches:
            caches[k] = out[k]
        return out["logits"].reshape(-1).astype(np.float32)

    logits = None
    for pos, tok in enumerate(prompt):
        logits = step(tok, pos)
    ids, rows = [], []
    for i in range(steps):
        ids.append(int(np.argmax(logits)))
        rows.append(logits)
        if i + 1 < steps:
            logits = step(ids[-1], len(prompt) + i)
    return ids, np.stack(rows), sorted(details)


def top2(row):
    i = np.argsort(row)[::-1][:2]
    return [[int(i[0]), round(float(row[i[0]]), 4)], [int(i[1]), round(float(row[i[1]]), 4)]]


def google_text(path, prompt, steps, threads):
    import litert_lm
    eng = litert_lm.Engine(path, backend=litert_lm.Backend.CPU(thread_count=threads), cache_dir=":nocache")
    s = eng.create_session(apply_prompt_template=False,
                           sampler_config=litert_lm.SamplerConfig(top_k=1, temperature=0.0), max_output_tokens=steps)
    tokens = list(eng.tokenize(prompt))
    s.run_prefill([prompt])
    try:
        return s.run_decode().texts[0], tokens
    except RuntimeError as e:  # 0.18.1 fails on some random-weight outputs ("Stable text shrunk")
        return f"error: {e}", tokens


def our_text(cli, path, prompt, steps, threads, mode):
    out = subprocess.run([cli, "run", path, "--no-chat-template", "--prompt", prompt, "-n", str(steps),
                          "--temperature", "0", "--json", "--threads", str(threads), "--int8-activations", mode],
                         capture_output=True, text=True)
    if out.returncode != 0:
        return None, out.stderr.strip()
    return json.loads(out.stdout)["text"], None


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("--cli", required=True)
    ap.add_argument("--tool", required=True, help="teacher_forced_logits (built under benchmarks/google/)")
    ap.add_argument("--prompt", default="What is the capital of France?")
    ap.add_argument("--start-ids", default="2", help="the file's start token ids (Gemma: <bos> = 2; '' for none)")
    ap.add_argument("--steps", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reference-ids", default="", help="comma-separated greedy ids to compare with")
    a = ap.parse_args()

    gtext, gtok = google_text(a.file, a.prompt, a.steps, a.threads)
    for mode in ("google", "exact"):
        text, err = our_text(a.cli, a.file, a.prompt, a.steps, a.threads, mode)
        print(json.dumps({"check": "text", "int8_activations": mode, "google": gtext, "ours": text, "error": err,
                          "equal": text == gtext,
                          "first_different_char": None if text is None else first_difference(gtext, text)}))

    prompt = [int(t) for t in a.start_ids.split(",") if t] + gtok
    ids, ref, inputs = interpreter_greedy(tflite_section(a.file, a.cli), prompt, a.steps, a.threads)
    margins = [float(np.sort(r)[-1] - np.sort(r)[-2]) for r in ref]
    print(json.dumps({"check": "interpreter", "prompt_ids": prompt, "ids": ids, "decode_inputs": inputs,
                      "min_top2_margin": round(min(margins), 4), "at_step": int(np.argmin(margins))}))
    if a.reference_ids:
        want = [int(t) for t in a.reference_ids.split(",")]
        print(json.dumps({"check": "reference", "first_different_step": first_difference(want[:a.steps], ids)}))

    vocab = ref.shape[1]
    for mode in ("google", "exact"):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "logits.f32")
            r = subprocess.run([a.tool, a.file, out, mode, ",".join(map(str, prompt)), ",".join(map(str, ids)),
                                str(a.threads)], capture_output=True, text=True)
            if r.returncode != 0:
                print(json.dumps({"check": "logits", "int8_activations": mode, "error": r.stderr.strip()}))
                continue
            ours = np.fromfile(out, np.float32).reshape(-1, vocab)
        rel = [float(np.max(np.abs(o - g)) / np.max(np.abs(g))) for o, g in zip(ours, ref)]
        differing = [int(np.count_nonzero(o.view(np.uint32) != g.view(np.uint32))) for o, g in zip(ours, ref)]
        argmax = [int(np.argmax(o)) for o in ours]
        diff = first_difference(ids, argmax)
        rec = {"check": "logits", "int8_activations": mode, "steps": len(rel), "worst_rel": float(f"{max(rel):.3g}"),
               "worst_step": int(np.argmax(rel)), "median_rel": float(f"{statistics.median(rel):.3g}"),
               "worst_abs": float(f"{max(float(np.max(np.abs(o - g))) for o, g in zip(ours, ref)):.3g}"),
               "rows_bit_identical": sum(n == 0 for n in differing), "logits_differing": sum(differing),
               "argmax_equal": diff is None, "first_argmax_difference": diff}
        if diff is not None:
            rec.update({"google_top2": top2(ref[diff]), "ours_top2": top2(ours[diff]),
                        "google_margin": round(margins[diff], 4)})
        print(json.dumps(rec))
        sys.stdout.flush()


if __name__ == "__main__":
    main()

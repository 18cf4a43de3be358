#!/usr/bin/env python3
"""Encode throughput on the same 1 MB mixed document: Hugging Face `tokenizers` (PyPI) vs
liblitertlm, single-threaded, in one run.

    /opt/reftools/bin/python benchmarks/tokenizer_compare.py \
        --bench build/benchmarks/tokenizer_bench --shared /work/shared

The document is the 1 MB document of the tokenizer tests (tests/golden/tokenizer/corpus.jsonl.gz
strings cycled and joined by newlines until >= 1 MiB). Encode throughput is CPU time
(the machine may be shared): HF = best of --repeats calls of Tokenizer.encode(doc,
add_special_tokens=False) on one Tokenizer object (cache warm after the first call, like ours),
RAYON_NUM_THREADS=1, timed with time.process_time(); ours = Google Benchmark BM_Encode /
BM_EncodeLines (CPU time, one Tokenizer object). "per line" encodes each '\n'-separated line
with its own call. Load time is reported as wall / CPU seconds.
"""
import argparse
import gzip
import json
import os
import subprocess
import tempfile
import time

os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

HERE = os.path.dirname(os.path.abspath(__file__))


def long_document(golden):
    texts = [json.loads(l)["text"] for l in gzip.open(os.path.join(golden, "corpus.jsonl.gz"))]
    parts, size, i = [], 0, 0
    while size < (1 << 20):
        t = texts[i % len(texts)]
        parts.append(t)
        size += len(t.encode("utf-8")) + 1
        i += 1
    return "\n".join(parts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--shared", default="/work/shared")
    ap.add_argument("--golden", default=os.path.join(HERE, "..", "tests", "golden", "tokenizer"))
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    import tokenizers
    doc = long_document(args.golden)
    nbytes = len(doc.encode("utf-8"))
    with tempfile.NamedTemporaryFile("wb", suffix=".txt", delete=False) as f:
        f.write(doc.encode("utf-8"))
        doc_path = f.name
    env = dict(os.environ, LITERTLM_BENCH_TEXT=doc_path, LITERTLM_SHARED_DIR=args.shared)
    out = subprocess.run([args.bench, "--benchmark_format=json"], env=env, check=True,
                         capture_output=True, text=True).stdout
    ours = {}
    for b in json.loads(out)["benchmarks"]:
        ours[b["name"].split("/iterations")[0].split("/min_time")[0]] = b
    os.unlink(doc_path)
    print(f"document: {nbytes} bytes; tokenizers {tokenizers.__version__}")
    lines = doc.split("\n")
    print("| model | HF load s (wall / CPU) | ours load s (wall / CPU) | HF encode MB/s (whole doc) | ours | ratio "
          "| HF encode MB/s (per line) | ours | ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for m in ("qwen3", "gemma3"):
        path = os.path.join(args.shared, "fixtures", "tokenizers", m, "tokenizer.json")
        t0, c0 = time.perf_counter(), time.process_time()
        tok = tokenizers.Tokenizer.from_file(path)
        hf_load = f"{time.perf_counter() - t0:.2f} / {time.process_time() - c0:.2f}"
        times = []
        for _ in range(args.repeats):
            t0 = time.process_time()
            tok.encode(doc, add_special_tokens=False)
            times.append(time.process_time() - t0)
        hf_mbs = nbytes / 1e6 / min(times)
        line_times = []
        for _ in range(args.repeats):
            t0 = time.process_time()
            for line in lines:
                tok.encode(line, add_special_tokens=False)
            line_times.append(time.process_time() - t0)
        hf_line_mbs = nbytes / 1e6 / min(line_times)
        our_mbs = ours[f"BM_Encode/{m}"]["bytes_per_second"] / 1e6
        our_line_mbs = ours[f"BM_EncodeLines/{m}"]["bytes_per_second"] / 1e6
        load = ours[f"BM_Load/{m}"]
        our_load = f"{load['real_time'] / 1e3:.2f} / {load['cpu_time'] / 1e3:.2f}"
        print(f"| {m} | {hf_load} | {our_load} | {hf_mbs:.2f} | {our_mbs:.2f} | "
              f"{our_mbs / hf_mbs:.1f}x | {hf_line_mbs:.2f} | {our_line_mbs:.2f} | "
              f"{our_line_mbs / hf_line_mbs:.1f}x |")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Encode throughput, in one run: our SentencePiece tokenizer (C++ benchmark binary) vs the PyPI
`sentencepiece` package (libsentencepiece, C++ under a thin Python binding), both on the ~1 MB
mixed document of tests/golden/tokenizer_spm/gemma3_corpus.jsonl.gz with the Gemma 3 model.
Single-threaded; MB/s from CPU time (the machine is shared), 1 MB = 1e6 bytes.

  /opt/reftools/bin/python benchmarks/tokenizer_spm_compare.py \
      --bench build/benchmarks/sentencepiece_encode_bench --golden tests/golden \
      --tokenizer-json ../shared/fixtures/tokenizers/gemma3/tokenizer.json
"""
import argparse
import gzip
import json
import os
import subprocess
import time

os.environ.setdefault("RAYON_NUM_THREADS", "1")  # HF tokenizers: single-threaded
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import sentencepiece as spm  # noqa: E402


def python_sentencepiece(model, doc, seconds=5.0):
    sp = spm.SentencePieceProcessor(model_file=model)
    data = doc.encode("utf-8")
    sp.encode(doc)  # warm-up
    runs, start = 0, time.process_time()
    while time.process_time() - start < seconds:
        ids = sp.encode(doc)
        runs += 1
    cpu = time.process_time() - start
    return len(data) * runs / cpu / 1e6, len(ids)


def hf_tokenizers(tokenizer_json, doc, seconds=5.0):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(tokenizer_json)
    data = doc.encode("utf-8")
    tok.encode(doc, add_special_tokens=False)
    runs, start = 0, time.process_time()
    while time.process_time() - start < seconds:
        ids = tok.encode(doc, add_special_tokens=False).ids
        runs += 1
    cpu = time.process_time() - start
    return len(data) * runs / cpu / 1e6, len(ids)


def ours(bench, golden):
    env = dict(os.environ, LITERTLM_GOLDEN_DIR=golden)
    out = subprocess.run([bench, "--benchmark_filter=Document", "--benchmark_format=json"],
                         env=env, check=True, capture_output=True, text=True).stdout
    b = json.loads(out)["benchmarks"][0]
    return b["bytes_per_second"] / 1e6, int(b["ids"])  # Google Benchmark rates use CPU time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--golden", required=True)
    ap.add_argument("--tokenizer-json", help="also time HF tokenizers with this tokenizer.json")
    args = ap.parse_args()
    rows = [json.loads(l) for l in gzip.open(os.path.join(args.golden, "tokenizer_spm",
                                                          "gemma3_corpus.jsonl.gz"))]
    doc = max((r.get("text", "") for r in rows), key=len)
    model = os.path.join(args.golden, "tokenizer_spm", "gemma3_tokenizer.model")
    ours_mbs, ours_ids = ours(args.bench, args.golden)
    py_mbs, py_ids = python_sentencepiece(model, doc)
    print(f"document: {len(doc.encode('utf-8'))} bytes")
    print(f"ours (C++, specials recognised): {ours_mbs:.2f} MB/s CPU, {ours_ids} ids")
    print(f"python sentencepiece {spm.__version__} (plain encode): {py_mbs:.2f} MB/s CPU, "
          f"{py_ids} ids")
    print(f"ratio ours / sentencepiece: {ours_mbs / py_mbs:.2f}")
    if args.tokenizer_json:
        import tokenizers
        hf_mbs, hf_ids = hf_tokenizers(args.tokenizer_json, doc)
        print(f"HF tokenizers {tokenizers.__version__} (tokenizer.json): {hf_mbs:.2f} MB/s CPU, "
              f"{hf_ids} ids; ratio ours / tokenizers: {ours_mbs / hf_mbs:.2f}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The shipped CLI (litert-lm-cli + liblitertlm.so, which links libprotobuf) tokenizes with a
SentencePiece tokenizer.model in one process, without libsentencepiece: its ids for corpus strings
(and for the ~1 MB document via --file) equal the committed libsentencepiece ids, and detokenize
inverts them. Registered with label "api", so the ASan/UBSan CI job runs it on a sanitized CLI.
Python stdlib only.

  cli_sentencepiece_check.py CLI GOLDEN_DIR SCRATCH_DIR
"""
import gzip
import json
import os
import subprocess
import sys


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        sys.exit(f"{cmd[:3]} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}")
    return proc.stdout


def main():
    cli, golden, scratch = sys.argv[1:4]
    model = os.path.join(golden, "tokenizer_spm", "gemma3_tokenizer.model")
    rows = [json.loads(line) for line in
            gzip.open(os.path.join(golden, "tokenizer_spm", "gemma3_corpus.jsonl.gz"))]
    rows = [r for r in rows if "text" in r]
    libs = run(["ldd", cli]).decode()
    if "sentencepiece" in libs or "libprotobuf" not in libs:
        sys.exit("the CLI must load libprotobuf and never libsentencepiece:\n" + libs)
    checked = 0
    for r in rows[:60]:
        if "\0" in r["text"]:
            continue  # not passable as a command-line argument
        ids = json.loads(run([cli, "tokenize", model, "--text", r["text"]]))
        if ids != r["ids"]:
            sys.exit(f"tokenize {r['text']!r}: {ids} != {r['ids']}")
        if r["ids"]:
            text = run([cli, "detokenize", model, "--ids", ",".join(map(str, r["ids"]))])
            if text.decode("utf-8") != r.get("decoded", r["text"]):
                sys.exit(f"detokenize {r['ids']} gave {text!r}")
        checked += 1
    doc = max(rows, key=lambda r: len(r["text"]))
    os.makedirs(scratch, exist_ok=True)
    path = os.path.join(scratch, "spm_document.txt")
    with open(path, "wb") as f:
        f.write(doc["text"].encode("utf-8"))
    ids = json.loads(run([cli, "tokenize", model, "--file", path]))
    if ids != doc["ids"]:
        sys.exit(f"tokenize --file: {len(ids)} ids differ from the expected {len(doc['ids'])}")
    print(f"CLI SentencePiece check: {checked} strings + {len(doc['text'].encode())}-byte document OK")


if __name__ == "__main__":
    main()

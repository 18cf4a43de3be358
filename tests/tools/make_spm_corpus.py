#!/usr/bin/env python3
"""Generates the SentencePiece tokenizer corpus and its reference ids.

Writes a gzip JSONL file, one object per line:
  {"text": str, "ids": [int, ...], "decoded": str, "decoded_skip": str} where `ids` is the
encoding by the PyPI `sentencepiece` package of `text` with the given tokenizer.model, with the
model's CONTROL and UNKNOWN pieces (e.g. "<start_of_turn>", "<bos>", "<unk>") written in the text
recognised as single tokens, the way Hugging Face tokenizers treats Gemma's added tokens:
leftmost-longest match on the raw text, each plain segment between matches encoded on its own.
No BOS/EOS is added. `decoded_skip` is `sentencepiece`'s decode of `ids` (CONTROL pieces dropped);
`decoded` is HF tokenizers' decode with special tokens kept (needs --tokenizer-json), which equals
`text` except that a literal U+2581 in the text comes back as a space (both libraries do that).
`decoded` is omitted when it equals `text`, `decoded_skip` when it equals `decoded`.
A few rows hold invalid UTF-8 as "text_hex" instead of "text" (HF tokenizers cannot take them:
libsentencepiece alone is the reference there; their "decoded" is libsentencepiece's decode).

With --tokenizer-json it also encodes every string with HF `tokenizers`
(`encode(text, add_special_tokens=False)`) and reports how many agree; --require-hf-match makes a
disagreement fatal.

Usage:
  /opt/reftools/bin/python tests/tools/make_spm_corpus.py \
      --model tests/golden/tokenizer_spm/gemma3_tokenizer.model \
      --tokenizer-json ../shared/fixtures/tokenizers/gemma3/tokenizer.json --require-hf-match \
      --out tests/golden/tokenizer_spm/gemma3_corpus.jsonl.gz
"""
import argparse
import gzip
import json
import random
import sys

import sentencepiece as spm

SEED = 20261123

ENGLISH = [
    "Hello world", "Hello   world", " leading", "trailing ", "I'm sure you'll see it's fine, isn't it?",
    "They've done what we'd've wanted.", "DON'T SHOUT, WON'T YOU?", "The quick brown fox jumps over the lazy dog.",
    "won’t can’t shan’t", "e.g. i.e. etc. Mr. Dr. St.", "Café naïve résumé coöperate façade",
    "Cafe\u0301 (decomposed)", "tab\there", "alpha\n\nbeta", "  spaced   text", "line1\r\nline2\r\n",
    "\u00a0non-breaking\u00a0space", "ideographic\u3000space", "zero\u200bwidth", "bom\ufeffinside",
    "NEL\u0085here", "soft\u00adhyphen", "\u2581literal\u2581lower\u2581one\u2581eighth\u2581block",
]
CJK = ["中文分词测试", "日本語のテキストです。", "한국어 문장입니다.", "漢字とかなカナ混じり文", "你好，世界！",
       "東京タワーは333メートルです", "𠀀𠀁 rare CJK ext B"]
ARABIC = ["مرحبا بالعالم", "اللغة العربية جميلة جداً", "١٢٣٤٥٦٧٨٩٠", "שלום עולם", "Русский текст, ёлка."]
HINDI = ["नमस्ते दुनिया", "हिन्दी भाषा में वाक्य।", "ক্ষ বাংলা", "தமிழ் எழுத்து", "ภาษาไทยไม่มีช่องว่าง"]
EMOJI = ["👋", "👨‍👩‍👧‍👦 family", "👍🏽👍🏿", "❤️", "🏳️‍🌈 flag", "🧑🏻‍💻 coder", "🇩🇪🇯🇵", "😀😃😄😁😆",
         "café 中文 👋", "keycap 1️⃣ #️⃣"]
CODE = [
    "def f(x):\n    return x * 2\n", "int main() {\n\treturn 0;\n}\n", "for (int i = 0; i < n; ++i) { a[i] += b[i]; }",
    "fn main() { println!(\"{}\", 42); }", "SELECT * FROM users WHERE id = 7;", "const x = () => ({ a: 1 });",
    "#include <stdio.h>\n", "<html><body><p>Hi</p></body></html>", "<table><tr><td>1</td></tr></table>",
    "<b>bold</b> <i>it</i> <s>strike</s> <code>x</code>", "$ ls -la | grep '\\.py$'",
    "{\"key\": [1, 2.5, null, true]}", "x = {'a': [1,2,3]}\nprint(x['a'][-1])",
]
URLS = ["https://example.com/path?q=1&r=two#frag", "http://localhost:8080/api/v1/items/42",
        "mailto:someone@example.org", "ftp://files.example.net/pub/README.txt",
        "https://huggingface.co/google/gemma-3-1b-it/resolve/main/tokenizer.json"]
SPECIAL = ["<start_of_turn>user\n", "<start_of_turn>model\n", "<end_of_turn>\n", "<bos>", "<eos>", "<pad>", "<unk>",
           "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n", "text<eos>more", "<mask>",
           "[multimodal]", "<unused0> <unused99>", "<start_of_image><end_of_image>", "<start_of_turn",
           "start_of_turn>", "<<bos>>", "<bos<eos>>", "<s>", "</s>", "<image_soft_token_is_not_a_piece>"]
# Not "<image_soft_token>": HF's tokenizer.json adds it as id 262144, outside the 262,144-piece
# vocabulary that the SentencePiece model (upstream's too) holds, so the two cannot agree on it.
WS_CHARS = [" ", "  ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u3000", "\u2009", "\u200b", "\x0b", "\x0c"]


def word_pool():
    pool = []
    for group in (ENGLISH, CJK, ARABIC, HINDI, EMOJI, CODE, URLS):
        for s in group:
            pool.extend(s.split())
    return pool


def random_string(rng, pool):
    kind = rng.randrange(8)
    if kind == 0:  # whitespace runs
        return "".join(rng.choice(WS_CHARS) * rng.randint(1, 40) if rng.random() < 0.3 else rng.choice(pool)
                       for _ in range(rng.randint(1, 8)))
    if kind == 1:  # digits of every length
        n = rng.randint(1, 40)
        return "".join(rng.choice("0123456789") for _ in range(n)) + rng.choice(["", " ", ".5", "%", ",000"])
    if kind == 2:  # random unicode code points (valid scalar values)
        out = []
        for _ in range(rng.randint(1, 20)):
            cp = rng.choice([rng.randint(0x20, 0x7e), rng.randint(0xa0, 0x2fff), rng.randint(0x3000, 0x9fff),
                             rng.randint(0xac00, 0xd7a3), rng.randint(0xe000, 0xffff), rng.randint(0x10000, 0x10ffff)])
            if 0xd800 <= cp <= 0xdfff:
                cp = 0x41
            out.append(chr(cp))
        return "".join(out)
    if kind == 3:  # special-token strings embedded in text
        return "".join(rng.choice(SPECIAL) if rng.random() < 0.4 else rng.choice(pool) + rng.choice(WS_CHARS)
                       for _ in range(rng.randint(1, 8)))
    if kind == 4:  # control characters and bytes without pieces
        return "".join(chr(rng.randint(0, 0x1f)) if rng.random() < 0.5 else rng.choice(pool)
                       for _ in range(rng.randint(1, 6)))
    sep = rng.choice([" ", " ", "", "\n", "  ", "\t"])
    return sep.join(rng.choice(pool) for _ in range(rng.randint(1, 25)))


def build_corpus(with_document=True):
    rng = random.Random(SEED)
    corpus = ["", " ", "  ", "\n", "\t", "a"]
    for group in (ENGLISH, CJK, ARABIC, HINDI, EMOJI, CODE, URLS, SPECIAL):
        corpus.extend(group)
    corpus.extend(" " * n for n in range(1, 70, 3))
    corpus.extend("\n" * n for n in range(1, 70, 5))
    corpus.extend("\t" * n + "x" for n in range(1, 40, 4))
    corpus.extend(str(10 ** k + 7) for k in range(0, 30))
    pool = word_pool()
    while len(corpus) < 2400:
        corpus.append(random_string(rng, pool))
    if not with_document:
        return corpus
    # One ~1 MB document made of everything above.
    doc_parts, size = [], 0
    while size < 1_000_000:
        s = corpus[rng.randrange(len(corpus))]
        doc_parts.append(s)
        size += len(s.encode("utf-8")) + 1
    corpus.append("\n".join(doc_parts))
    return corpus


INVALID_UTF8 = [b"\xff", b"a\xff\xfeb", b"\xc3", b"caf\xc3", b"\xe2\x82", b"\xed\xa0\x80 surrogate",
                b"\xc0\xaf overlong", b"\xf4\x90\x80\x80 too big", b"\xef\xbf\xbd literal FFFD",
                b"<bos>\xff<eos>", b"  \x80\x80  x", b"\xf0\x9f\x91 cut emoji", b"ok\xe4\xb8"]


class SpmWithSpecials:
    """libsentencepiece encoding + HF-style recognition of CONTROL/UNKNOWN pieces in raw text."""

    def __init__(self, model_path):
        self.sp = spm.SentencePieceProcessor(model_file=model_path)
        self.specials = {}
        for i in range(self.sp.get_piece_size()):
            if self.sp.is_control(i) or self.sp.is_unknown(i):
                self.specials[self.sp.id_to_piece(i).encode("utf-8")] = i
        self.max_len = max(len(s) for s in self.specials)
        self.first_bytes = {s[0] for s in self.specials}

    def encode(self, data):
        """`data`: bytes (may be invalid UTF-8, which sentencepiece maps to U+FFFD per byte)."""
        ids, seg_start, i = [], 0, 0
        while i < len(data):
            match = None
            if data[i] in self.first_bytes:
                for n in range(min(self.max_len, len(data) - i), 0, -1):
                    if data[i:i + n] in self.specials:
                        match = data[i:i + n]
                        break
            if match is None:
                i += 1
                continue
            if i > seg_start:
                ids.extend(self.sp.encode(data[seg_start:i]))
            ids.append(self.specials[match])
            i += len(match)
            seg_start = i
        if seg_start < len(data):
            ids.extend(self.sp.encode(data[seg_start:]))
        return ids

    def decode_keep_specials(self, ids):
        """sentencepiece's decode, but CONTROL/UNKNOWN pieces written out (HF style)."""
        out, run = [], []
        for i in ids:
            if self.sp.is_control(i) or self.sp.is_unknown(i):
                out.append(self.sp.decode(run))
                out.append(self.sp.id_to_piece(i))
                run = []
            else:
                run.append(i)
        out.append(self.sp.decode(run))
        return "".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--tokenizer-json")
    ap.add_argument("--require-hf-match", action="store_true")
    ap.add_argument("--no-document", action="store_true", help="leave out the ~1 MB document")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    enc = SpmWithSpecials(args.model)
    corpus = build_corpus(with_document=not args.no_document)
    rows = [{"text": t, "ids": enc.encode(t.encode("utf-8"))} for t in corpus]
    for r in rows:
        r["decoded_skip"] = enc.sp.decode(r["ids"])
    # Invalid UTF-8 (JSON cannot hold it: "text_hex"); only libsentencepiece is the reference here.
    raw_rows = [{"text_hex": b.hex(), "ids": enc.encode(b)} for b in INVALID_UTF8]
    for r in raw_rows:
        r["decoded_skip"] = enc.sp.decode(r["ids"])
        r["decoded"] = enc.decode_keep_specials(r["ids"])
    if args.tokenizer_json:
        from tokenizers import Tokenizer
        hf = Tokenizer.from_file(args.tokenizer_json)
        for r in rows:
            r["decoded"] = hf.decode(r["ids"], skip_special_tokens=False)
        lossy = [r for r in rows if r["decoded"] != r["text"]]
        if any("\u2581" not in r["text"] for r in lossy):
            sys.exit("HF decode is not a round trip for a text without U+2581")
        print(f"exact HF decode round trips: {len(rows) - len(lossy)}/{len(rows)} "
              f"(the rest contain a literal U+2581)")
        bad = [r for r in rows if hf.encode(r["text"], add_special_tokens=False).ids != r["ids"]]
        print(f"HF tokenizers agreement: {len(rows) - len(bad)}/{len(rows)}")
        for r in bad[:10]:
            print("  differs:", repr(r["text"][:80]), r["ids"][:20],
                  hf.encode(r["text"], add_special_tokens=False).ids[:20])
        if bad and args.require_hf_match:
            sys.exit(1)
    rows += raw_rows
    for r in rows:  # omitted when equal, to keep the file small (the readers apply the defaults)
        if r.get("decoded_skip") == r.get("decoded", r.get("text")):
            del r["decoded_skip"]
        if "text" in r and r.get("decoded") == r["text"]:
            del r["decoded"]
    # No file name and no time in the gzip header: the output is byte-reproducible.
    with open(args.out, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                                    mtime=0) as f:
        for r in rows:
            f.write((json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8"))
    total = sum(len(t.encode("utf-8")) for t in corpus) + sum(len(b) for b in INVALID_UTF8)
    print(f"wrote {args.out}: {len(rows)} strings, {total} bytes of text, "
          f"{sum(len(r['ids']) for r in rows)} ids")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Builds the tokenizer corpus and its Hugging Face reference ids.

Run with the reference venv (tokenizers 0.23.3):

    /opt/reftools/bin/python tests/tools/make_tokenizer_corpus.py \
        --shared /work/shared --out tests/golden/tokenizer

Writes:
  corpus.jsonl.gz   one JSON object per line: {"text", "qwen3": {...}, "gemma3": {...}} where each
                    model entry holds "ids" (add_special_tokens=False), "ids_special"
                    (add_special_tokens=True), "decoded" (decode(ids)), "decoded_skip"
                    (decode(ids_special, skip_special_tokens=True)).
  added_token_flags.json  see write_flag_cases().
  long_document.json  the 1 MB document's recipe (see long_document()) with byte length and, per
                    model, the id count and sha256 of the ids as little-endian int32.
  MANIFEST.md       command, versions and counts.

The corpus is deterministic (random.Random(SEED)); the 1 MB document is rebuilt from the corpus by
the C++ test with the same recipe, so only its hash is committed.
"""
import argparse
import gzip
import hashlib
import json
import os
import random
import struct
import sys

SEED = 20261123
LONG_DOC_BYTES = 1 << 20

WORDS = ("the of and to in is was for on that with as by at from it an be this are or which "
         "have not but had they his her she he we you I all were their one there been has more "
         "if will would can could should about into than them these so some time only other new "
         "people may after first also over such just like most where much what how when who why "
         "naïve café résumé coöperate façade jalapeño Zürich São Paulo Ærøskøbing").split()
CONTRACTIONS = ["I'm", "you're", "it's", "we'll", "they've", "don't", "can't", "won't", "he'd",
                "She'S", "YOU'RE", "I'D", "We'LL", "They'VE", "isn't", "won’t", "it’s", "'s",
                "'t", "''", "o'clock", "rock'n'roll", "'re'", "ſ's", "'ſ", "'K", "'\u212a"]
CJK = ["你好，世界！", "今天天气很好。", "我们在学习机器学习。", "東京タワーは高い。", "ひらがなとカタカナ",
       "한국어 텍스트입니다", "中文标点：“引号”、《书名》……", "龍", "𠀀𠀁𪚥", "漢字かな交じり文"]
ARABIC = ["مرحبا بالعالم", "اللغة العربية جميلة", "٠١٢٣٤٥٦٧٨٩", "السلام عليكم ورحمة الله",
          "עברית: שלום עולם", "فارسی: سلام دنیا ۱۲۳"]
HINDI = ["नमस्ते दुनिया", "हिन्दी भाषा", "क्षत्रिय", "संस्कृतम्", "বাংলা ভাষা", "தமிழ் மொழி",
         "ภาษาไทย สวัสดี", "ქართული", "Ελληνικά γράμματα", "Русский язык, Привет!"]
EMOJI = ["😀", "👍🏽", "👨‍👩‍👧‍👦", "🇺🇸", "🇯🇵", "❤️", "❤", "🏳️‍🌈", "👩🏿‍💻", "🤷‍♂️", "✌🏻",
         "🧑‍🤝‍🧑", "1️⃣", "#️⃣", "🫠", "🐈‍⬛", "😶‍🌫️", "👁️‍🗨️", "🦀", "🐍"]
CODE = [
    "def f(x):\n\tif x:\n\t\treturn x  # comment\n",
    "for (int i = 0; i < n; ++i) {\n    sum += a[i] * b[i];\n}\n",
    "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 42); return 0; }\n",
    "fn main() {\n    let v: Vec<u32> = (0..10).map(|x| x * x).collect();\n    println!(\"{:?}\", v);\n}\n",
    "SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC;",
    "const add = (a, b) => a + b;\nconsole.log(`sum=${add(1, 2)}`);\n",
    "<div class=\"x\"><b>bold</b> and <s>strike</s> <table><tr><td>1</td></tr></table></div>",
    "    indented four\n        indented eight\n\t\ttabs\n",
    "x=1;y=2\r\nz=3\r\n\r\n",
    "if (a && b || !c) { return a->b.c[0]; } // C++\n",
    "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hi\")\n}\n",
    "$ ls -la | grep '\\.py$' && echo \"done\" > /dev/null 2>&1",
    "{\"key\": [1, 2.5, -3e10, true, null], \"nested\": {\"a\": \"b\"}}",
    "@decorator\nclass Foo(Bar, metaclass=Meta):\n    __slots__ = ('a',)\n",
    "lambda x: x**2 if x%2==0 else -x//3",
]
URLS = ["https://example.com/path?q=1&r=two#frag", "http://www.google.com", "ftp://files.example.org/a/b.tar.gz",
        "mailto:someone@example.com", "https://huggingface.co/Qwen/Qwen3-0.6B/resolve/main/tokenizer.json",
        "www.example.co.uk/~user/index.html", "https://例え.jp/パス", "git@github.com:org/repo.git"]
SPECIALS = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>", "<tool_call>",
            "</tool_call>", "<|fim_prefix|>", "<|vision_pad|>", "<start_of_turn>", "<end_of_turn>",
            "<bos>", "<eos>", "<pad>", "<unk>", "<mask>", "[multimodal]", "<unused0>", "<unused99>",
            "<start_of_image>", "<image_soft_token>", "<b>", "</b>", "<s>", "</s>", "<0xFF>", "<0x0A>",
            "<|im_start", "im_end|>", "<<|im_end|>>", "<think", "<|", "|>", "▁", "▁▁", "▁▁▁▁"]
WHITESPACE = [" ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\n\n\n", "\r\n", "\r", "\r\n\r\n", " \n ",
              "\u00a0", "\u3000", "\u2003", "\u2028", "\u2029", "\u0085", "\u180e", "\u200b", "\ufeff",
              "\u202f", "\u205f", "\u1680", "\x0b", "\x0c", " \t \n", "\n \n", "                "]
COMBINING = ["Cafe\u0301", "e\u0301", "A\u030a", "n\u0303", "o\u0308\u0304", "\u1e9b\u0323",
             "\uac00", "\u1100\u1161", "\u212b", "\u2126", "ﬁ", "½", "①", "ｆｕｌｌｗｉｄｔｈ", "Ⅻ",
             "x\u0334\u0335\u0336", "q\u0307\u0323", "\u0344", "\u0958", "\u2000"]
ODD = ["\ufffd", "\ufffe", "\uffff", "\ue000", "\U0010fffd", "\x00", "\x01\x02\x03", "\x7f",
       "\\x80\\xff", "%C3%A9", "&amp;&lt;&gt;", "\u202e reversed \u202c", "\u200d", "\u200c", "\U0001d400\U0001d7d8",
       "a\u0000b", "\x1b[31mred\x1b[0m", "\\u00e9", "ÿ", "Ā", "Ġ", "Ċ", "ĉ", "ĠĠ", "čĊ"]
DIGITS_EXTRA = ["3.14159", "1,000,000", "-42", "+7", "1e-9", "0x1F", "²³", "١٢٣", "۱۲۳", "१२३",
                "一二三", "Ⅻ", "½", "2026-11-23T15:30:00Z", "$1.99", "€5", "100%", "12:30", "v1.2.3"]


def digits_of_every_length(rng):
    out = []
    for n in range(1, 41):
        out.append("".join(rng.choice("0123456789") for _ in range(n)))
    out.append("9" * 100)
    out.append("1234567890" * 20)
    return out


def base_strings(rng):
    s = [
        "", "Hello world", "hello", " Hello", "Hello ", " ", "  ", "x", "a b", "Hello   world  \n  end   ",
        "I'm sure it's fine; we'll see if they've DONE it. You'RE right, I'D say.",
        "line1\nline2\n\n\nline3\r\nline4\n", "12345 and 3.14159 and 1,000,000",
        "你好，世界！今天天气很好。", "Emoji: 😀👍🏽🇺🇸 ❤️ 👨‍👩‍👧",
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
        "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n",
        "<think>\nLet me think.\n</think>\n\nThe answer is 42.", " leading and trailing spaces ",
        "Cafe\u0301 naïve résumé — “quotes” … ½ ﬁ", "nbsp\u00a0here\u3000ideographic\u2003em tab\tend",
        " " * 20 + "x", "<b>bold</b> and <s>strike</s> <table>", "literal ▁ meta ▁▁ chars",
        "Привет, мир! ١٢٣ ²³ Ⅻ", "q \u180e\u180e  r", "\t", "\n", "\r\n", "\r", "a\r\nb", " \t\n",
    ]
    groups = [WORDS, CONTRACTIONS, CJK, ARABIC, HINDI, EMOJI, CODE, URLS, SPECIALS, WHITESPACE,
              COMBINING, ODD, DIGITS_EXTRA, digits_of_every_length(rng)]
    for g in groups:
        s.extend(g)
    for n in range(1, 33):
        s.append(" " * n)
        s.append("\n" * n)
        s.append("\t" * n)
        s.append("word" + " " * n + "word")
        s.append("a" + "\n" * n + "b")
    return s


def random_mix(rng, pools):
    """A random string from 1..12 fragments drawn from the pools, joined by random whitespace."""
    parts = []
    for _ in range(rng.randint(1, 12)):
        pool = rng.choice(pools)
        frag = rng.choice(pool)
        if rng.random() < 0.15:
            frag = frag.upper()
        parts.append(frag)
        parts.append(rng.choice(["", " ", " ", " ", "  ", "\n", "\t", ", ", ". ", "\u00a0", "\r\n",
                                 "\u3000", "\n\n", "   "]))
    return "".join(parts)


def random_codepoints(rng):
    """Random code points from interesting ranges (never surrogates)."""
    ranges = [(0x20, 0x7e), (0xa0, 0x24f), (0x300, 0x36f), (0x370, 0x3ff), (0x400, 0x4ff),
              (0x590, 0x6ff), (0x900, 0x97f), (0x1100, 0x11ff), (0x2000, 0x206f), (0x2100, 0x22ff),
              (0x3000, 0x30ff), (0x4e00, 0x4fff), (0xac00, 0xacff), (0xfe00, 0xfe0f), (0xff00, 0xffef),
              (0x1f300, 0x1f6ff), (0x1f900, 0x1f9ff), (0x0, 0x1f)]
    out = []
    for _ in range(rng.randint(1, 40)):
        lo, hi = rng.choice(ranges)
        out.append(chr(rng.randint(lo, hi)))
    return "".join(out)


def build_corpus():
    rng = random.Random(SEED)
    corpus = base_strings(rng)
    pools = [WORDS, WORDS, WORDS, CONTRACTIONS, CJK, ARABIC, HINDI, EMOJI, CODE, URLS, SPECIALS,
             WHITESPACE, COMBINING, ODD, DIGITS_EXTRA, digits_of_every_length(rng)]
    while len(corpus) < 1700:
        corpus.append(random_mix(rng, pools))
    while len(corpus) < 2100:
        corpus.append(random_codepoints(rng))
    # Sentences of plain prose (the bulk of real input).
    for _ in range(300):
        n = rng.randint(3, 40)
        sent = " ".join(rng.choice(WORDS) for _ in range(n))
        corpus.append(sent[0].upper() + sent[1:] + rng.choice([".", "!", "?", "...", ""]))
    return corpus


def long_document(corpus):
    """The 1 MB document: corpus strings in order, cycled, joined by '\\n', cut at the first string
    boundary at or after LONG_DOC_BYTES bytes (UTF-8). Mirrored by the C++ test."""
    parts, size, i = [], 0, 0
    while size < LONG_DOC_BYTES:
        t = corpus[i % len(corpus)]
        parts.append(t)
        size += len(t.encode("utf-8")) + 1
        i += 1
    return "\n".join(parts), i


def ids_sha256(ids):
    return hashlib.sha256(struct.pack("<%di" % len(ids), *ids)).hexdigest()


FLAG_TEXTS = ["", "a <x> b", "a<x>b", "  <x>  [y]  z", "[y]   [y]\n", "word words sword word",
              "a word.", "wordword", "(word)", "Cafe\u0301 caf\u00e9", "<x><x>[y][y]", " \u00a0<x>",
              "é<x>word[y]", "\u3000word\u3000", "<x>", "[y]", "word", "ww <z> <z>z"]


def flag_tokenizer(shared_seed):
    """A small byte-level BPE tokenizer.json with added tokens using every flag, plus a Strip
    decoder, to pin down AddedVocabulary and decoder semantics."""
    d = json.load(open(shared_seed))
    base = max(d["model"]["vocab"].values()) + 1
    d["added_tokens"] = [
        {"id": base, "content": "<x>", "single_word": False, "lstrip": True, "rstrip": False,
         "normalized": False, "special": True},
        {"id": base + 1, "content": "[y]", "single_word": False, "lstrip": False, "rstrip": True,
         "normalized": False, "special": False},
        {"id": base + 2, "content": "word", "single_word": True, "lstrip": False, "rstrip": False,
         "normalized": False, "special": False},
        {"id": base + 3, "content": "caf\u00e9", "single_word": False, "lstrip": False,
         "rstrip": False, "normalized": True, "special": False},
        {"id": base + 4, "content": "<z>", "single_word": True, "lstrip": True, "rstrip": True,
         "normalized": False, "special": True},
    ]
    d["decoder"] = {"type": "Sequence", "decoders": [
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
        {"type": "Strip", "content": " ", "start": 1, "stop": 1}]}
    return d


def write_mini_seeds(shared, seed_dir):
    """Small tokenizer.json files cut from the real ones (ids < 600, the merges among them, 12
    added tokens), in the pair and the string merge encodings: fuzz seeds and test inputs."""
    os.makedirs(seed_dir, exist_ok=True)
    for m in ("qwen3", "gemma3"):
        d = json.load(open(os.path.join(shared, "fixtures", "tokenizers", m, "tokenizer.json")))
        keep = {k: v for k, v in d["model"]["vocab"].items() if v < 600}
        merges = []
        for mg in d["model"]["merges"]:
            a, b = mg if isinstance(mg, list) else mg.split(" ")
            if a in keep and b in keep and a + b in keep:
                merges.append(mg)
        d["model"]["vocab"] = keep
        d["model"]["merges"] = merges[:400]
        d["added_tokens"] = d["added_tokens"][:12]
        with open(os.path.join(seed_dir, f"mini_{m}.json"), "w") as f:
            json.dump(d, f, ensure_ascii=False)
        d["model"]["merges"] = [" ".join(x) if isinstance(x, list) else x
                                for x in d["model"]["merges"]]
        with open(os.path.join(seed_dir, f"mini_{m}_string_merges.json"), "w") as f:
            json.dump(d, f, ensure_ascii=False)


def safe_decode(tok, ids, skip):
    """HF's Strip decoder panics on tokens it strips to nothing (e.g. an empty decode); those
    cases are recorded as null."""
    try:
        return tok.decode(ids, skip_special_tokens=skip)
    except BaseException:  # pyo3_runtime.PanicException derives from BaseException
        return None


def write_flag_cases(out_dir):
    import tokenizers
    seed = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz", "seeds",
                        "tokenizer_json", "mini_qwen3.json")
    d = flag_tokenizer(seed)
    tok = tokenizers.Tokenizer.from_str(json.dumps(d))
    cases = []
    for t in FLAG_TEXTS:
        ids = tok.encode(t, add_special_tokens=False).ids
        cases.append({"text": t, "ids": ids, "decoded": safe_decode(tok, ids, False),
                      "decoded_skip": safe_decode(tok, ids, True)})
    with open(os.path.join(out_dir, "added_token_flags.json"), "w") as f:
        json.dump({"tokenizer": d, "cases": cases}, f, ensure_ascii=False)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="/work/shared")
    ap.add_argument("--out", default="tests/golden/tokenizer")
    args = ap.parse_args()
    import tokenizers
    toks = {m: tokenizers.Tokenizer.from_file(
        os.path.join(args.shared, "fixtures", "tokenizers", m, "tokenizer.json"))
        for m in ("qwen3", "gemma3")}
    corpus = build_corpus()
    os.makedirs(args.out, exist_ok=True)
    with gzip.GzipFile(os.path.join(args.out, "corpus.jsonl.gz"), "wb", mtime=0) as f:
        for text in corpus:
            row = {"text": text}
            for m, tok in toks.items():
                ids = tok.encode(text, add_special_tokens=False).ids
                ids_sp = tok.encode(text, add_special_tokens=True).ids
                row[m] = {"ids": ids, "ids_special": ids_sp,
                          "decoded": tok.decode(ids, skip_special_tokens=False),
                          "decoded_skip": tok.decode(ids_sp, skip_special_tokens=True)}
            f.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))
    write_mini_seeds(args.shared, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                               "fuzz", "seeds", "tokenizer_json"))
    write_flag_cases(args.out)
    doc, pieces = long_document(corpus)
    info = {"bytes": len(doc.encode("utf-8")), "corpus_strings_used": pieces}
    for m, tok in toks.items():
        ids = tok.encode(doc, add_special_tokens=False).ids
        info[m] = {"count": len(ids), "ids_sha256_le_int32": ids_sha256(ids),
                   "decoded_sha256": hashlib.sha256(tok.decode(ids, skip_special_tokens=False).encode("utf-8")).hexdigest()}
    with open(os.path.join(args.out, "long_document.json"), "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")
    with open(os.path.join(args.out, "MANIFEST.md"), "w") as f:
        f.write("# Tokenizer corpus (generated; do not edit)\n\n"
                "Command: `/opt/reftools/bin/python tests/tools/make_tokenizer_corpus.py "
                "--shared /work/shared --out tests/golden/tokenizer`\n\n"
                f"- tokenizers {tokenizers.__version__}, Python {sys.version.split()[0]}, seed {SEED}\n"
                f"- {len(corpus)} strings; reference files: shared/fixtures/tokenizers/"
                "{qwen3,gemma3}/tokenizer.json (sha256 in that folder's README)\n"
                f"- long document: {info['bytes']} bytes, rebuilt by the C++ test from the corpus; "
                "long_document.json holds its id count and sha256 per model\n"
                "- added_token_flags.json: a small byte-level BPE tokenizer (vocab of "
                "tests/fuzz/seeds/tokenizer_json/mini_qwen3.json) with lstrip/rstrip/single_word/"
                "normalized added tokens and a Strip decoder, with HF ids and decodes (null where "
                "HF's Strip decoder panics)\n")
    print(len(corpus), "strings;", info)


if __name__ == "__main__":
    main()

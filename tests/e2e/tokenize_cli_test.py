#!/usr/bin/env python3
"""End-to-end: `litert-lm-cli tokenize` / `detokenize` against the golden Hugging Face ids.

Env: LITERTLM_CLI (the binary), LITERTLM_SHARED_DIR (fixtures/tokenizers/, from tests/fixtures/tokenizers.tar.xz), LITERTLM_GOLDEN_DIR
(tokenizer/corpus.jsonl.gz), LITERTLM_TEST_TMPDIR.
"""
import gzip
import json
import os
import subprocess
import tempfile
import unittest

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.environ.get("LITERTLM_CLI", "litert-lm-cli")
SHARED = os.environ["LITERTLM_SHARED_DIR"]  # set by CTest: the unpacked tests/fixtures/tokenizers.tar.xz
GOLDEN = os.environ.get("LITERTLM_GOLDEN_DIR", os.path.join(SOURCE, "tests", "golden"))
TMP = os.environ.get("LITERTLM_TEST_TMPDIR", tempfile.gettempdir())
MODELS = ("qwen3", "gemma3")
# Corpus rows exercised through the CLI (each run loads the tokenizer once).
ROWS = (0, 1, 3, 9, 10, 13, 14, 15, 16, 19, 22, 24, 60, 200, 700, 1500, 1900, 2300)


def run(*args):
    return subprocess.run([CLI, *args], capture_output=True)


def tokenizer_dir(model):
    return os.path.join(SHARED, "fixtures", "tokenizers", model)


class TokenizeCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        path = os.path.join(GOLDEN, "tokenizer", "corpus.jsonl.gz")
        cls.rows = [json.loads(line) for line in gzip.open(path)]

    def test_tokenize_file_matches_hf(self):
        for model in MODELS:
            for i in ROWS:
                row = self.rows[i]
                with tempfile.NamedTemporaryFile("wb", dir=TMP, delete=False) as f:
                    f.write(row["text"].encode("utf-8"))
                try:
                    r = run("tokenize", tokenizer_dir(model), "--file", f.name)
                finally:
                    os.unlink(f.name)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(json.loads(r.stdout), row[model]["ids"], (model, row["text"]))

    def test_tokenize_text_with_special_tokens(self):
        r = run("tokenize", os.path.join(tokenizer_dir("gemma3"), "tokenizer.json"), "--text",
                "Hello world", "--add-special-tokens")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"[2, 9259, 1902]\n")
        r = run("tokenize", tokenizer_dir("qwen3"), "--text", "<|im_start|>user\nHi<|im_end|>")
        self.assertEqual(json.loads(r.stdout), [151644, 872, 198, 13048, 151645])

    def test_detokenize_matches_hf(self):
        for model in MODELS:
            for i in ROWS[:8]:
                ref = self.rows[i][model]
                if not ref["ids"]:
                    continue
                r = run("detokenize", tokenizer_dir(model), "--ids", ",".join(map(str, ref["ids"])))
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout.decode("utf-8"), ref["decoded"])

    def test_errors_are_one_line_and_nonzero(self):
        cases = [
            ("tokenize", "/nonexistent/tokenizer.json", "--text", "x"),
            ("tokenize", tokenizer_dir("qwen3")),  # neither --text nor --file
            ("detokenize", tokenizer_dir("qwen3"), "--ids", "1,x"),
            ("detokenize", tokenizer_dir("qwen3"), "--ids", "999999999"),
        ]
        for args in cases:
            r = run(*args)
            self.assertNotEqual(r.returncode, 0, args)
            self.assertEqual(r.stdout, b"", args)
            lines = r.stderr.decode().strip().splitlines()
            self.assertEqual(len(lines), 1, (args, lines))
            self.assertIn("error", lines[0])

    def test_litertlm_file_uses_its_tokenizer_section(self):
        # A .litertlm carries the tokenizer: tokenize/detokenize through it equal the checkpoint's.
        for fixture in ("qwen3_gqa", "gemma3_sliding"):
            with self.subTest(fixture=fixture):
                src = os.path.join(GOLDEN, "models", fixture)
                out = os.path.join(TMP, "tokenize_litertlm_" + fixture)
                r = run("convert", src, "--quantize", "fp32", "--skip-validation", "--output-dir", out,
                        "--models-dir", os.path.join(out, "models"), "--offline")
                self.assertEqual(r.returncode, 0, r.stderr)
                path = os.path.join(out, fixture + ".litertlm")
                text = "Hello world, 東京 😀"
                a = run("tokenize", src, "--text", text)
                b = run("tokenize", path, "--text", text)
                self.assertEqual(b.returncode, 0, b.stderr)
                self.assertEqual(json.loads(a.stdout), json.loads(b.stdout))
                ids = ",".join(map(str, json.loads(b.stdout)))
                self.assertEqual(run("detokenize", path, "--ids", ids).stdout,
                                 run("detokenize", src, "--ids", ids).stdout)

    def test_corrupt_tokenizer_names_the_file(self):
        path = os.path.join(TMP, "corrupt_tokenizer.json")
        with open(os.path.join(tokenizer_dir("qwen3"), "tokenizer.json"), "rb") as f:
            data = f.read(100000)
        with open(path, "wb") as f:
            f.write(data)
        r = run("tokenize", path, "--text", "x")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(path, r.stderr.decode())


if __name__ == "__main__":
    unittest.main()

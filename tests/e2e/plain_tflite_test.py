#!/usr/bin/env python3
"""End-to-end: `litert-lm-cli run` on plain .tflite files with their tokenizer beside them.

What litert-torch's classic converters write before packing (the seed's Gemma 3 notes: a .tflite
file, the tokenizer kept apart): tests/golden/google/plain/<fixture>/ holds the converter's .tflite
and the checkpoint's tokenizer.json / tokenizer.model / tokenizer_config.json (made by
tests/tools/make_google_fixtures.py, the same export as tests/golden/google/<fixture>.litertlm).
`run DIR` and `run FILE.tflite` must find the tokenizer beside the model and print, greedily, the
tokens Google's TFLite runtime generated on the same model (<fixture>.reference.json); without a
tokenizer the error is one line naming what is missing. Python stdlib only.
"""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

CLI = os.environ.get("LITERTLM_CLI", "")
SOURCE = os.environ.get("LITERTLM_SOURCE_DIR",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
GOLDEN = os.environ.get("LITERTLM_GOLDEN_DIR", os.path.join(SOURCE, "tests", "golden"))
PLAIN = os.path.join(GOLDEN, "google", "plain")


def reference(name):
    with open(os.path.join(GOLDEN, "google", name + ".reference.json")) as f:
        return json.load(f)


class PlainTfliteTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not CLI or not os.path.exists(CLI):
            raise RuntimeError("LITERTLM_CLI must point at the litert-lm-cli binary")
        base = os.environ.get("LITERTLM_TEST_TMPDIR") or tempfile.gettempdir()
        os.makedirs(base, exist_ok=True)
        cls.tmp = tempfile.mkdtemp(prefix="plain_tflite_e2e_", dir=base)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def cli(self, *args):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "LITERTLM_MODELS", "XDG_"))}
        env["HOME"] = self.tmp
        return subprocess.run([CLI] + list(args), capture_output=True, text=True, env=env, timeout=120)

    def check_greedy(self, model, name, tokens):
        """`run MODEL` prints the text of Google's first `tokens` greedy tokens (or up to a stop token)."""
        ref = reference(name)
        p = self.cli("run", model, "--no-chat-template", "--prompt", ref["text_prompt"], "-n", str(tokens),
                     "--top-k", "1", "--json", "--threads", "1")
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout)
        self.assertEqual(out["prompt_tokens"], len(ref["text_prompt_ids"]))
        n = out["generated_tokens"]
        self.assertGreater(n, 8)
        self.assertEqual(out["finish_reason"], "length" if n == tokens else "stop")
        ids = ",".join(str(i) for i in ref["text_decode_ids"][:n])
        d = subprocess.run([CLI, "detokenize", model, "--ids", ids], capture_output=True, timeout=60,
                           env=dict(os.environ, HOME=self.tmp))
        self.assertEqual(d.returncode, 0, d.stderr)
        self.assertEqual(out["text"], d.stdout.decode("utf-8", "replace").removesuffix("\n"))

    def test_run_directory_int4(self):
        # The directory: its one *.tflite file, Qwen3's tokenizer.json + tokenizer_config.json.
        name = "qwen3_wide_classic_int4b128"
        self.check_greedy(os.path.join(PLAIN, name), name, 32)

    def test_run_tflite_file_int4(self):
        # The file itself (Gemma 3, dynamic_int4_block32 as in the seed's notes; SentencePiece
        # tokenizer.model beside it): the prompt is tokenized with the start token <bos> and the
        # answer runs to the length asked. Its tokens are checked against Google's runtime in
        # tests/unit/format/tflite_import_test.cc (int4 activations round differently from XNNPACK's,
        # and this fixture's byte tokens make text comparisons of partial answers unreliable).
        name = "gemma3_wide_classic_int4b32"
        ref = reference(name)
        model = os.path.join(PLAIN, name, name + ".tflite")
        p = self.cli("run", model, "--no-chat-template", "--prompt", ref["text_prompt"], "-n", "16",
                     "--top-k", "1", "--json", "--threads", "1")
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout)
        self.assertEqual(out["prompt_tokens"], len(ref["text_prompt_ids"]))
        self.assertEqual(out["generated_tokens"], 16)
        t = subprocess.run([CLI, "tokenize", model, "--text", ref["text_prompt"]], capture_output=True,
                           text=True, timeout=60, env=dict(os.environ, HOME=self.tmp))
        self.assertEqual(t.returncode, 0, t.stderr)
        self.assertIn(",".join(str(i) for i in ref["text_prompt_ids"][1:]), t.stdout.replace(" ", ""))

    def test_missing_tokenizer_is_one_line(self):
        d = os.path.join(self.tmp, "no_tokenizer")
        os.makedirs(d, exist_ok=True)
        name = "gemma3_wide_classic_int4b32"
        shutil.copyfile(os.path.join(PLAIN, name, name + ".tflite"), os.path.join(d, "model.tflite"))
        p = self.cli("run", d, "--prompt", "hi", "-n", "1")
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertIn("model.tflite: no tokenizer.json or tokenizer.model beside it", p.stderr)


if __name__ == "__main__":
    unittest.main()

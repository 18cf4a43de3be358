"""End-to-end: a GGUF with a byte-level BPE ("gpt2") vocabulary converts and runs like its checkpoint.

tests/golden/gguf/tiny_qwen3.gguf holds tests/golden/models/qwen3_gqa (weights, tokenizer, chat
template) as llama.cpp writes a Qwen3 GGUF (tests/tools/make_qwen3_gguf_fixture.py). For both
`convert --format liblitertlm` and `--format tflite` (fp32): the file converted from the GGUF and
the file converted from the checkpoint directory tokenize a varied text to the same ids (the
tokenizer.json rebuilt from the GGUF vocabulary, written as the HF tokenizer section, against the
checkpoint's own tokenizer.json), `run` gives the same greedy text with the same token counts, raw
and through the chat template (the GGUF's tokenizer.chat_template), and `inspect` shows the same
start/stop tokens. The Llama GGUF fixtures (tiny_llama.gguf, tiny_llama3_scaled.gguf) convert,
tokenize and continue text like llama_tied_chatml / llama3_gqa. A GGUF whose tokenizer.ggml.pre is
unknown is a one-line error naming the file and the value.

Python standard library only. Env: LITERTLM_CLI, LITERTLM_GOLDEN_DIR, LITERTLM_TEST_TMPDIR.
"""
import json
import os
import re
import unittest

from cli_support import GOLDEN, ConvertSandbox, fixture, run_cli

GGUF = os.path.join(GOLDEN, "gguf", "tiny_qwen3.gguf")
TEXT = ("def f(x):\n    return x**2  # \u5e73\u65b9 \U0001F600\n\n"
        "<|im_start|>user\nNumbers 1234567 and   spaces\t\ttabs<|im_end|> caf\u00e9 "
        "\u4e2d\u6587\u5b57 <think></think>")
QUESTION = "What is the capital of France?"


def ok(test, r):
    test.assertEqual(r.returncode, 0, r.stderr)
    return r


def answer(test, model, *flags):
    r = ok(test, run_cli("run", model, "--temperature", "0", "--max-tokens", "12", "--json", *flags))
    [line] = r.stdout.splitlines()
    return json.loads(line)


def tokens_of(ins, name):
    return [int(x) for x in re.findall(name + r" \{\s*token_ids \{\s*ids: (\d+)", ins)]


class GgufBpeConvertTest(ConvertSandbox, unittest.TestCase):
    def convert_both(self, fmt):
        out = {}
        for src, stem in ((GGUF, "tiny_qwen3"), (fixture("qwen3_gqa"), "qwen3_gqa")):
            r = self.convert(src, "--format", fmt, "--quantize", "fp32")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("\u2713 Model successfully converted!", r.stderr)
            out[stem] = os.path.join(self.dir, stem + ".litertlm")
            self.assertTrue(os.path.exists(out[stem]), r.stderr)
        return out["tiny_qwen3"], out["qwen3_gqa"]

    def check_same_behaviour(self, from_gguf, from_ckpt):
        text_file = os.path.join(self.dir, "text.txt")
        with open(text_file, "w", encoding="utf-8") as f:
            f.write(TEXT)
        want = json.loads(ok(self, run_cli("tokenize", fixture("qwen3_gqa"), "--file", text_file)).stdout)
        self.assertIn(359, want)  # <|im_start|> read as one token
        for model in (from_gguf, from_ckpt):
            got = json.loads(ok(self, run_cli("tokenize", model, "--file", text_file)).stdout)
            self.assertEqual(got, want, model)
            back = ok(self, run_cli("detokenize", model, "--ids", ",".join(map(str, got)))).stdout
            self.assertEqual(back, TEXT)
        raw_g = answer(self, from_gguf, "--no-chat-template", "--prompt", "The capital of France is")
        raw_c = answer(self, from_ckpt, "--no-chat-template", "--prompt", "The capital of France is")
        self.assertEqual(raw_g["generated_tokens"], 12)
        chat_g = answer(self, from_gguf, "--prompt", QUESTION)
        chat_c = answer(self, from_ckpt, "--prompt", QUESTION)
        for key in ("text", "prompt_tokens", "generated_tokens", "finish_reason"):
            self.assertEqual(raw_g.get(key), raw_c.get(key), key)
            self.assertEqual(chat_g.get(key), chat_c.get(key), key)
        self.assertGreater(chat_g["prompt_tokens"], 10)  # the template's <|im_start|>user ... turn
        ins_g = ok(self, run_cli("inspect", from_gguf)).stdout
        ins_c = ok(self, run_cli("inspect", from_ckpt)).stdout
        for name in ("start_token", "stop_tokens"):
            self.assertEqual(tokens_of(ins_g, name), tokens_of(ins_c, name), name)
        self.assertIn(360, tokens_of(ins_g, "stop_tokens"))  # <|im_end|>

    def test_liblitertlm_format_from_gguf_equals_checkpoint(self):
        self.check_same_behaviour(*self.convert_both("liblitertlm"))

    def test_tflite_format_from_gguf_equals_checkpoint(self):
        self.check_same_behaviour(*self.convert_both("tflite"))

    def test_llama_ggufs_convert_and_run_like_their_checkpoints(self):
        # The Llama GGUF fixtures (tests/tools/make_llama_gguf_fixture.py, "gpt2" vocabularies
        # tagged "qwen2") against the checkpoints they were made from; they carry no chat template,
        # so the raw continuation is compared.
        text_file = os.path.join(self.dir, "text.txt")
        with open(text_file, "w", encoding="utf-8") as f:
            f.write(TEXT)
        for gguf, ckpt in (("tiny_llama", "llama_tied_chatml"), ("tiny_llama3_scaled", "llama3_gqa")):
            with self.subTest(gguf=gguf):
                outs = []
                for src, stem in ((os.path.join(GOLDEN, "gguf", gguf + ".gguf"), gguf), (fixture(ckpt), ckpt)):
                    ok(self, self.convert(src, "--quantize", "fp32"))
                    outs.append(os.path.join(self.dir, stem + ".litertlm"))
                want = ok(self, run_cli("tokenize", fixture(ckpt), "--file", text_file)).stdout
                for out in outs:
                    self.assertEqual(ok(self, run_cli("tokenize", out, "--file", text_file)).stdout, want)
                a, b = (answer(self, out, "--no-chat-template", "--prompt", "The capital of France is")
                        for out in outs)
                for key in ("text", "prompt_tokens", "generated_tokens"):
                    self.assertEqual(a[key], b[key], key)

    def test_unknown_pre_tokenizer_is_one_line(self):
        with open(GGUF, "rb") as f:
            data = f.read()
        key = b"tokenizer.ggml.pre"
        at = data.index(key) + len(key) + 4 + 8  # value type u32, string length u64
        self.assertEqual(data[at:at + 5], b"qwen2")
        bad = os.path.join(self.dir, "bad_pre.gguf")
        with open(bad, "wb") as f:
            f.write(data[:at] + b"qwenX" + data[at + 5:])
        r = self.convert(bad, "--quantize", "fp32")
        self.assertNotEqual(r.returncode, 0)
        lines = [l for l in r.stderr.strip().splitlines() if "error" in l]
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertIn(bad, lines[0])
        self.assertIn("tokenizer.ggml.pre 'qwenX'", lines[0])
        self.assertFalse([n for n in os.listdir(self.dir) if n.endswith(".litertlm")])


if __name__ == "__main__":
    unittest.main()

"""End-to-end: the Llama family through the CLI binary: `convert` the tiny Llama 3 checkpoint
(tests/golden/models/llama3_gqa) in every format, `inspect` the family defaults written, and `run`
the .litertlm and the checkpoint with the Llama 3 chat template; the Llama-architecture ChatML
fixture (llama_tied_chatml) and the llama GGUF fixture convert/run too.

Python standard library only. Env: LITERTLM_CLI, LITERTLM_GOLDEN_DIR, LITERTLM_TEST_TMPDIR.
"""
import json
import re
import os
import unittest

from cli_support import GOLDEN, ConvertSandbox, fixture, run_cli

IDS = "1,5,9,17,33,2,8,44,12,3,7,19,25,31,6,14"
QUESTION = "What is the capital of France?"
# What the Llama 3 template renders for QUESTION with the generation prompt (checked against
# transformers by unit_chat_tests); the tokenizer maps it to the prompt the model must see.
RENDERED = ("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n" + QUESTION +
            "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")


def ok(test, r):
    test.assertEqual(r.returncode, 0, r.stderr)
    return r


def perplexity(test, model):
    return float(ok(test, run_cli("perplexity", model, "--ids", IDS)).stdout.strip())


def answer(test, model, *flags):
    r = ok(test, run_cli("run", model, "--prompt", QUESTION, "--temperature", "0",
                         "--max-tokens", "8", "--json", *flags))
    [line] = r.stdout.splitlines()
    return json.loads(line)


class LlamaCliTest(ConvertSandbox, unittest.TestCase):
    def test_every_format_converts_and_keeps_the_perplexity(self):
        ppl_bound = {"fp32": 1e-4, "fp16": 2e-3, "int8": 0.03, "dynamic_int8": 0.03,
                     "dynamic_int4_block32": 0.25, "dynamic_int4_block128": 0.25}
        src = fixture("llama3_gqa")
        want = perplexity(self, src)
        for q, bound in ppl_bound.items():
            with self.subTest(quantize=q):
                r = self.convert(src, "--quantize", q)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("\u2713 Model successfully converted!", r.stderr)
                out = os.path.join(self.dir, "llama3_gqa.litertlm")
                ins = ok(self, run_cli("inspect", out)).stdout
                self.assertIn("passed: true", ins)
                got = perplexity(self, out)
                self.assertLessEqual(abs(got / want - 1), bound, (got, want))
                os.remove(out)

    def test_metadata_holds_the_llama3_defaults(self):
        ok(self, self.convert(fixture("llama3_gqa"), "--quantize", "fp32"))
        ins = ok(self, run_cli("inspect", os.path.join(self.dir, "llama3_gqa.litertlm"))).stdout
        # <|begin_of_text|> = 373 starts; <|eot_id|> 382, <|end_of_text|> 374, <|eom_id|> 381 stop.
        self.assertRegex(ins, r"start_token \{\s*token_ids \{\s*ids: 373")
        stops = [int(x) for x in re.findall(r"stop_tokens \{\s*token_ids \{\s*ids: (\d+)", ins)]
        self.assertEqual(stops, [382, 374, 381])
        self.assertIn('prefix: "<|start_header_id|>user<|end_header_id|>\\n\\n"', ins)
        self.assertIn('suffix: "<|eot_id|>"', ins)
        self.assertIn("generic_model", ins)
        self.assertIn("jinja_prompt_template", ins)

    def test_run_renders_the_llama3_template_and_file_equals_checkpoint(self):
        src = fixture("llama3_gqa")
        ok(self, self.convert(src, "--quantize", "fp32"))
        out = os.path.join(self.dir, "llama3_gqa.litertlm")
        prompt_file = os.path.join(self.dir, "prompt.txt")
        with open(prompt_file, "w", encoding="utf-8") as f:
            f.write(RENDERED)
        ids = json.loads(ok(self, run_cli("tokenize", src, "--file", prompt_file)).stdout)
        self.assertEqual(ids[0], 373)  # <|begin_of_text|> once, written by the template
        from_file, from_ckpt = answer(self, out), answer(self, src)
        self.assertEqual(from_file["prompt_tokens"], len(ids))
        self.assertEqual(from_ckpt["prompt_tokens"], len(ids))
        self.assertEqual(from_file["text"], from_ckpt["text"])
        self.assertEqual(from_file["generated_tokens"], 8)
        # A system message is a turn of its own (Llama 3 has a system role).
        with_system = answer(self, out, "--system", "Be brief.")
        self.assertGreater(with_system["prompt_tokens"], len(ids))

    def test_chatml_llama_and_gguf_convert_and_run(self):
        r = self.convert(fixture("llama_tied_chatml"), "--quantize", "dynamic_int8")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = os.path.join(self.dir, "llama_tied_chatml.litertlm")
        ins = ok(self, run_cli("inspect", out)).stdout
        self.assertIn('prefix: "<|im_start|>user\\n"', ins)  # the ChatML Llama record
        self.assertNotIn("start_token", ins)
        self.assertTrue(answer(self, out)["text"])
        # The GGUF of the same weights runs like its checkpoint (fp32: same perplexity).
        gguf = os.path.join(GOLDEN, "gguf", "tiny_llama.gguf")
        self.assertAlmostEqual(perplexity(self, gguf) / perplexity(self, fixture("llama_tied_chatml")),
                               1.0, places=5)


if __name__ == "__main__":
    unittest.main()

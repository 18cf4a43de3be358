#!/usr/bin/env python3
"""End-to-end tests of `litert-lm-cli run` across turns (Python stdlib only): the newline typed
after a raw (--no-chat-template) turn is kept, a conversation that outgrows the context goes on
by dropping its oldest turns (said on stderr), an over-long piped line is skipped instead of
ending the run, and a model without a chat template of its own continues plain text by default.
Needs LITERTLM_CLI; LITERTLM_GOLDEN_DIR defaults to tests/golden.
"""

import glob
import json
import os
import shutil
import subprocess
import tempfile
import unittest

CLI = os.environ.get("LITERTLM_CLI", "litert-lm-cli")
GOLDEN = os.environ.get("LITERTLM_GOLDEN_DIR",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
QWEN = os.path.join(GOLDEN, "models", "qwen3_gqa")
SCRATCH = os.environ.get("LITERTLM_TEST_TMPDIR", tempfile.gettempdir())
ENV = {k: v for k, v in os.environ.items()
       if k not in ("HF_HUB_OFFLINE", "HF_ENDPOINT", "LITERTLM_MODELS_DIR")}
ENV["NO_COLOR"] = "1"


def cli(*args, stdin=""):
    proc = subprocess.run([CLI, *args], input=stdin, capture_output=True, text=True, env=ENV,
                          timeout=600)
    return proc.returncode, proc.stdout, proc.stderr


def answers(out):
    return [json.loads(line) for line in out.splitlines()]


def token_count(model, text):
    rc, out, err = cli("tokenize", model, "--text", text)
    if rc != 0:
        raise AssertionError(err)
    return len(json.loads(out))


class RawTurnsTest(unittest.TestCase):
    def test_typed_newlines_separate_raw_turns(self):
        rc, out, err = cli("run", QWEN, "--no-chat-template", "--json", "--max-tokens", "3",
                           "--threads", "1", stdin="Hello\nWorld\n")
        self.assertEqual(rc, 0, err)
        first, second = answers(out)
        # The first turn is the line with the newline the user typed.
        self.assertEqual(first["prompt_tokens"], token_count(QWEN, "Hello\n"))
        # The second follows the whole first answer, then a newline unless the answer ended with
        # one, then the second line with its newline.
        sep = "" if first["text"].endswith("\n") else "\n"
        held = first["prompt_tokens"] + first["generated_tokens"]
        self.assertEqual(second["prompt_tokens"], held + token_count(QWEN, sep + "World\n"))


class ContextShiftTest(unittest.TestCase):
    LINES = "".join("Tell me about the weather on day %d please\n" % i for i in range(10))
    ARGS = ("--json", "--max-tokens", "6", "--max-context", "96", "--threads", "1")

    def test_conversation_goes_on_by_dropping_old_turns(self):
        rc, out, err = cli("run", QWEN, *self.ARGS, stdin=self.LINES)
        self.assertEqual(rc, 0, err)
        objs = answers(out)
        self.assertEqual(len(objs), 10)
        self.assertIn("[context full: dropped the", err)
        self.assertTrue(all(o["context_tokens"] <= 96 for o in objs))
        self.assertGreater(sum(o["dropped_messages"] for o in objs), 0)

    def test_no_context_shift_stops_as_before(self):
        rc, out, err = cli("run", QWEN, *self.ARGS, "--no-context-shift", stdin=self.LINES)
        self.assertNotEqual(rc, 0)
        self.assertIn("context holds at most 96", err)
        self.assertLess(len(answers(out)), 10)

    def test_raw_turns_go_on_too(self):
        rc, out, err = cli("run", QWEN, *self.ARGS, "--no-chat-template", stdin=self.LINES)
        self.assertEqual(rc, 0, err)
        objs = answers(out)
        self.assertEqual(len(objs), 10)
        self.assertIn("oldest tokens", err)
        self.assertGreater(sum(o["dropped_tokens"] for o in objs), 0)

    def test_overlong_piped_line_is_skipped_not_fatal(self):
        lines = "Hello\n" + "the cat sat on the mat " * 40 + "\nBye\n"
        rc, out, err = cli("run", QWEN, *self.ARGS, stdin=lines)
        self.assertEqual(rc, 1)
        self.assertIn("(line skipped)", err)
        self.assertEqual(len(answers(out)), 2)  # Hello and Bye


class NoOwnChatTemplateTest(unittest.TestCase):
    """A checkpoint (and its conversion) without a chat_template: plain continuation, said once."""

    NOTE = "no chat template of its own"

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(dir=SCRATCH, prefix="run_base_")
        cls.ckpt = os.path.join(cls.dir, "base")
        shutil.copytree(QWEN, cls.ckpt)
        with open(os.path.join(cls.ckpt, "tokenizer_config.json")) as f:
            config = json.load(f)
        config.pop("chat_template", None)
        with open(os.path.join(cls.ckpt, "tokenizer_config.json"), "w") as f:
            json.dump(config, f)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def check_plain(self, model):
        rc, out, err = cli("run", model, "--json", "--max-tokens", "2", "--threads", "1",
                           stdin="Hello\nAgain\n")
        self.assertEqual(rc, 0, err)
        self.assertEqual(err.count(self.NOTE), 1, err)
        first = answers(out)[0]
        self.assertEqual(first["prompt_tokens"], token_count(QWEN, "Hello\n"))
        rc, out, err = cli("run", model, "--json", "--max-tokens", "2", "--prompt", "Hello")
        self.assertEqual(answers(out)[0]["prompt_tokens"], token_count(QWEN, "Hello"))
        rc, out, err = cli("run", model, "--prompt", "Hello", "--system", "Be terse.")
        self.assertNotEqual(rc, 0)
        self.assertIn("--system", err)

    def test_checkpoint_without_template_continues_plain_text(self):
        self.check_plain(self.ckpt)

    def test_converted_model_without_template_continues_plain_text(self):
        out_dir = os.path.join(self.dir, "converted")
        rc, _, err = cli("convert", self.ckpt, "--output-dir", out_dir, "--skip-validation",
                         "--models-dir", os.path.join(self.dir, "models"), "--offline")
        self.assertEqual(rc, 0, err)
        [model] = glob.glob(os.path.join(out_dir, "*.litertlm"))
        self.check_plain(model)

    def test_model_with_template_chats_without_a_note(self):
        rc, out, err = cli("run", QWEN, "--json", "--max-tokens", "2", "--prompt", "Hello")
        self.assertEqual(rc, 0, err)
        self.assertNotIn(self.NOTE, err)
        self.assertGreater(answers(out)[0]["prompt_tokens"], token_count(QWEN, "Hello"))


if __name__ == "__main__":
    unittest.main()

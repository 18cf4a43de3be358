#!/usr/bin/env python3
"""End-to-end tests of `litert-lm-cli run` on the tiny fixture models (Python stdlib only).

The fixtures are random tiny models: their answers are gibberish but deterministic, so the tests
compare runs with each other (piped vs --prompt vs --json, seeds, stop strings) rather than with
fixed text. Needs LITERTLM_CLI; LITERTLM_GOLDEN_DIR defaults to tests/golden.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

CLI = os.environ.get("LITERTLM_CLI", "litert-lm-cli")
GOLDEN = os.environ.get("LITERTLM_GOLDEN_DIR",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
QWEN = os.path.join(GOLDEN, "models", "qwen3_gqa")
GEMMA = os.path.join(GOLDEN, "models", "gemma3_sliding")
SOURCE = os.environ.get("LITERTLM_SOURCE_DIR",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FAKE_HUB = os.path.join(SOURCE, "tests", "tools", "fake_hub.py")
SCRATCH = os.environ.get("LITERTLM_TEST_TMPDIR", tempfile.gettempdir())
QUESTION = "What is the capital of France?"
# No colour, no inherited Hub settings: every test decides what it needs.
BASE_ENV = {k: v for k, v in os.environ.items()
            if k not in ("HF_HUB_OFFLINE", "HF_ENDPOINT", "LITERTLM_MODELS_DIR")}


def run(*args, stdin="", env=None):
    full_env = dict(BASE_ENV)
    full_env.update(env or {})
    proc = subprocess.run([CLI, "run", *args], input=stdin.encode(), capture_output=True,
                          env=full_env, timeout=600)
    return (proc.returncode, proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"))


def run_ok(test, *args, stdin=""):
    rc, out, err = run(*args, stdin=stdin)
    test.assertEqual(rc, 0, f"run {' '.join(args)} failed: {err}")
    return out, err


def answers(test, *args, stdin=""):
    """The --json objects printed by a run, one per answer."""
    out, _ = run_ok(test, *args, "--json", stdin=stdin)
    lines = out.splitlines()
    return [json.loads(line) for line in lines]


class PipedAndPromptTest(unittest.TestCase):
    def test_one_piped_line_prints_only_the_answer(self):
        out, err = run_ok(self, QWEN, "--max-tokens", "12", stdin=QUESTION + "\n")
        [obj] = answers(self, QWEN, "--max-tokens", "12", stdin=QUESTION + "\n")
        self.assertTrue(obj["text"])
        # stdout is exactly the model's text and one newline: no prompt, banner or stats.
        self.assertEqual(out, obj["text"] + "\n")
        self.assertNotIn("> ", err)
        self.assertNotIn("\x1b", out + err)

    def test_prompt_flag_equals_piped_line(self):
        piped, _ = run_ok(self, QWEN, "--max-tokens", "12", stdin=QUESTION + "\n")
        one_shot, _ = run_ok(self, QWEN, "--max-tokens", "12", "--prompt", QUESTION)
        self.assertEqual(piped, one_shot)

    def test_lines_are_turns_of_one_conversation(self):
        objs = answers(self, QWEN, "--max-tokens", "6", stdin="Hello\n\nAnd then?\nBye\n")
        self.assertEqual(len(objs), 3)  # the empty line is skipped
        # Later turns see the earlier ones: the prompt grows and the cache is reused.
        self.assertGreater(objs[1]["prompt_tokens"], objs[0]["prompt_tokens"])
        self.assertGreater(objs[1]["reused_tokens"], 0)
        self.assertGreater(objs[2]["reused_tokens"], objs[1]["reused_tokens"])
        out, _ = run_ok(self, QWEN, "--max-tokens", "6", stdin="Hello\n\nAnd then?\nBye\n")
        self.assertEqual(out, "".join(o["text"] + "\n" for o in objs))

    def test_last_line_without_newline_is_a_turn(self):
        objs = answers(self, QWEN, "--max-tokens", "4", stdin="Hello\nno newline")
        self.assertEqual(len(objs), 2)

    def test_gemma_with_system_message(self):
        [plain] = answers(self, GEMMA, "--max-tokens", "6", "--prompt", QUESTION)
        [system] = answers(self, GEMMA, "--max-tokens", "6", "--prompt", QUESTION,
                           "--system", "Answer in one word.")
        # Gemma has no system role: the text is merged into the user turn, not dropped.
        self.assertGreater(system["prompt_tokens"], plain["prompt_tokens"])


class JsonAndStatsTest(unittest.TestCase):
    def test_json_fields(self):
        [obj] = answers(self, QWEN, "--max-tokens", "5", "--prompt", QUESTION)
        for key in ("text", "finish_reason", "prompt_tokens", "reused_tokens", "generated_tokens",
                    "context_tokens", "stats"):
            self.assertIn(key, obj)
        for key in ("load_seconds", "prefill_seconds", "time_to_first_token_seconds",
                    "decode_seconds", "prefill_tokens_per_second", "decode_tokens_per_second",
                    "peak_memory_bytes"):
            self.assertIn(key, obj["stats"])
        self.assertIn(obj["finish_reason"], ("stop", "length"))
        self.assertGreater(obj["prompt_tokens"], 5)
        self.assertEqual(obj["reused_tokens"], 0)
        self.assertGreater(obj["stats"]["peak_memory_bytes"], 1_000_000)
        self.assertGreater(obj["stats"]["load_seconds"], 0)

    def test_stats_go_to_stderr_only(self):
        plain, _ = run_ok(self, QWEN, "--max-tokens", "8", "--prompt", QUESTION)
        out, err = run_ok(self, QWEN, "--max-tokens", "8", "--prompt", QUESTION, "--stats")
        self.assertEqual(out, plain)
        for label in ("load time:", "prompt tokens:", "time to first token:", "prefill:",
                      "generated tokens:", "decode:", "context tokens used:", "peak memory:"):
            self.assertIn(label, err)
        self.assertIn("tokens/s", err)
        self.assertNotIn("\x1b", err)  # not a terminal

    def test_max_tokens_is_honoured(self):
        for n in (1, 7):
            [obj] = answers(self, QWEN, "--max-tokens", str(n), "--prompt", QUESTION,
                            "--temperature", "0")
            self.assertLessEqual(obj["generated_tokens"], n)
            if obj["finish_reason"] == "length":
                self.assertEqual(obj["generated_tokens"], n)


    def test_kv_cache_dtype(self):
        # fp16 / int8 keys and values: same prompt accounting; the greedy answer may differ only
        # where the tiny random model's top two logits are within the cache's rounding.
        [f32] = answers(self, QWEN, "--max-tokens", "6", "--prompt", QUESTION, "--temperature", "0")
        for dtype in ("f16", "int8"):
            [reduced] = answers(self, QWEN, "--max-tokens", "6", "--prompt", QUESTION,
                                "--temperature", "0", "--kv-cache-dtype", dtype)
            self.assertEqual(reduced["prompt_tokens"], f32["prompt_tokens"], dtype)
            self.assertEqual(reduced["generated_tokens"], f32["generated_tokens"], dtype)
        rc, _, err = run(QWEN, "--prompt", QUESTION, "--kv-cache-dtype", "f8")
        self.assertNotEqual(rc, 0)
        self.assertIn("--kv-cache-dtype", err)


class SamplingTest(unittest.TestCase):
    ARGS = ("--max-tokens", "24", "--prompt", QUESTION)

    def text(self, *extra):
        [obj] = answers(self, QWEN, *self.ARGS, *extra)
        return obj["text"]

    def test_greedy_is_reproducible(self):
        self.assertEqual(self.text("--temperature", "0"), self.text("--temperature", "0"))
        self.assertEqual(self.text("--temperature", "0"), self.text("--top-k", "1", "--seed", "9"))

    def test_seed_reproducible_and_seeds_differ(self):
        hot = ("--temperature", "1.5", "--top-k", "0", "--top-p", "1")
        a = self.text(*hot, "--seed", "1")
        self.assertEqual(a, self.text(*hot, "--seed", "1"))
        self.assertNotEqual(a, self.text(*hot, "--seed", "2"))

    def test_stop_string_cuts_the_text(self):
        full = self.text("--temperature", "0")
        # A stop string from the middle of the greedy answer: the answer ends just before it.
        start = next(i for i in range(2, len(full) - 2)
                     if full[i:i + 2].isascii() and full[i:i + 2].isprintable() and full[i:i + 2].strip())
        stop = full[start:start + 2]
        [obj] = answers(self, QWEN, *self.ARGS, "--temperature", "0", "--stop", stop,
                        "--stop", "never-appears-zzz")
        self.assertEqual(obj["text"], full[:full.index(stop)])
        self.assertEqual(obj["finish_reason"], "stop_string")

    def test_no_chat_template_sends_raw_text(self):
        [chat] = answers(self, QWEN, "--max-tokens", "4", "--prompt", "Hello")
        [raw] = answers(self, QWEN, "--max-tokens", "4", "--prompt", "Hello", "--no-chat-template")
        self.assertLess(raw["prompt_tokens"], chat["prompt_tokens"])
        # Exactly the tokens of the text: nothing of the template is added.
        proc = subprocess.run([CLI, "tokenize", QWEN, "--text", "Hello"], capture_output=True,
                              text=True, timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(raw["prompt_tokens"], len(json.loads(proc.stdout)))

    def test_no_think_renders_an_empty_think_block(self):
        [default] = answers(self, QWEN, "--max-tokens", "2", "--prompt", "Hi")
        [think] = answers(self, QWEN, "--max-tokens", "2", "--prompt", "Hi", "--think")
        [no_think] = answers(self, QWEN, "--max-tokens", "2", "--prompt", "Hi", "--no-think")
        self.assertEqual(default["prompt_tokens"], think["prompt_tokens"])
        # Qwen3's template appends "<think>\n\n</think>\n\n" when enable_thinking is false.
        self.assertGreater(no_think["prompt_tokens"], think["prompt_tokens"])


class ErrorsTest(unittest.TestCase):
    def assert_one_line_error(self, args, *needles, stdin=""):
        rc, out, err = run(*args, stdin=stdin)
        self.assertNotEqual(rc, 0)
        self.assertEqual(out, "")
        lines = [line for line in err.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, err)
        for needle in needles:
            self.assertIn(needle, err)
        return err

    def test_bad_sampler_values_name_the_flag(self):
        self.assert_one_line_error((QWEN, "--top-p", "2", "--prompt", "x"), "--top-p", "top_p")
        self.assert_one_line_error((QWEN, "--temperature", "-1", "--prompt", "x"),
                                   "--temperature", "temperature")
        self.assert_one_line_error((QWEN, "--top-k", "-3", "--prompt", "x"), "--top-k", "from 0 to")

    def test_bad_flags(self):
        self.assert_one_line_error((QWEN, "--think", "--no-think", "--prompt", "x"), "--no-think")
        self.assert_one_line_error((QWEN, "--max-tokens", "-1", "--prompt", "x"), "--max-tokens")
        self.assert_one_line_error((QWEN, "--max-tokens", "lots", "--prompt", "x"), "--max-tokens")
        self.assert_one_line_error((QWEN, "--no-such-flag"), "--no-such-flag")

    def test_context_too_small_is_an_error_not_a_crash(self):
        self.assert_one_line_error((QWEN, "--max-context", "8", "--prompt", QUESTION), "context")

    def test_offline_missing_model_is_named(self):
        with tempfile.TemporaryDirectory() as models:
            self.assert_one_line_error(("Qwen/Qwen3-0.6B", "--offline", "--models-dir", models),
                                       "Qwen/Qwen3-0.6B")
            rc, out, err = run("litert-community/gemma-3-270m-it", "--models-dir", models,
                               env={"HF_HUB_OFFLINE": "1"})
            self.assertNotEqual(rc, 0)
            self.assertIn("litert-community/gemma-3-270m-it", err)
            self.assertEqual(os.listdir(models), [])

    def test_unsupported_model_lists_the_supported_ones(self):
        with tempfile.TemporaryDirectory() as models:
            rc, out, err = run("someone/some-model", "--models-dir", models, "--offline")
            self.assertNotEqual(rc, 0)
            self.assertIn("litert-community/Qwen3-0.6B", err)


def closed_port_endpoint():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return "http://127.0.0.1:%d" % port


class HubResolutionTest(unittest.TestCase):
    """`run ORG/NAME`: litert-community/* downloads the .litertlm, Qwen/* downloads the checkpoint
    and converts it, both run, and a second run works offline. The fake Hub serves a .litertlm made
    from the qwen3_gqa fixture by `litert-lm-cli convert` and the fixture checkpoint itself."""

    @classmethod
    def setUpClass(cls):
        os.makedirs(SCRATCH, exist_ok=True)
        cls.dir = tempfile.mkdtemp(prefix="run_hub_", dir=SCRATCH)
        root = os.path.join(cls.dir, "hub")
        converted = os.path.join(cls.dir, "converted")
        proc = subprocess.run([CLI, "convert", QWEN, "--output-dir", converted, "--quantize", "fp32",
                               "--models-dir", os.path.join(cls.dir, "unused")],
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            shutil.rmtree(cls.dir, True)
            raise AssertionError("convert failed: " + proc.stderr)
        [name] = [f for f in os.listdir(converted) if f.endswith(".litertlm")]
        cls.local_litertlm = os.path.join(converted, name)
        community = os.path.join(root, "litert-community", "Qwen3-0.6B")
        os.makedirs(community)
        shutil.copy(cls.local_litertlm, os.path.join(community, "Qwen3-0.6B.litertlm"))
        checkpoint = os.path.join(root, "Qwen", "Qwen3-0.6B")
        os.makedirs(checkpoint)
        for f in os.listdir(QWEN):
            if f.endswith((".json", ".safetensors", ".model")):
                shutil.copy(os.path.join(QWEN, f), checkpoint)
        cls.hub = subprocess.Popen([sys.executable, FAKE_HUB, "--root", root, "--lifetime", "900"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        fields = dict(kv.split("=") for kv in cls.hub.stdout.readline().split()[1:])
        cls.endpoint = "http://127.0.0.1:%s" % fields["hub"]

    @classmethod
    def tearDownClass(cls):
        cls.hub.stdin.close()
        try:
            cls.hub.wait(timeout=10)
        except subprocess.TimeoutExpired:
            cls.hub.kill()
            cls.hub.wait()
        shutil.rmtree(cls.dir, True)

    def run_model(self, model, models, *extra, offline=False):
        env = {"HF_ENDPOINT": closed_port_endpoint() if offline else self.endpoint,
               "LITERTLM_MODELS_DIR": models}
        if offline:
            env["HF_HUB_OFFLINE"] = "1"
        return run(model, "--prompt", QUESTION, "--max-tokens", "8", "--temperature", "0",
                   "--json", *extra, env=env)

    def test_litert_community_is_downloaded_then_runs_offline(self):
        models = tempfile.mkdtemp(dir=self.dir)
        rc, out, err = self.run_model("litert-community/Qwen3-0.6B", models)
        self.assertEqual(rc, 0, err)
        self.assertIn("Downloading", err)
        downloaded = json.loads(out)
        self.assertTrue(os.path.exists(os.path.join(
            models, "litert-community", "Qwen3-0.6B", "Qwen3-0.6B.litertlm")))
        rc, out, err = self.run_model(self.local_litertlm, models)
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["text"], downloaded["text"])
        rc, out, err = self.run_model("litert-community/Qwen3-0.6B", models, offline=True)
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["text"], downloaded["text"])

    def test_checkpoint_is_downloaded_converted_and_run(self):
        models = tempfile.mkdtemp(dir=self.dir)
        rc, out, err = self.run_model("Qwen/Qwen3-0.6B", models)
        self.assertEqual(rc, 0, err)
        self.assertIn("Converting", err)
        self.assertIn("successfully converted", err)
        self.assertTrue(json.loads(out)["text"])
        self.assertTrue(os.path.exists(os.path.join(models, "Qwen", "Qwen3-0.6B", "Qwen3-0.6B.litertlm")))
        rc, out2, err = self.run_model("Qwen/Qwen3-0.6B", models, offline=True)
        self.assertEqual(rc, 0, err)
        self.assertIn("already exists", err)
        self.assertNotIn("Converting", err)
        self.assertEqual(json.loads(out2)["text"], json.loads(out)["text"])


if __name__ == "__main__":
    unittest.main()

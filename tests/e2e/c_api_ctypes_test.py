"""End-to-end: examples/chat_ctypes.py drives liblitertlm through its C ABI with Python's ctypes
(no build step) and must answer exactly as the C++ API does (the CLI's `run`, which uses
litertlm::Session) on the tiny fixture checkpoints: same text, finish reason and token counts
for greedy and for seeded sampling, over several turns of one conversation."""
import json
import os
import subprocess
import sys
import unittest

from cli_support import fixture, run_cli

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "chat_ctypes.py")
LIBRARY = os.environ.get("LITERTLM_LIBRARY")
FIELDS = ("text", "finish_reason", "prompt_tokens", "reused_tokens", "generated_tokens",
          "context_tokens")


def run_example(*args, env=None):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([sys.executable, EXAMPLE, *args], capture_output=True, text=True,
                          env=full_env, timeout=300)


class CtypesExampleTest(unittest.TestCase):
    def setUp(self):
        self.assertTrue(LIBRARY and os.path.exists(LIBRARY), "LITERTLM_LIBRARY must name the built library")

    def answers_both_ways(self, model, turns, *flags):
        """The --json answers of the ctypes example and of the CLI for the same turns and flags."""
        prompts = [arg for turn in turns for arg in ("--prompt", turn)]
        ours = run_example(fixture(model), *prompts, *flags, "--json")
        self.assertEqual(ours.returncode, 0, ours.stderr)
        cli = run_cli("run", fixture(model), *flags, "--json", stdin="".join(t + "\n" for t in turns))
        self.assertEqual(cli.returncode, 0, cli.stderr)
        parse = lambda out: [{k: json.loads(line)[k] for k in FIELDS} for line in out.splitlines() if line]
        return parse(ours.stdout), parse(cli.stdout)

    def test_greedy_equals_the_cpp_api_over_three_turns(self):
        for model in ("qwen3_gqa", "gemma3_mqa"):
            with self.subTest(model=model):
                ours, cpp = self.answers_both_ways(model, ["Hello", "And then?", "Why?"],
                                                   "--temperature", "0", "--max-tokens", "12")
                self.assertEqual(len(ours), 3)
                self.assertEqual(ours, cpp)
                self.assertTrue(all(a["generated_tokens"] > 0 for a in ours), ours)
                self.assertEqual(ours[0]["reused_tokens"], 0)
                self.assertGreater(ours[1]["reused_tokens"], 0)  # the KV cache carried over

    def test_seeded_sampling_and_stop_string_equal_the_cpp_api(self):
        flags = ("--temperature", "1.0", "--top-k", "0", "--top-p", "1.0", "--seed", "7",
                 "--max-tokens", "16")
        ours, cpp = self.answers_both_ways("qwen3_gqa", ["Tell me a story"], *flags)
        self.assertEqual(ours, cpp)
        text = ours[0]["text"]
        self.assertGreaterEqual(len(text), 4, ours)
        stop = text[len(text) // 2:len(text) // 2 + 2]
        ours, cpp = self.answers_both_ways("qwen3_gqa", ["Tell me a story"], *flags, "--stop", stop)
        self.assertEqual(ours, cpp)
        self.assertEqual(ours[0]["finish_reason"], "stop_string")
        self.assertEqual(ours[0]["text"], text[:text.index(stop)])

    def test_streamed_text_is_the_answer(self):
        proc = run_example(fixture("qwen3_gqa"), "--prompt", "Hello", "--temperature", "0",
                           "--max-tokens", "8")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        ours, _ = self.answers_both_ways("qwen3_gqa", ["Hello"], "--temperature", "0",
                                         "--max-tokens", "8")
        self.assertEqual(proc.stdout, ours[0]["text"] + "\n")
        self.assertIn("[8 tokens, finish: length]", proc.stderr)

    def test_errors_carry_the_status_name_and_message(self):
        proc = run_example("/nonexistent/model.litertlm", "--prompt", "Hi")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("NOT_FOUND: /nonexistent/model.litertlm", proc.stderr)
        proc = run_example(fixture("qwen3_gqa"), "--prompt", "Hi", "--top-p", "0")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("INVALID_ARGUMENT: litertlm_generate_options.top_p", proc.stderr)

    def test_library_not_found_is_one_clear_line(self):
        proc = run_example(fixture("qwen3_gqa"), "--prompt", "Hi",
                           env={"LITERTLM_LIBRARY": "/nonexistent/liblitertlm.so"})
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("/nonexistent/liblitertlm.so", proc.stderr)


if __name__ == "__main__":
    unittest.main()

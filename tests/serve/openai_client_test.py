"""`litert-lm-cli serve` through the real `openai` Python client (PyPI; run in the tool venv
that setup_openai_venv.sh makes): chat and completions, streamed and not, stop strings,
reproducible seeds, usage, and the client's error classes for the server's errors."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from cli_support import CLI, fixture  # noqa: E402
from serve_support import Server  # noqa: E402

import openai  # noqa: E402

MODEL = fixture("qwen3_gqa")


def collect(stream):
    """(text, finish_reason, usage, number of chunks) of a streamed response."""
    text, reason, usage, chunks = "", None, None, 0
    for chunk in stream:
        chunks += 1
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            piece = choice.delta.content if hasattr(choice, "delta") else choice.text
            text += piece or ""
            reason = choice.finish_reason or reason
    return text, reason, usage, chunks


class OpenAiClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(MODEL, "--parallel", "2", "--max-tokens", "256", "--api-key", "test-key")
        cls.client = openai.OpenAI(base_url=cls.server.url + "/v1", api_key="test-key", max_retries=0)

    @classmethod
    def tearDownClass(cls):
        code, log = cls.server.stop()
        assert code == 0, log
        assert "test-key" not in log

    def chat(self, content, **kw):
        kw.setdefault("max_tokens", 24)
        kw.setdefault("temperature", 0)
        return self.client.chat.completions.create(
            model="tiny", messages=[{"role": "user", "content": content}], **kw)

    def test_models(self):
        self.assertEqual([m.id for m in self.client.models.list()], ["tiny"])

    def test_chat_streamed_equals_not_streamed_and_usage(self):
        full = self.chat("Hello there", max_tokens=16)
        self.assertEqual(full.object, "chat.completion")
        self.assertEqual(full.choices[0].message.role, "assistant")
        self.assertEqual(full.choices[0].finish_reason, "length")
        self.assertEqual(full.usage.completion_tokens, 16)
        self.assertEqual(full.usage.total_tokens, full.usage.prompt_tokens + 16)
        # The CLI's `run` renders the same conversation: same prompt token count, same text.
        run = subprocess.run([CLI, "run", MODEL, "--prompt", "Hello there", "--json", "-n", "16",
                              "--temperature", "0", "--threads", "1"],
                             capture_output=True, text=True, timeout=300)
        self.assertEqual(run.returncode, 0, run.stderr)
        ref = json.loads(run.stdout)
        self.assertEqual(full.usage.prompt_tokens, ref["prompt_tokens"])
        self.assertEqual(full.choices[0].message.content, ref["text"])
        text, reason, usage, chunks = collect(self.chat(
            "Hello there", max_tokens=16, stream=True, stream_options={"include_usage": True}))
        self.assertEqual(text, full.choices[0].message.content)
        self.assertEqual(reason, "length")
        self.assertGreater(chunks, 2)
        self.assertEqual((usage.prompt_tokens, usage.completion_tokens),
                         (full.usage.prompt_tokens, 16))

    def test_conversation_with_system_and_assistant_turns(self):
        messages = [{"role": "system", "content": "You are terse."},
                    {"role": "user", "content": "First question"}]
        first = self.client.chat.completions.create(model="tiny", messages=messages,
                                                    max_tokens=8, temperature=0)
        messages += [{"role": "assistant", "content": first.choices[0].message.content},
                     {"role": "user", "content": "Second question"}]
        second = self.client.chat.completions.create(model="tiny", messages=messages,
                                                     max_tokens=8, temperature=0)
        self.assertGreater(second.usage.prompt_tokens, first.usage.prompt_tokens)
        self.assertEqual(second.usage.completion_tokens, 8)

    def test_completions_streamed_and_not(self):
        prompt = "The quick brown fox"
        full = self.client.completions.create(model="tiny", prompt=prompt, max_tokens=12, temperature=0)
        self.assertEqual(full.object, "text_completion")
        ids = subprocess.run([CLI, "tokenize", MODEL, "--text", prompt], capture_output=True,
                             text=True, timeout=120)
        self.assertEqual(ids.returncode, 0, ids.stderr)
        self.assertEqual(full.usage.prompt_tokens, len(json.loads(ids.stdout)))
        self.assertEqual(full.usage.completion_tokens, 12)
        self.assertEqual(full.choices[0].finish_reason, "length")
        text, reason, _, _ = collect(self.client.completions.create(
            model="tiny", prompt=prompt, max_tokens=12, temperature=0, stream=True))
        self.assertEqual((text, reason), (full.choices[0].text, "length"))

    def test_stop_strings(self):
        full = self.chat("Write something", max_tokens=40).choices[0].message.content
        stop = next(full[i:i + 2] for i in range(3, len(full) - 2) if full.find(full[i:i + 2]) == i)
        cut = full[:full.find(stop)]
        for stream in (False, True):
            with self.subTest(stream=stream):
                if stream:
                    text, reason, _, _ = collect(self.chat("Write something", max_tokens=40,
                                                           stop=[stop], stream=True))
                else:
                    r = self.chat("Write something", max_tokens=40, stop=stop)
                    text, reason = r.choices[0].message.content, r.choices[0].finish_reason
                self.assertEqual((text, reason), (cut, "stop"))

    def test_seeds_are_reproducible(self):
        def sample(seed):
            return self.chat("Surprise me", max_tokens=24, temperature=1.0, top_p=1.0,
                             seed=seed).choices[0].message.content
        a, b, c = sample(1234), sample(1234), sample(999)
        self.assertEqual(a, b)
        self.assertNotEqual(a, c)

    def test_errors_map_to_client_exceptions(self):
        with self.assertRaises(openai.NotFoundError) as e:
            self.client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
        self.assertEqual(e.exception.code, "model_not_found")
        with self.assertRaises(openai.BadRequestError) as e:
            self.chat("x", temperature=5)
        self.assertEqual(e.exception.param, "temperature")
        with self.assertRaises(openai.BadRequestError):
            self.chat("x", max_tokens=100000)
        wrong = openai.OpenAI(base_url=self.server.url + "/v1", api_key="wrong", max_retries=0)
        with self.assertRaises(openai.AuthenticationError):
            wrong.models.list()


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])

"""The real Gemma 3 270M (base model, PyPI GGUF) through the CLI as a user runs it:
`litert-lm-cli convert model.gguf` then `printf "What is the capital of France?\\n" | litert-lm-cli run`.
Needs LITERTLM_CLI and LITERTLM_GEMMA3_GGUF (set by ctest; the realmodel fixture assembles the GGUF).
"""
import os
import subprocess
import sys
import unittest

CLI = os.environ.get("LITERTLM_CLI", "")
GGUF = os.environ.get("LITERTLM_GEMMA3_GGUF", "")
TMP = os.path.join(os.environ.get("LITERTLM_TEST_TMPDIR", "/tmp"), "cli_real_model")


def cli(*args, stdin=None, timeout=900):
    return subprocess.run([CLI, *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "HF_HUB_OFFLINE": "1"})


class RealModelCliTest(unittest.TestCase):
    model = None

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(GGUF):
            raise AssertionError(f"{GGUF!r} missing: run through ctest -L realmodel")
        os.makedirs(TMP, exist_ok=True)
        # int8 (weight-only) as .ci/main converts it: the most accurate 8-bit format today.
        r = cli("convert", GGUF, "--quantize", "int8", "--output-dir", TMP,
                "--models-dir", os.path.join(TMP, "models"))
        if r.returncode != 0:
            raise AssertionError(f"convert failed:\n{r.stderr}")
        files = [f for f in os.listdir(TMP) if f.endswith(".litertlm")]
        if len(files) != 1:
            raise AssertionError(f"expected one .litertlm in {TMP}, found {files}")
        cls.model = os.path.join(TMP, files[0])

    def test_capital_of_france_piped(self):
        # The PyPI model is the BASE gemma-3-270m (no chat template): as .ci/main runs it (no
        # flag), the piped question is continued as plain text, which the run says once.
        r = cli("run", self.model, "--max-tokens", "48", stdin="What is the capital of France?\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        print(f"answer: {r.stdout!r}", file=sys.stderr)
        self.assertIn("Paris", r.stdout)
        self.assertEqual(r.stderr.count("no chat template of its own"), 1, r.stderr)

    def test_default_is_the_same_as_no_chat_template(self):
        question = "What is the capital of France?\n"
        plain = cli("run", self.model, "--max-tokens", "16", "--json", stdin=question)
        raw = cli("run", self.model, "--max-tokens", "16", "--json", "--no-chat-template",
                  stdin=question)
        self.assertEqual(plain.returncode, 0, plain.stderr)
        self.assertEqual(raw.returncode, 0, raw.stderr)
        self.assertEqual(plain.stdout.split('"stats"')[0], raw.stdout.split('"stats"')[0])


if __name__ == "__main__":
    unittest.main()

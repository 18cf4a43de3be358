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
        r = cli("convert", GGUF, "--quantize", "dynamic_int8", "--output-dir", TMP,
                "--models-dir", os.path.join(TMP, "models"))
        if r.returncode != 0:
            raise AssertionError(f"convert failed:\n{r.stderr}")
        files = [f for f in os.listdir(TMP) if f.endswith(".litertlm")]
        if len(files) != 1:
            raise AssertionError(f"expected one .litertlm in {TMP}, found {files}")
        cls.model = os.path.join(TMP, files[0])

    def test_capital_of_france_piped(self):
        r = cli("run", self.model, "--max-tokens", "48",
                stdin="What is the capital of France?\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        print(f"answer: {r.stdout!r}", file=sys.stderr)
        self.assertIn("Paris", r.stdout)


if __name__ == "__main__":
    unittest.main()

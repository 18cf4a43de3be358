#!/usr/bin/env python3
"""The real Gemma 3 270M (PyPI GGUF) converted with `convert --format tflite` runs in Google's LiteRT-LM.

For fp32, dynamic_int8 and fp16, converts the GGUF and checks that Google's engine
(litert_lm 0.18.1, CPU, greedy: top_k 1, temperature 0, no prompt template) and `litert-lm-cli run
--no-chat-template --temperature 0 -n 32 --int8-activations google` continue PROMPT with the same
32-token text, that the fp32 file gives that text in both engines, and that our default (16-bit
int8 activations) gives the fp32 file's text for the int8 and fp16 files too.

Runs in the venv of setup_litert_venv.sh (its python is sys.executable) as the ctest
realmodel.google_runtime_gemma3_270m, or by hand:
    LITERTLM_CLI=build/cli/litert-lm-cli LITERTLM_GEMMA3_GGUF=build/tests/models/gemma-3-270m-q4_k_m.gguf \\
        /work/venvs/litert/bin/python tests/google_runtime/gemma3_270m_real_test.py -v
"""
import os
import subprocess
import tempfile
import unittest

from greedy_text import google_text, our_text

CLI = os.environ.get("LITERTLM_CLI", "")
GGUF = os.environ.get("LITERTLM_GEMMA3_GGUF", "")
PROMPT = "What is the capital of France?"
STEPS = 32
# fp32 first: the reference text. `--quantize int8` writes the same TFLite model as dynamic_int8
# (converter/tflite_output.cc: int8 weights, fp32 activations, for both), checked on the tiny
# checkpoints by google_runtime_test.py; leaving it out here keeps this test under two minutes.
# fp16 (FLOAT16 + DEQUANTIZE) gives the fp32 text too. int4 is left out: its text is not the fp32
# file's, and the two engines part at near-ties (on the HF checkpoint, dynamic_int4_block32: step 9,
# where Google's top-2 logit gap is 0.018 of ~19; teacher-forced on Google's tokens, 23 of 24
# greedy choices agree).
QUANTIZATIONS = ["fp32", "dynamic_int8", "fp16"]




class Gemma3RealGoogleRuntimeTest(unittest.TestCase):
    def test_google_engine_matches_ours_and_fp32(self):
        if not CLI or not os.path.exists(CLI):
            raise AssertionError("LITERTLM_CLI must point at the litert-lm-cli binary")
        if not os.path.exists(GGUF):
            raise AssertionError(f"{GGUF!r} missing: run through ctest -L realmodel")
        base = os.environ.get("LITERTLM_TEST_TMPDIR") or tempfile.gettempdir()
        os.makedirs(base, exist_ok=True)
        reference = None
        with tempfile.TemporaryDirectory(prefix="google_runtime_real_", dir=base) as tmp:
            for quantize in QUANTIZATIONS:
                with self.subTest(quantize=quantize):
                    out_dir = os.path.join(tmp, quantize)
                    r = subprocess.run([CLI, "convert", GGUF, "--format", "tflite", "--quantize", quantize,
                                        "--output-dir", out_dir], capture_output=True, text=True)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    path = os.path.join(out_dir, [f for f in os.listdir(out_dir) if f.endswith(".litertlm")][0])
                    # Our default (int8 activations at 16 bits) gives the fp32 file's text on
                    # every host; --int8-activations google gives Google's runtime's text, bit for
                    # bit its arithmetic on AVX-512 and AVX2/FMA3 hosts (kernels/xnnpack_float.h).
                    ours = our_text(CLI, path, PROMPT, STEPS, int8_activations="exact")
                    self.assertIn("Paris", ours)
                    google = google_text(path, PROMPT, STEPS, threads=2)
                    self.assertEqual(our_text(CLI, path, PROMPT, STEPS, int8_activations="google"), google,
                                     f"{quantize}: Google's runtime and ours (--int8-activations google) differ")
                    if reference is None:
                        reference = ours
                        self.assertEqual(google, ours, "fp32: Google's runtime and ours differ")
                    else:
                        self.assertEqual(ours, reference, f"{quantize}: not the fp32 file's greedy text")
                    # Google's 8-bit activations give the fp32 text on an AVX-512 host, but not on
                    # an AVX2 one (Zen 3: dynamic_int8 parts after the first sentence, at a near-tie
                    # its AVX2 kernels' last bits flip; our google mode flips it identically):
                    # Google's runtime's property, reported, not asserted.
                    print(f"{quantize}: Google's text {'is' if google == reference else 'is NOT'} the fp32 text",
                          flush=True)
                    os.remove(path)  # the fp32 file is 1 GB


if __name__ == "__main__":
    unittest.main()

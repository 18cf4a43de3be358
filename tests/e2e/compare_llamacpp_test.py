"""benchmarks/compare_llamacpp without llama.cpp: our side runs the real CLI (`bench --json`, so
the flags the script passes must exist), llama.cpp's side is a stand-in with fixed figures;
checks the interleaving, the medians, the paired ratios and the markdown table."""
import argparse
import importlib.machinery
import importlib.util
import os
import tempfile
import unittest

from cli_support import CLI, TMP, fixture

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks", "compare_llamacpp")


def load_script():
    loader = importlib.machinery.SourceFileLoader("compare_llamacpp", SCRIPT)
    spec = importlib.util.spec_from_loader("compare_llamacpp", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


class CompareLlamacppTest(unittest.TestCase):
    def test_report_from_real_runs_of_ours(self):
        cmp = load_script()
        calls = []

        def fake_llama(gguf, threads, args):
            calls.append(("llama.cpp", gguf, threads))
            return {k: 10.0 for k in cmp.FIGURES}

        real_ours = cmp.run_ours

        def ours(model, threads, args):
            calls.append(("ours", model, threads))
            return real_ours(model, threads, args)

        cmp.run_llama, cmp.run_ours = fake_llama, ours
        model = fixture("qwen3_gqa")
        gguf = tempfile.NamedTemporaryFile(dir=TMP, suffix=".gguf")  # only its size is read
        gguf.write(b"\0" * 1000)
        gguf.flush()
        for dtype in ["f32", "f16", "int8"]:
            calls.clear()
            args = argparse.Namespace(cli=CLI, pair=[f"tiny={model},{gguf.name}"], threads="1",
                                      repeats=2, decode_tokens=4, context=40, bandwidth=10.0,
                                      kv_cache_dtype=dtype, llama_kv_cache_type="q8_0",
                                      mlock=False)
            report = cmp.compare(args)
            # Both engines per repeat, order alternating.
            self.assertEqual([c[0] for c in calls], ["ours", "llama.cpp", "llama.cpp", "ours"])
            self.assertEqual(len(report), 1)
            row = report[0]
            self.assertEqual(row["ours_kv_cache_dtype"], dtype)
            self.assertEqual(row["llama_kv_cache_type"], "q8_0")
            # roofline fraction = decode × file bytes / (bandwidth · 1e9)
            self.assertAlmostEqual(row["llama.cpp"]["decode_roofline_fraction"], 10.0 * 1000 / 10e9)
            for k in cmp.FIGURES:
                self.assertGreater(row["ours"][k], 0, k)
                self.assertEqual(row["llama.cpp"][k], 10.0)
                self.assertAlmostEqual(row["ratio"][k], row["ours"][k] / 10.0, delta=row["ours"][k])
            table = cmp.markdown(report, 2, dtype, "q8_0")
            self.assertIn("| tiny | 1 | ours |", table)
            self.assertIn("| tiny | 1 | ratio |", table)
            self.assertIn(f"KV cache: ours {dtype}, llama.cpp q8_0 (with flash attention)", table)


if __name__ == "__main__":
    unittest.main()

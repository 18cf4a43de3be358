"""`litert-lm-cli bench`: the --json fields, medians over --repeats, flag errors."""
import json
import unittest

from cli_support import fixture, run_cli

FIELDS = ["model", "threads", "threads_used", "repeats", "kv_cache_dtype", "mlock", "kernels",
          "cpu_isa", "blas_core", "blas_core_below_cpu", "load_ms", "ttft_ms", "prefill_tokens_per_s",
          "decode_tokens", "decode_tokens_per_s", "context_tokens",
          "context_prefill_tokens_per_s", "decode_after_context_tokens_per_s", "peak_rss_mb", "method"]


class BenchTest(unittest.TestCase):
    def bench(self, name, *flags):
        r = run_cli("bench", fixture(name), "--json", *flags)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_json_fields(self):
        for name in ["qwen3_gqa", "gemma3_sliding"]:
            with self.subTest(fixture=name):
                out = self.bench(name, "--threads", "1", "--repeats", "3",
                                 "--decode-tokens", "8", "--context", "64")
                self.assertEqual(sorted(out), sorted(FIELDS))
                self.assertEqual(out["model"], fixture(name))
                self.assertEqual(out["threads"], 1)
                self.assertEqual(out["repeats"], 3)
                self.assertEqual(out["kv_cache_dtype"], "f32")
                self.assertIs(out["mlock"], False)
                self.assertEqual(out["decode_tokens"], 8)
                self.assertEqual(out["context_tokens"], 64)
                self.assertEqual(sorted(out["prefill_tokens_per_s"]), ["128", "512"])
                for v in [out["load_ms"], out["ttft_ms"], out["decode_tokens_per_s"],
                          out["context_prefill_tokens_per_s"], out["decode_after_context_tokens_per_s"], out["peak_rss_mb"],
                          *out["prefill_tokens_per_s"].values()]:
                    self.assertGreater(v, 0)
                # TTFT is the 128-token prefill: with an odd repeat count both medians come
                # from the same run, so time and rate must agree.
                self.assertAlmostEqual(out["ttft_ms"] * out["prefill_tokens_per_s"]["128"],
                                       128e3, delta=128.0)  # printed with 3-4 digits

    def test_prefill_lengths(self):
        out = self.bench("gemma3_sliding", "--repeats", "1", "--decode-tokens", "2", "--context",
                         "16", "--prefill-lengths", "40,128,300")
        self.assertEqual(sorted(out["prefill_tokens_per_s"], key=int), ["40", "128", "300"])
        for v in out["prefill_tokens_per_s"].values():
            self.assertGreater(v, 0)
        r = run_cli("bench", fixture("qwen3_gqa"), "--repeats", "1", "--decode-tokens", "2",
                    "--context", "16", "--prefill-lengths", "64,200")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("prefill 64 ", r.stdout)
        self.assertIn("prefill 200 ", r.stdout)
        self.assertNotIn("prefill 512", r.stdout)
        r = run_cli("bench", fixture("qwen3_gqa"), "--prefill-lengths", "0")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--prefill-lengths", r.stderr)

    def test_names_openblas_core_below_the_cpu(self):
        # OPENBLAS_CORETYPE forces OpenBLAS's core: Prescott (SSE3) is below any AVX CPU, and
        # the core that fits the CPU is not. Both are named; only the first draws the warning.
        args = ["--repeats", "1", "--decode-tokens", "2", "--context", "16",
                "--prefill-lengths", "16"]
        base = self.bench("qwen3_gqa", *args)
        fitting = {"avx512": "SkylakeX", "avx2": "Haswell", "avx": "Sandybridge"}
        if base["cpu_isa"] not in fitting:
            self.skipTest("no AVX on this CPU: every OpenBLAS core fits it")
        r = run_cli("bench", fixture("qwen3_gqa"), "--json", *args,
                    env={"OPENBLAS_CORETYPE": "Prescott"})
        self.assertEqual(r.returncode, 0, r.stderr)
        slow = json.loads(r.stdout)
        self.assertEqual(slow["blas_core"].lower(), "prescott")
        self.assertIs(slow["blas_core_below_cpu"], True)
        r = run_cli("bench", fixture("qwen3_gqa"), *args, env={"OPENBLAS_CORETYPE": "Prescott"})
        self.assertIn("OpenBLAS Prescott", r.stdout)
        self.assertIn("warning", r.stdout)
        self.assertIn("OPENBLAS_CORETYPE=" + fitting[base["cpu_isa"]], r.stdout)
        core = fitting[base["cpu_isa"]]
        r = run_cli("bench", fixture("qwen3_gqa"), "--json", *args, env={"OPENBLAS_CORETYPE": core})
        self.assertEqual(r.returncode, 0, r.stderr)
        fast = json.loads(r.stdout)
        self.assertEqual(fast["blas_core"].lower(), core.lower())
        self.assertIs(fast["blas_core_below_cpu"], False)
        r = run_cli("bench", fixture("qwen3_gqa"), *args, env={"OPENBLAS_CORETYPE": core})
        self.assertIn("kernels", r.stdout)
        self.assertNotIn("warning", r.stdout)

    def test_mlock_needs_a_litertlm_file(self):
        # Checkpoint directories are refused naming the option (a .litertlm file locks: the
        # library's LitertlmModelTest checks VmLck).
        r = run_cli("bench", fixture("qwen3_gqa"), "--repeats", "1", "--mlock")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("lock_in_memory", r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)

    def test_reduced_kv_cache(self):
        for dtype in ("f16", "int8"):
            out = self.bench("qwen3_gqa", "--repeats", "1", "--decode-tokens", "4", "--context",
                             "80", "--kv-cache-dtype", dtype)
            self.assertEqual(out["kv_cache_dtype"], dtype)
            self.assertGreater(out["decode_after_context_tokens_per_s"], 0)
        r = run_cli("bench", fixture("qwen3_gqa"), "--kv-cache-dtype", "int3")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--kv-cache-dtype", r.stderr)

    def test_text_output_names_every_figure(self):
        r = run_cli("bench", fixture("qwen3_gqa"), "--repeats", "1", "--decode-tokens", "4",
                    "--context", "32")
        self.assertEqual(r.returncode, 0, r.stderr)
        for label in ["kernels", "load", "ttft", "prefill 128", "prefill 512", "prefill 32", "decode", "peak RSS"]:
            self.assertIn(label, r.stdout)

    def test_bad_flags_and_model(self):
        r = run_cli("bench", fixture("qwen3_gqa"), "--repeats", "0")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--repeats", r.stderr)
        r = run_cli("bench", "/nonexistent/model", "--repeats", "1")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("/nonexistent/model", r.stderr)


if __name__ == "__main__":
    unittest.main()

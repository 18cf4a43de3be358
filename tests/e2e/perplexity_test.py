"""`litert-lm-cli perplexity` against transformers' perplexity for the fixture checkpoints."""
import json
import os
import unittest

from cli_support import fixture, read_safetensors, run_cli, TMP

FIXTURES = ["qwen3_gqa", "qwen3_tied", "gemma3_sliding", "gemma3_mqa"]


class PerplexityTest(unittest.TestCase):
    def test_ids_match_transformers(self):
        for name in FIXTURES:
            with self.subTest(fixture=name):
                ref = read_safetensors(os.path.join(fixture(name), "reference.safetensors"))
                ids = ref["ppl_ids"][1]
                r = run_cli("perplexity", fixture(name), "--ids", ",".join(map(str, ids)), "--json")
                self.assertEqual(r.returncode, 0, r.stderr)
                out = json.loads(r.stdout)
                want = ref["ppl"][1][0]
                self.assertLessEqual(abs(out["perplexity"] - want), 1e-4 * want)
                self.assertEqual(out["tokens"], len(ids))
                self.assertEqual(len(out["nll"]), len(ids) - 1)
                for ours, theirs in zip(out["nll"], ref["ppl_nll"][1]):
                    self.assertAlmostEqual(ours, theirs, delta=1e-4 * max(1.0, theirs))

    def test_kv_cache_dtype_changes_only_the_rounding(self):
        # A reduced cache scores the same tokens within a few percent of transformers' fp32
        # perplexity (random fixtures: f16 < 0.1 %, int8 < 2 %); an unknown dtype is a flag error.
        ref = read_safetensors(os.path.join(fixture("qwen3_gqa"), "reference.safetensors"))
        ids = ",".join(map(str, ref["ppl_ids"][1]))
        want = ref["ppl"][1][0]
        for dtype, tolerance in (("f16", 1e-3), ("int8", 2e-2)):
            r = run_cli("perplexity", fixture("qwen3_gqa"), "--ids", ids, "--json",
                        "--kv-cache-dtype", dtype)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertLessEqual(abs(json.loads(r.stdout)["perplexity"] - want), tolerance * want,
                                 dtype)
        r = run_cli("perplexity", fixture("qwen3_gqa"), "--ids", ids, "--kv-cache-dtype", "q4")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--kv-cache-dtype", r.stderr)

    def test_file_equals_ids_of_its_tokens(self):
        text_path = os.path.join(TMP, "ppl_text.txt")
        with open(text_path, "w", encoding="utf-8") as f:
            f.write("It was the best of times, it was the worst of times. Œuvre 東京 😀")
        for name in ["qwen3_gqa", "gemma3_sliding"]:
            with self.subTest(fixture=name):
                tok = run_cli("tokenize", fixture(name), "--file", text_path, "--add-special-tokens")
                self.assertEqual(tok.returncode, 0, tok.stderr)
                ids = json.loads(tok.stdout)
                by_ids = run_cli("perplexity", fixture(name), "--ids", ",".join(map(str, ids)), "--json")
                by_file = run_cli("perplexity", fixture(name), "--file", text_path, "--json")
                self.assertEqual(by_file.returncode, 0, by_file.stderr)
                a, b = json.loads(by_ids.stdout), json.loads(by_file.stdout)
                self.assertEqual(a["tokens"], b["tokens"])
                self.assertAlmostEqual(a["perplexity"], b["perplexity"], delta=1e-9 * a["perplexity"])

    def test_missing_text_file_is_named(self):
        self.assert_one_line_error(run_cli("perplexity", fixture("qwen3_gqa"), "--file", "/nonexistent.txt"),
                                   "/nonexistent.txt")

    def test_plain_output_is_one_number_on_stdout(self):
        r = run_cli("perplexity", fixture("qwen3_gqa"), "--ids", "1,2,3,4")
        self.assertEqual(r.returncode, 0, r.stderr)
        float(r.stdout.strip())

    def assert_one_line_error(self, r, *needles):
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(r.stdout, "")
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        for n in needles:
            self.assertIn(n, lines[0])

    def test_bad_input_gives_one_line_errors(self):
        self.assert_one_line_error(run_cli("perplexity", "/nonexistent/model", "--ids", "1,2"),
                                   "/nonexistent/model")
        self.assert_one_line_error(run_cli("perplexity", fixture("qwen3_gqa"), "--ids", "1,x"),
                                   "--ids", "'x'")
        self.assert_one_line_error(run_cli("perplexity", fixture("qwen3_gqa"), "--ids", "1,999999"),
                                   "999999")
        self.assert_one_line_error(run_cli("perplexity", fixture("qwen3_gqa")), "--ids")
        self.assert_one_line_error(run_cli("perplexity", fixture("qwen3_gqa"), "--ids", "1,2",
                                           "--bogus"), "--bogus")

    def test_truncated_checkpoint_names_the_file(self):
        src = fixture("qwen3_gqa")
        dst = os.path.join(TMP, "truncated_qwen3")
        os.makedirs(dst, exist_ok=True)
        with open(os.path.join(src, "config.json")) as f:
            config = f.read()
        with open(os.path.join(dst, "config.json"), "w") as f:
            f.write(config)
        with open(os.path.join(src, "model.safetensors"), "rb") as f:
            data = f.read()
        with open(os.path.join(dst, "model.safetensors"), "wb") as f:
            f.write(data[: len(data) // 2])
        r = run_cli("perplexity", dst, "--ids", "1,2,3")
        self.assert_one_line_error(r, "model.safetensors", "past the end")

    def test_config_shape_mismatch_names_the_tensor(self):
        src = fixture("qwen3_gqa")
        dst = os.path.join(TMP, "mismatch_qwen3")
        os.makedirs(dst, exist_ok=True)
        with open(os.path.join(src, "config.json")) as f:
            config = json.load(f)
        config["intermediate_size"] += 1
        with open(os.path.join(dst, "config.json"), "w") as f:
            json.dump(config, f)
        link = os.path.join(dst, "model.safetensors")
        if not os.path.exists(link):
            os.symlink(os.path.join(src, "model.safetensors"), link)
        r = run_cli("perplexity", dst, "--ids", "1,2,3")
        self.assert_one_line_error(r, "mlp.gate_proj.weight", "shape")


if __name__ == "__main__":
    unittest.main()

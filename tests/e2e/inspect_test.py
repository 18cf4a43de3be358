"""End-to-end: `litert-lm-cli inspect FILE` on the committed sample file and on broken files."""
import os
import subprocess
import tempfile
import unittest

CLI = os.environ.get("LITERTLM_CLI", "litert-lm-cli")
GOLDEN = os.path.join(os.environ.get("LITERTLM_GOLDEN_DIR", "tests/golden"), "format",
                      "sample.litertlm")


def run(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=120)


class InspectTest(unittest.TestCase):
    def test_reports_everything(self):
        r = run("inspect", GOLDEN)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout
        self.assertIn("version: 1.6.0", out)
        self.assertIn("file size: 65768 bytes", out)
        self.assertIn("sections: 4", out)
        self.assertRegex(out, r"0\s+LlmMetadataProto\s+16384\s+\d+")
        self.assertRegex(out, r"1\s+HF_Tokenizer_Zlib\s+32768\s+\d+")
        self.assertIn("content=hf_config_json", out)
        self.assertIn("content=liblitertlm_weights  weights_format_version=2", out)
        self.assertIn("metadata (litert.lm.proto.LlmMetadata):", out)
        self.assertIn('token_str: "<end_of_turn>"', out)
        self.assertIn("max_num_tokens: 1280", out)
        self.assertIn("tokenizer: hf_tokenizer_json", out)
        self.assertIn("tensors: 1", out)
        self.assertRegex(out, r"f32\s+1 tensors\s+6 elements\s+24 bytes")
        self.assertIn("total tensor size: 24 bytes", out)

    def test_googles_executor_metadata_line(self):
        # Google's export_hf file (container 1.7.0) from tests/golden/google/.
        path = os.path.join(os.path.dirname(GOLDEN), "..", "google", "qwen3_gqa_export_hf_int8.litertlm")
        r = run("inspect", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("version: 1.7.0", r.stdout)
        self.assertRegex(r.stdout, r"\d+\s+ExecutorMetadataProto\s+\d+\s+389\n"
                         r"\s+6 state buffers: 3 TYPE_GLOBAL_KEY_CACHE \(axis 2, length <= 64\), "
                         r"3 TYPE_GLOBAL_VALUE_CACHE \(axis 3, length <= 64\); max history 64\n")

    def test_corrupt_file_is_one_line_error(self):
        data = bytearray(open(GOLDEN, "rb").read())
        data[8] = 7  # major version 7
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "bad.litertlm")
            with open(path, "wb") as f:
                f.write(data)
            r = run("inspect", path)
            self.assertEqual(r.returncode, 1)
            self.assertEqual(r.stdout, "")
            lines = r.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, r.stderr)
            self.assertTrue(lines[0].startswith("litert-lm-cli: error: " + path), lines[0])
            self.assertIn("unsupported .litertlm version 7.6.0", lines[0])

    def test_truncated_and_missing_files(self):
        data = open(GOLDEN, "rb").read()
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "short.litertlm")
            with open(path, "wb") as f:
                f.write(data[:40000])
            r = run("inspect", path)
            self.assertEqual(r.returncode, 1)
            self.assertIn("lies outside the 40000-byte file", r.stderr)
        r = run("inspect", "/nonexistent/model.litertlm")
        self.assertEqual(r.returncode, 1)
        self.assertIn("/nonexistent/model.litertlm", r.stderr)


if __name__ == "__main__":
    unittest.main()

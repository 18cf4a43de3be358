#!/usr/bin/env python3
"""End-to-end: hostile or damaged model files and out-of-range flags (issue 13 §2).

Every case must end with one clear error line naming the file/field/flag and exit code 1:
never an abort, a huge allocation, or a silently wrong model. Python stdlib only.
"""

import json
import os
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_support import CLI, TMP, fixture  # noqa: E402

QWEN = fixture("qwen3_gqa")
GEMMA = fixture("gemma3_sliding")
# The old loader built names for every declared layer first: 1e9 layers grew past this limit and
# died with std::bad_alloc (rc 134).
MEMORY_LIMIT = 2 << 30


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def cli(*args, stdin=""):
    env = {k: v for k, v in os.environ.items() if k not in ("HF_ENDPOINT", "LITERTLM_MODELS_DIR")}
    env["HF_HUB_OFFLINE"] = "1"
    p = subprocess.run([CLI, *args], input=stdin, capture_output=True, text=True, env=env,
                       timeout=600, preexec_fn=limit_memory)
    return p.returncode, p.stdout, p.stderr


class Scratch(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=TMP, prefix="hostile_")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def copy_model(self, src, name="model"):
        dst = os.path.join(self.dir, name)
        shutil.copytree(src, dst)
        return dst

    def edit_config(self, model, **fields):
        path = os.path.join(model, "config.json")
        with open(path) as f:
            config = json.load(f)
        config.update(fields)
        with open(path, "w") as f:
            json.dump(config, f)

    def assert_error(self, result, *needles):
        rc, _, err = result
        self.assertEqual(rc, 1, err)
        lines = [l for l in err.splitlines() if l.strip()]
        self.assertTrue(lines and lines[-1].startswith("litert-lm-cli: error:"), err)
        for n in needles:
            self.assertIn(n, err)


class HugeConfigTest(Scratch):
    def test_billion_layers_is_an_error_in_every_command(self):
        model = self.copy_model(QWEN)
        # Without layer_types (optional) nothing else in the config contradicts the count.
        self.edit_config(model, num_hidden_layers=1000000000, layer_types=None)
        want = ("field 'num_hidden_layers' is 1000000000", "but the weights hold only")
        self.assert_error(cli("run", model, "-p", "hi", "-n", "2"), *want)
        self.assert_error(cli("bench", model, "--repeats", "1", "--decode-tokens", "1",
                              "--context", "4"), *want)
        self.assert_error(cli("perplexity", model, "--ids", "1,2,3"), *want)
        out = os.path.join(self.dir, "out")
        self.assert_error(cli("convert", model, "--output-dir", out), *want)
        self.assertFalse(os.path.exists(out) and os.listdir(out), "convert left files behind")

    def test_billion_layers_in_litertlm_metadata(self):
        # A converted file whose config.json section (stored verbatim) says 1e9 layers: written
        # with padding so the edit keeps every offset, and without a checksum (a file from
        # another tool), so the load must catch it from the config alone.
        model = self.copy_model(QWEN)
        path = os.path.join(model, "config.json")
        with open(path) as f:
            config = json.load(f)
        config.pop("layer_types", None)
        layers = '"num_hidden_layers": %d' % config["num_hidden_layers"]
        huge = b'"num_hidden_layers": 1000000000'
        padded = layers + " " * (len(huge) - len(layers))
        text = json.dumps(config).replace(layers, padded)
        with open(path, "w") as f:
            f.write(text)
        out = os.path.join(self.dir, "out")
        # liblitertlm's own format stores config.json (a TFLite file's config is its graph).
        rc, _, err = cli("convert", model, "--format", "liblitertlm", "--output-dir", out, "--skip-validation")
        self.assertEqual(rc, 0, err)
        [name] = os.listdir(out)
        file = os.path.join(out, name)
        with open(file, "r+b") as f:
            data = f.read()
            for old, new in ((padded.encode(), huge),
                             (b"liblitertlm_sections_sha256", b"x" * 27)):
                at = data.find(old)
                if at < 0 and old == padded.encode():
                    self.fail("config.json not stored verbatim")
                if at < 0:
                    continue
                f.seek(at)
                f.write(new)
        want = ("field 'num_hidden_layers' is 1000000000", "but the weights hold only")
        self.assert_error(cli("run", file, "-p", "hi", "-n", "2"), *want)
        self.assert_error(cli("bench", file, "--repeats", "1", "--decode-tokens", "1",
                              "--context", "4"), *want)
        self.assert_error(cli("perplexity", file, "--ids", "1,2,3"), *want)

    def test_dimension_past_the_limit_names_field_and_range(self):
        model = self.copy_model(QWEN)
        self.edit_config(model, intermediate_size=1 << 31)
        self.assert_error(cli("run", model, "-p", "hi"),
                          "field 'intermediate_size' must be between 1 and 1073741824")

    def test_dimension_within_the_limit_but_not_the_weights_is_a_shape_error(self):
        model = self.copy_model(QWEN)
        self.edit_config(model, intermediate_size=1 << 30, vocab_size=1 << 30)
        self.assert_error(cli("run", model, "-p", "hi"), "the config implies")


class BadValuesTest(Scratch):
    def test_final_logit_softcapping_zero_is_refused(self):
        model = self.copy_model(GEMMA)
        self.edit_config(model, final_logit_softcapping=0)
        self.assert_error(cli("run", model, "-p", "hi", "-n", "2"),
                          "field 'final_logit_softcapping' must be a positive number, or null")

    def test_final_logit_softcapping_null_runs(self):
        model = self.copy_model(GEMMA)
        self.edit_config(model, final_logit_softcapping=None)
        rc, _, err = cli("run", model, "-p", "hi", "-n", "2")
        self.assertEqual(rc, 0, err)

    def poison(self, model, value):
        """Writes `value` over the first element of the first F32 tensor."""
        path = os.path.join(model, "model.safetensors")
        with open(path, "r+b") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            header = json.loads(f.read(n))
            name, info = next((k, v) for k, v in sorted(header.items())
                              if k != "__metadata__" and v["dtype"] == "F32")
            f.seek(8 + n + info["data_offsets"][0])
            f.write(struct.pack("<f", value))
        return name

    def test_nan_weight_in_a_checkpoint_run_directly_is_refused(self):
        for value in (float("nan"), float("inf")):
            model = self.copy_model(QWEN, "m%s" % value)
            name = self.poison(model, value)
            self.assert_error(cli("run", model, "-p", "hi", "-n", "2"),
                              "tensor '%s' holds a non-finite value" % name)

    def test_overlapping_data_offsets_are_refused(self):
        model = self.copy_model(QWEN)
        path = os.path.join(model, "model.safetensors")
        with open(path, "rb") as f:
            data = f.read()
        (n,) = struct.unpack("<Q", data[:8])
        header = json.loads(data[8:8 + n])
        names = sorted(k for k in header if k != "__metadata__")
        # Point the second tensor of the same size at the first one's bytes.
        first = header[names[0]]
        twin = next(k for k in names[1:] if header[k]["dtype"] == first["dtype"]
                    and header[k]["shape"] == first["shape"])
        header[twin]["data_offsets"] = list(first["data_offsets"])
        text = json.dumps(header).encode()
        text += b" " * (-len(text) % 8)
        with open(path, "wb") as f:
            f.write(struct.pack("<Q", len(text)) + text + data[8 + n:])
        self.assert_error(cli("run", model, "-p", "hi"), "overlap in data_offsets")


class DamagedModelTest(Scratch):
    """.litertlm files carry a SHA-256 of their contents: `verify` and `pull` check it, loads check
    the structure (sizes and offsets against the file size) and explain a failure."""

    def setUp(self):
        super().setUp()
        self.models = os.path.join(self.dir, "models")
        out = os.path.join(self.models, "local", "q")
        rc, _, err = cli("convert", QWEN, "--output-dir", out, "--skip-validation")
        self.assertEqual(rc, 0, err)
        [name] = os.listdir(out)
        self.file = os.path.join(out, name)

    def store(self, *args):
        env_args = ("--models-dir", self.models)
        return cli(*args, *env_args)

    def test_sound_file_verifies(self):
        rc, out, err = self.store("verify")
        self.assertEqual(rc, 0, err)
        self.assertIn("ok", out)
        self.assertIn(self.file, out)

    def test_flipped_weight_byte_is_found_by_verify_and_pull(self):
        with open(self.file, "r+b") as f:
            f.seek(-5000, os.SEEK_END)
            b = f.read(1)
            f.seek(-1, os.SEEK_CUR)
            f.write(bytes([b[0] ^ 0x40]))
        rc, out, err = self.store("verify")
        self.assertEqual(rc, 1, err)
        self.assertIn("DAMAGED", out)
        self.assertIn("do not match the SHA-256", err)
        self.assertIn("`litert-lm-cli rm local/q`, then `litert-lm-cli pull local/q`", err)
        self.assert_error(self.store("pull", "local/q"), "damaged file")

    def test_truncated_file_is_not_reported_as_already_existing(self):
        os.truncate(self.file, os.path.getsize(self.file) // 2)
        rc, _, err = self.store("pull", "local/q")
        self.assertEqual(rc, 1, err)
        self.assertNotIn("already exists", err)
        self.assertIn("looks damaged", err)
        self.assertIn("litert-lm-cli rm local/q", err)
        self.assert_error(cli("run", self.file, "-p", "hi"), "looks damaged", "rm MODEL")
        self.assert_error(self.store("verify", "local/q"), "looks damaged")

    def test_file_without_checksum_still_loads_and_verifies_structurally(self):
        # A file written before checksums: the same file with the system metadata entry renamed
        # (same length, so every offset stays valid).
        with open(self.file, "r+b") as f:
            head = f.read(16384)
            at = head.index(b"liblitertlm_sections_sha256")
            f.seek(at)
            f.write(b"xxxxxxxxxxxxxxxxxxxxxxxxxxx")
        rc, out, err = self.store("verify")
        self.assertEqual(rc, 0, err)
        self.assertIn("no checksum recorded", out)
        rc, _, err = cli("run", self.file, "-p", "hi", "-n", "2")
        self.assertEqual(rc, 0, err)


class FlagRangeTest(unittest.TestCase):
    """One wording and exit code 1 for every out-of-range numeric flag (was: CLI11's 300-digit
    bound or "Could not convert", exit 2)."""

    CASES = [
        (["run", QWEN, "-p", "hi", "--threads", "-1"], "--threads: must be an integer from 0 to 1024"),
        (["run", QWEN, "-p", "hi", "--threads", "100000"], "--threads: must be an integer from 0 to 1024"),
        (["run", QWEN, "-p", "hi", "-n", "99999999999999999999"],
         "--max-tokens: must be an integer from 0 to 2147483647"),
        (["run", QWEN, "-p", "hi", "--max-context", "3000000000"],
         "--max-context: must be an integer from 0 to 2147483647"),
        (["run", QWEN, "-p", "hi", "--top-k", "1e300"], "--top-k: must be an integer from 0 to"),
        (["bench", QWEN, "--repeats", "0"], "--repeats: must be an integer from 1 to"),
        (["bench", QWEN, "--decode-tokens", "1000000000000"], "--decode-tokens: must be an integer"),
        (["perplexity", QWEN, "--ids", "1", "--threads", "99999999999"], "--threads: must be an integer"),
        (["convert", QWEN, "--kv-cache-max-len", "1e300"], "--kv-cache-max-len: must be an integer from 1 to"),
        (["convert", QWEN, "--prefill-seq-len", "0"], "--prefill-seq-len: must be an integer from 1 to"),
        (["convert", QWEN, "--min-agreement", "5"], "--min-agreement: must be a number from 0 to 1 (got 5)"),
    ]

    def test_out_of_range_flags(self):
        for args, want in self.CASES:
            with self.subTest(args=args[2:] if len(args) > 2 else args):
                rc, _, err = cli(*args)
                self.assertEqual(rc, 1, err)
                self.assertIn(want, err)
                self.assertLess(len(err), 200, "message too long: " + err)

    def test_other_parse_errors_also_exit_1(self):
        rc, _, err = cli("run", QWEN, "--no-such-flag")
        self.assertEqual(rc, 1, err)


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
"""End-to-end: interrupted and repeated work (issue 13 §3) and the small CLI items of §4.

- Ctrl-C (SIGINT) or SIGTERM during `convert` removes the partial "<output>.tmp.<pid>".
- Temporary files of dead processes are swept by the next conversion and by `list` (which does
  not report them as an "incomplete download"); a running conversion is listed as converting.
- A failed conversion leaves no empty directory; `list` hides empty model directories.
- A converted .gguf is reused only while the .gguf is the same file (size, date, digest).
- `list` shows quantization and date; `run --file`; `perplexity --ctx-size` and its progress.
Python standard library only; the interrupted conversion uses a random checkpoint big enough to
take a few seconds (tests/tools/make_random_checkpoint.py, ~200 MB).
"""
import importlib.util
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest

from cli_support import CLI, GOLDEN, TMP, fixture, run_cli

SOURCE = os.environ.get("LITERTLM_SOURCE_DIR",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
QWEN = fixture("qwen3_gqa")
TINY_GGUF = os.path.join(GOLDEN, "gguf", "tiny_gemma3.gguf")
ENV = {"NO_COLOR": "1", "HF_HUB_OFFLINE": "1"}


def dead_pid():
    """The pid of a process that has exited and been reaped."""
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def make_slow_checkpoint(out_dir):
    """A Qwen3 checkpoint (~100M random bf16 parameters) with the qwen3_gqa tokenizer: converting
    it takes seconds, long enough to interrupt."""
    spec = importlib.util.spec_from_file_location(
        "make_random_checkpoint", os.path.join(SOURCE, "tests", "tools", "make_random_checkpoint.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    cfg = dict(mod.QWEN3_0_6B, hidden_size=1024, intermediate_size=3072, num_hidden_layers=8,
               num_attention_heads=16, num_key_value_heads=8, head_dim=64, vocab_size=384,
               bos_token_id=358, eos_token_id=360, tie_word_embeddings=False)
    mod.ARCHS["interrupt-test"] = cfg
    mod.write_checkpoint("interrupt-test", out_dir, "bf16", 0)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(QWEN, name), out_dir)


def make_chat_gguf(src, dst):
    """tiny_gemma3.gguf with its last two pieces renamed to Gemma's chat tokens (control type)."""
    with open(src, "rb") as f:
        data = f.read()
    pos = 0
    def take(fmt):
        nonlocal pos
        v = struct.unpack_from(fmt, data, pos)[0]
        pos += struct.calcsize(fmt)
        return v
    def take_str():
        nonlocal pos
        n = take("<Q")
        s = data[pos:pos + n]
        pos += n
        return s
    scalar = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q",
              11: "<q", 12: "<d"}
    def take_val(t):
        if t in scalar:
            return take(scalar[t])
        if t == 8:
            return take_str()
        et, n = take("<I"), take("<Q")
        return (et, [take_val(et) for _ in range(n)])
    def put_val(t, v):
        if t in scalar:
            return struct.pack(scalar[t], v)
        if t == 8:
            return struct.pack("<Q", len(v)) + v
        et, items = v
        return struct.pack("<IQ", et, len(items)) + b"".join(put_val(et, x) for x in items)
    assert data[:4] == b"GGUF"
    pos = 4
    version, n_tensors, n_kv = take("<I"), take("<Q"), take("<Q")
    out = [struct.pack("<4sIQQ", b"GGUF", version, n_tensors, n_kv)]
    for _ in range(n_kv):
        key, t = take_str(), take("<I")
        v = take_val(t)
        if key == b"tokenizer.ggml.tokens":
            v[1][-2:] = [b"<start_of_turn>", b"<end_of_turn>"]
        if key == b"tokenizer.ggml.token_type":
            v[1][-2:] = [3, 3]
        out.append(struct.pack("<Q", len(key)) + key + struct.pack("<I", t) + put_val(t, v))
    infos_begin = pos
    for _ in range(n_tensors):
        take_str()
        dims = take("<I")
        pos += 8 * dims + 4 + 8
    out.append(data[infos_begin:pos])
    data_begin = -(-pos // 32) * 32
    head = b"".join(out)
    head += b"\0" * (-len(head) % 32)
    with open(dst, "wb") as f:
        f.write(head + data[data_begin:])


class InterruptedWorkTest(unittest.TestCase):
    slow_ckpt = None

    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(dir=TMP, prefix="interrupted_e2e_")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root, ignore_errors=True)

    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=self.root)
        self.models = os.path.join(self.dir, "models")

    def cli(self, *args):
        return run_cli(*args, env=ENV)

    def slow_checkpoint(self):
        if InterruptedWorkTest.slow_ckpt is None:
            path = os.path.join(self.root, "slow_ckpt")
            make_slow_checkpoint(path)
            InterruptedWorkTest.slow_ckpt = path
        return InterruptedWorkTest.slow_ckpt

    # ---- signals ----
    def interrupt_conversion(self, sig):
        out = os.path.join(self.dir, "out")
        proc = subprocess.Popen([CLI, "convert", self.slow_checkpoint(), "--output-dir", out,
                                 "--models-dir", self.models, "--offline", "--threads", "1"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=dict(os.environ, **ENV))
        tmp = os.path.join(out, "slow_ckpt.litertlm.tmp.%d" % proc.pid)
        deadline = time.time() + 300
        while time.time() < deadline and proc.poll() is None:
            if os.path.exists(tmp) and os.path.getsize(tmp) > (1 << 20):
                break
            time.sleep(0.01)
        self.assertIsNone(proc.poll(), "conversion ended before it could be interrupted")
        self.assertTrue(os.path.exists(tmp))
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, -sig, err.decode())
        self.assertFalse(os.path.exists(tmp), "partial output left behind")
        self.assertIn("conversion interrupted: partial output removed", err.decode())
        self.assertFalse(os.path.exists(os.path.join(out, "slow_ckpt.litertlm")))
        self.assertFalse(os.path.exists(out), "the output directory it created is left behind")

    def test_sigint_during_convert_removes_the_partial_output(self):
        self.interrupt_conversion(signal.SIGINT)

    def test_sigterm_during_convert_removes_the_partial_output(self):
        self.interrupt_conversion(signal.SIGTERM)

    # ---- leftovers of dead processes ----
    def test_next_conversion_sweeps_leftovers_of_dead_processes(self):
        out = os.path.join(self.dir, "out")
        os.makedirs(out)
        dead = os.path.join(out, "qwen3_gqa.litertlm.tmp.%d" % dead_pid())
        live = os.path.join(out, "qwen3_gqa.litertlm.tmp.%d" % os.getpid())
        for path in (dead, live):
            with open(path, "wb") as f:
                f.write(b"\0" * 4096)
        r = self.cli("convert", QWEN, "--output-dir", out, "--models-dir", self.models,
                     "--offline", "--skip-validation")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(dead))
        self.assertTrue(os.path.exists(live))  # its process is alive: not ours to remove

    def test_list_sweeps_dead_leftovers_and_shows_running_conversions(self):
        stale = os.path.join(self.models, "local", "stale")
        running = os.path.join(self.models, "local", "running")
        empty = os.path.join(self.models, "local", "empty")
        for d in (stale, running, empty):
            os.makedirs(d)
        stale_tmp = os.path.join(stale, "stale.litertlm.tmp.%d" % dead_pid())
        with open(stale_tmp, "wb") as f:
            f.write(b"\0" * 100000)
        with open(os.path.join(running, "running.litertlm.tmp.%d" % os.getpid()), "wb") as f:
            f.write(b"\0" * 100000)
        r = self.cli("list", "--models-dir", self.models)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("incomplete", r.stdout)
        rows = {l.split()[0]: l for l in r.stdout.splitlines()[1:]}
        self.assertEqual(sorted(rows), ["local/running"], r.stdout)
        self.assertIn("(converting)", rows["local/running"])
        self.assertFalse(os.path.exists(stale_tmp))

    # ---- failed conversions ----
    def test_failed_conversion_leaves_no_directory(self):
        ckpt = os.path.join(self.dir, "nan_ckpt")
        shutil.copytree(QWEN, ckpt)
        path = os.path.join(ckpt, "model.safetensors")
        with open(path, "r+b") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            header = json.loads(f.read(n))
            name = sorted(k for k in header if k.startswith("model.layers.2."))[-1]
            f.seek(8 + n + header[name]["data_offsets"][0])
            f.write(struct.pack("<f", float("nan")))
        out = os.path.join(self.dir, "new", "deeper")
        r = self.cli("convert", ckpt, "--output-dir", out, "--models-dir", self.models,
                     "--offline")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(name, r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "new")), r.stderr)

    # ---- the .gguf conversion cache ----
    def test_gguf_conversion_is_redone_when_the_file_changes(self):
        good = os.path.join(self.dir, "good.gguf")
        make_chat_gguf(TINY_GGUF, good)
        gguf = os.path.join(self.dir, "model.gguf")
        shutil.copy(good, gguf)
        args = ["run", gguf, "--prompt", "hi", "-n", "2", "--no-chat-template", "--models-dir",
                self.models, "--offline"]
        first = self.cli(*args)
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertIn("Converting", first.stderr)
        again = self.cli(*args)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertNotIn("Converting", again.stderr)
        self.assertIn("already exists", again.stderr)
        # Same name, truncated: must not run the old conversion.
        with open(good, "rb") as f:
            data = f.read()
        with open(gguf, "wb") as f:
            f.write(data[:len(data) // 2])
        truncated = self.cli(*args)
        self.assertNotEqual(truncated.returncode, 0, truncated.stderr)
        self.assertIn("changed since", truncated.stderr)
        self.assertNotIn("already exists", truncated.stderr)
        # The original bytes again (a new date): converted again, then reused.
        shutil.copy(good, gguf)
        redone = self.cli(*args)
        self.assertEqual(redone.returncode, 0, redone.stderr)
        self.assertIn("changed since", redone.stderr)
        self.assertIn("converted", redone.stderr)
        self.assertIn("already exists", self.cli(*args).stderr)

    # ---- list columns ----
    def test_list_shows_quantization_and_date(self):
        out = os.path.join(self.models, "local", "qwen3_gqa")
        r = self.cli("convert", QWEN, "--quantize", "int8", "--output-dir", out, "--models-dir",
                     self.models, "--offline", "--skip-validation")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.cli("list", "--models-dir", self.models)
        self.assertEqual(r.returncode, 0, r.stderr)
        header, row = r.stdout.splitlines()[:2]
        self.assertEqual(header.split(), ["MODEL", "QUANTIZATION", "SIZE", "MODIFIED", "FILES"])
        self.assertTrue(row.startswith("local/qwen3_gqa "), row)
        self.assertEqual(row.split()[1], "int8")
        today = time.strftime("%Y-%m-%d")
        self.assertRegex(row, r" %s \d\d:\d\d " % today)

    # ---- run --file ----
    def test_run_file_is_one_prompt(self):
        text = "The first line of the prompt.\nThe second line.\n\nAfter an empty line."
        path = os.path.join(self.dir, "prompt.txt")
        with open(path, "w") as f:
            f.write(text)
        base = ["run", QWEN, "--json", "-n", "4", "--temperature", "0", "--offline"]
        from_file = self.cli(*base, "--file", path)
        self.assertEqual(from_file.returncode, 0, from_file.stderr)
        from_flag = self.cli(*base, "--prompt", text)
        self.assertEqual(from_flag.returncode, 0, from_flag.stderr)
        self.assertEqual(len(from_file.stdout.strip().splitlines()), 1)  # one answer, one turn
        a, b = json.loads(from_file.stdout), json.loads(from_flag.stdout)
        self.assertEqual(a["text"], b["text"])
        self.assertEqual(a["prompt_tokens"], b["prompt_tokens"])
        missing = self.cli(*base, "--file", os.path.join(self.dir, "nope.txt"))
        self.assertEqual(missing.returncode, 1)
        self.assertIn("--file", missing.stderr)
        self.assertIn("nope.txt", missing.stderr)
        both = self.cli(*base, "--file", path, "--prompt", "x")
        self.assertNotEqual(both.returncode, 0)

    # ---- perplexity --ctx-size and progress ----
    def test_perplexity_windows_and_progress(self):
        path = os.path.join(self.dir, "text.txt")
        with open(path, "w") as f:
            f.write("The quick brown fox jumps over the lazy dog. " * 40)
        whole = self.cli("perplexity", QWEN, "--file", path, "--json")
        self.assertEqual(whole.returncode, 0, whole.stderr)
        w = json.loads(whole.stdout)
        self.assertEqual(w["windows"], 1)
        self.assertNotIn("\r", whole.stderr)
        progress = [l for l in whole.stderr.splitlines() if l.startswith("perplexity: ")]
        self.assertGreaterEqual(len(progress), 1, whole.stderr)
        self.assertRegex(progress[-1], r"perplexity: (\d+)/\1 tokens \(100 %\), running ppl")
        windowed = self.cli("perplexity", QWEN, "--file", path, "--json", "--ctx-size", "64")
        self.assertEqual(windowed.returncode, 0, windowed.stderr)
        v = json.loads(windowed.stdout)
        n = w["tokens"]
        sizes = [min(64, n - b) for b in range(0, n - 1, 64)]  # a 1-token tail scores nothing
        self.assertEqual(v["windows"], len(sizes))
        self.assertEqual(len(v["nll"]), sum(s - 1 for s in sizes))
        self.assertNotEqual(v["perplexity"], w["perplexity"])
        bad = self.cli("perplexity", QWEN, "--file", path, "--ctx-size", "1")
        self.assertEqual(bad.returncode, 1)
        self.assertIn("--ctx-size", bad.stderr)


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
"""End-to-end tests of `litert-lm-cli pull/list/rm` against the fake Hub (tests/tools/fake_hub.py).

Python stdlib only. Needs LITERTLM_CLI (the CLI binary) and LITERTLM_SOURCE_DIR; uses
LITERTLM_TEST_TMPDIR for scratch space. Every server listens on 127.0.0.1 and stops by itself.
Every CLI run is checked for the absence of every token the tests use.
"""

import hashlib
import json
import os
import pty
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import unittest
import urllib.request

CLI = os.environ.get("LITERTLM_CLI", "")
SOURCE = os.environ.get("LITERTLM_SOURCE_DIR",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FAKE_HUB = os.path.join(SOURCE, "tests", "tools", "fake_hub.py")

GOOD_TOKEN = "hf_goodTOKEN1234567890abcdef"        # approved for the gated repositories
UNAPPROVED_TOKEN = "hf_valid_but_not_approved_777"  # valid, licence not accepted → 403
INVALID_TOKEN = "hf_revoked_token_000000"           # → 401 invalid credentials
ORDER_TOKENS = {"env": "hf_order_from_env_111", "cwd": "hf_order_from_cwd_222",
                "parent": "hf_order_from_parent_333", "file": "hf_order_from_file_444",
                "hf_home": "hf_order_from_hf_home_555"}
ALL_TOKENS = [GOOD_TOKEN, UNAPPROVED_TOKEN, INVALID_TOKEN] + list(ORDER_TOKENS.values())

SUPPORTED = ["litert-community/Qwen3-0.6B", "litert-community/gemma-3-270m-it", "Qwen/Qwen3-0.6B",
             "Qwen/Qwen3-1.7B", "Qwen/Qwen3-4B", "google/gemma-3-270m", "google/gemma-3-270m-it",
             "google/gemma-3-1b"]


def deterministic_bytes(seed, size):
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def golden_model(name, files):
    """{file: bytes} of a committed fixture checkpoint (tests/golden/models/NAME)."""
    golden = os.environ.get("LITERTLM_GOLDEN_DIR",
                            os.path.join(os.path.dirname(__file__), "..", "golden"))
    out = {}
    for f in files:
        with open(os.path.join(golden, "models", name, f), "rb") as fh:
            out[f] = fh.read()
    return out


def litertlm_bytes(seed, size):
    """A structurally sound .litertlm of `size` bytes without a checksum (like the files Google's
    tools write): the committed pre-checksum sample, then deterministic filler. `pull` checks an
    installed file before calling it present, so the served files must be real ones."""
    golden = os.environ.get("LITERTLM_GOLDEN_DIR",
                            os.path.join(os.path.dirname(__file__), "..", "golden"))
    with open(os.path.join(golden, "format", "sample_weights_v1.litertlm"), "rb") as f:
        head = f.read()
    return head + deterministic_bytes(seed, size - len(head))


def make_repos(root):
    """Small fixture repositories; returns {repo: {file: bytes}} of what is served."""
    repos = {
        "litert-community/Qwen3-0.6B": {
            "Qwen3-0.6B.litertlm": litertlm_bytes("qwen-litertlm", 1_000_000),
            "Qwen3-0.6B_web.litertlm": deterministic_bytes("qwen-web", 20_000),
            "README.md": b"# Qwen3 0.6B\n",
        },
        "litert-community/gemma-3-270m-it": {
            "gemma3-270m-it-q8.litertlm": litertlm_bytes("gemma-litertlm", 200_000),
            "README.md": b"# gemma\n",
        },
        "Qwen/Qwen3-0.6B": {  # a real (tiny) checkpoint: `pull` converts it
            **golden_model("qwen3_gqa", ["config.json", "generation_config.json",
                                         "model.safetensors", "tokenizer.json",
                                         "tokenizer_config.json"]),
            "README.md": b"# readme, not downloaded\n",
            "onnx/model.onnx": deterministic_bytes("onnx", 5_000),
        },
        "Qwen/Qwen3-1.7B": {
            "config.json": json.dumps({"model_type": "qwen3"}).encode(),
            "model.safetensors.index.json": b'{"weight_map": {}}',
            "model-00001-of-00002.safetensors": deterministic_bytes("s1", 40_000),
            "model-00002-of-00002.safetensors": deterministic_bytes("s2", 30_000),
            "tokenizer.json": b"{}",
        },
        "Qwen/Qwen3-4B": {  # one listed file is missing on the server → 404 EntryNotFound
            "config.json": json.dumps({"model_type": "qwen3"}).encode(),
            "model-00001-of-00002.safetensors": deterministic_bytes("q4", 20_000),
            "tokenizer.json": b"{}",
        },
        "google/gemma-3-270m": golden_model("gemma3_sliding", [
            "config.json", "model.safetensors", "tokenizer.model", "tokenizer_config.json"]),
        "google/gemma-3-4b-it": {  # multimodal: not convertible
            "config.json": json.dumps({"model_type": "gemma3"}).encode(),
            "model.safetensors": deterministic_bytes("gemma4b", 50_000),
            "tokenizer.model": b"spm",
        },
        "litert-community/evil": {
            "evil.litertlm": b"x" * 100,
        },
    }
    for repo, files in repos.items():
        for name, data in files.items():
            write(os.path.join(root, repo, name), data)
    for gated in ("litert-community/gemma-3-270m-it", "google/gemma-3-270m"):
        write(os.path.join(root, gated, "_gated"), b"")
    write(os.path.join(root, "Qwen/Qwen3-4B/_siblings_extra.json"),
          json.dumps(["model-00002-of-00002.safetensors"]))
    write(os.path.join(root, "Qwen/Qwen3-0.6B-old-name/_renamed_to"), "Qwen/Qwen3-0.6B")
    write(os.path.join(root, "litert-community/evil/_siblings_extra.json"),
          json.dumps(["../../../escaped.litertlm"]))
    return repos


class FakeHub:
    def __init__(self, root):
        self.proc = subprocess.Popen(
            [sys.executable, FAKE_HUB, "--root", root, "--token", GOOD_TOKEN,
             "--token", ORDER_TOKENS["env"], "--invalid-token", INVALID_TOKEN,
             "--lifetime", "600"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        fields = dict(kv.split("=") for kv in line.split()[1:])
        self.port = int(fields["hub"])
        self.cdn_port = int(fields["cdn"])
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def get(self, path):
        with urllib.request.urlopen(self.endpoint + path, timeout=10) as r:
            return r.read()

    def log(self):
        return json.loads(self.get("/_log"))

    def reset(self):
        self.get("/_reset")

    def control(self, query):
        self.get("/_control?" + query)

    def stop(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class HubTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not CLI or not os.path.exists(CLI):
            raise RuntimeError("LITERTLM_CLI must point at the litert-lm-cli binary")
        base = os.environ.get("LITERTLM_TEST_TMPDIR") or tempfile.gettempdir()
        os.makedirs(base, exist_ok=True)
        cls.tmp = tempfile.mkdtemp(prefix="hub_e2e_", dir=base)
        cls.repo_root = os.path.join(cls.tmp, "hub")
        cls.repos = make_repos(cls.repo_root)
        cls.hub = FakeHub(cls.repo_root)

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.hub.reset()
        self.work = tempfile.mkdtemp(prefix=self._testMethodName + "_", dir=self.tmp)
        self.models = os.path.join(self.work, "models")
        self.home = os.path.join(self.work, "home")  # no token files unless a test writes them
        os.makedirs(self.home)

    # ---- helpers ----
    def env(self, **extra):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("HF_", "HUGGING", "LITERTLM_MODELS", "XDG_", "TRANSFORMERS"))}
        env.update({"HF_ENDPOINT": self.hub.endpoint, "HOME": self.home,
                    "HF_HUB_DOWNLOAD_TIMEOUT": "5", "HF_HUB_ETAG_TIMEOUT": "5"})
        env.pop("NO_COLOR", None)
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        return env

    def cli(self, *args, env=None, cwd=None, models_dir=True, preexec_fn=None):
        argv = [CLI] + list(args)
        if models_dir:
            argv += ["--models-dir", self.models]
        p = subprocess.run(argv, capture_output=True, text=True, env=env or self.env(),
                           cwd=cwd or self.work, timeout=120, preexec_fn=preexec_fn)
        for token in ALL_TOKENS:  # the token is never printed, whatever happened
            self.assertNotIn(token, p.stdout + p.stderr, f"token leaked by {args}")
        return p

    def served(self, repo, name):
        return self.repos[repo][name]

    def assert_no_partials(self, root=None):
        for base, _, names in os.walk(root or self.models):
            for n in names:
                self.assertFalse(n.endswith((".incomplete", ".tmp")) or ".tmp." in n,
                                 f"leftover {os.path.join(base, n)}")

    def resolve_requests(self):
        return [r for r in self.hub.log() if r["server"] == "hub" and "/resolve/" in r["path"]]

    # ---- pre-converted downloads ----
    def test_pull_preconverted_downloads_the_litertlm_via_cdn(self):
        p = self.cli("pull", "litert-community/Qwen3-0.6B")
        self.assertEqual(p.returncode, 0, p.stderr)
        path = os.path.join(self.models, "litert-community", "Qwen3-0.6B", "Qwen3-0.6B.litertlm")
        with open(path, "rb") as f:
            self.assertEqual(f.read(), self.served("litert-community/Qwen3-0.6B",
                                                   "Qwen3-0.6B.litertlm"))
        self.assertEqual(os.listdir(os.path.dirname(path)), ["Qwen3-0.6B.litertlm"])
        self.assertIn(f"Downloading model from {self.hub.endpoint}/litert-community/Qwen3-0.6B/",
                      p.stderr)
        self.assertIn("Model downloaded successfully", p.stderr)
        self.assertEqual(p.stdout, "")
        log = self.hub.log()
        self.assertTrue(any(r["path"].startswith("/api/models/litert-community/Qwen3-0.6B")
                            for r in log))
        cdn = [r for r in log if r["server"] == "cdn"]
        self.assertEqual(len(cdn), 1, log)
        self.assert_no_partials()

    def test_endpoint_with_trailing_slash(self):
        p = self.cli("pull", "litert-community/Qwen3-0.6B",
                     env=self.env(HF_ENDPOINT=self.hub.endpoint + "/"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse([r for r in self.hub.log() if r["path"].startswith("//")])
        p = self.cli("pull", "Qwen/Qwen3-1.7B", env=self.env(HF_ENDPOINT="ftp://example"))
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("HF_ENDPOINT must start with http:// or https://", p.stderr)

    def test_second_pull_uses_the_local_copy_without_network(self):
        self.assertEqual(self.cli("pull", "litert-community/Qwen3-0.6B").returncode, 0)
        self.hub.reset()
        p = self.cli("pull", "litert-community/Qwen3-0.6B")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("already exists", p.stderr)
        self.assertEqual(self.hub.log(), [])

    def test_progress_is_quiet_lines_when_not_a_tty(self):
        p = self.cli("pull", "litert-community/Qwen3-0.6B")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("\r", p.stderr)
        self.assertNotIn("\033", p.stderr)
        self.assertIn("downloaded Qwen3-0.6B.litertlm (1.0 MB", p.stderr)

    def run_on_tty(self, args, env):
        """Runs the CLI with stderr on a pseudo-terminal; returns (exit code, stderr text)."""
        master, slave = pty.openpty()
        proc = subprocess.Popen([CLI] + args + ["--models-dir", self.models], env=env,
                                cwd=self.work, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=slave)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO once the child has exited
                break
            if not data:
                break
            chunks.append(data)
        os.close(master)
        code = proc.wait(timeout=60)
        text = b"".join(chunks).decode("utf-8", "replace")
        for token in ALL_TOKENS:
            self.assertNotIn(token, text)
        return code, text

    def test_progress_bar_on_a_tty_and_plain_with_no_color(self):
        code, text = self.run_on_tty(["pull", "litert-community/Qwen3-0.6B"], self.env())
        self.assertEqual(code, 0, text)
        self.assertIn("Qwen3-0.6B.litertlm 100% \u2595", text)
        self.assertIn("1.0 MB/1.0 MB", text)
        self.assertIn("\033[K", text)
        shutil.rmtree(self.models)
        code, text = self.run_on_tty(["pull", "litert-community/Qwen3-0.6B"],
                                     self.env(NO_COLOR="1"))
        self.assertEqual(code, 0, text)
        self.assertNotIn("\033", text)
        self.assertNotIn("\u2595", text)
        self.assertIn("downloaded Qwen3-0.6B.litertlm (1.0 MB", text)

    # ---- checkpoints ----
    def test_pull_checkpoint_downloads_only_checkpoint_files(self):
        p = self.cli("pull", "Qwen/Qwen3-0.6B")
        self.assertEqual(p.returncode, 0, p.stderr)
        ckpt = os.path.join(self.models, "Qwen", "Qwen3-0.6B", "checkpoint")
        wanted = ["config.json", "generation_config.json", "model.safetensors", "tokenizer.json",
                  "tokenizer_config.json"]
        for name in wanted:
            with open(os.path.join(ckpt, name), "rb") as f:
                self.assertEqual(f.read(), self.served("Qwen/Qwen3-0.6B", name), name)
        present = sorted(n for n in os.listdir(ckpt) if not n.startswith("."))
        self.assertEqual(present, sorted(wanted))  # no README.md, no onnx/
        # pull converts the checkpoint (converter; validation table and the output path).
        out = os.path.join(self.models, "Qwen", "Qwen3-0.6B", "Qwen3-0.6B.litertlm")
        self.assertIn("\u2713 Model successfully converted!", p.stderr)
        self.assertIn("top-1 agreement", p.stderr)
        self.assertIn(out, p.stderr)
        self.assertTrue(os.path.isfile(out))
        self.assert_no_partials()

    def test_pull_sharded_checkpoint(self):
        p = self.cli("pull", "Qwen/Qwen3-1.7B")
        # The served shards are random bytes: the download succeeds, the conversion fails
        # cleanly (one error, no .litertlm left behind).
        self.assertNotEqual(p.returncode, 0, p.stderr)
        self.assertIn("Converting Qwen/Qwen3-1.7B", p.stderr)
        self.assertFalse(os.path.exists(
            os.path.join(self.models, "Qwen", "Qwen3-1.7B", "Qwen3-1.7B.litertlm")))
        ckpt = os.path.join(self.models, "Qwen", "Qwen3-1.7B", "checkpoint")
        for name in ("model.safetensors.index.json", "model-00001-of-00002.safetensors",
                     "model-00002-of-00002.safetensors", "config.json", "tokenizer.json"):
            with open(os.path.join(ckpt, name), "rb") as f:
                self.assertEqual(f.read(), self.served("Qwen/Qwen3-1.7B", name), name)

    def test_checkpoint_with_unsupported_model_type_is_refused_and_cleaned(self):
        p = self.cli("pull", "google/gemma-3-4b-it")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("model_type 'gemma3'", p.stderr)
        self.assertIn("Supported models:", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.models, "google", "gemma-3-4b-it")))
        self.assertFalse([r for r in self.hub.log() if "model.safetensors" in r["path"]])

    def test_renamed_repository_is_followed_on_the_hub_only(self):
        p = self.cli("pull", "Qwen/Qwen3-0.6B-old-name")
        self.assertEqual(p.returncode, 0, p.stderr)
        ckpt = os.path.join(self.models, "Qwen", "Qwen3-0.6B-old-name", "checkpoint")
        with open(os.path.join(ckpt, "model.safetensors"), "rb") as f:
            self.assertEqual(f.read(), self.served("Qwen/Qwen3-0.6B", "model.safetensors"))
        paths = [r["path"] for r in self.hub.log() if r["server"] == "hub"]
        self.assertTrue(any(p.startswith("/api/models/Qwen/Qwen3-0.6B/") for p in paths), paths)

    def test_hub_overload_is_retried_then_reported(self):
        self.hub.control("api_503=1")
        p = self.cli("pull", "litert-community/Qwen3-0.6B")
        self.assertEqual(p.returncode, 0, p.stderr)
        api = [r for r in self.hub.log() if r["path"].startswith("/api/")]
        self.assertEqual(len(api), 2)
        shutil.rmtree(self.models)
        self.hub.control("api_503=3")
        p = self.cli("pull", "litert-community/Qwen3-0.6B")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(f"{self.hub.endpoint} answered 503 for litert-community/Qwen3-0.6B",
                      p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.models, "litert-community")))

    # ---- names ----
    def test_unsupported_name_lists_supported_models_without_network(self):
        for name in ("meta-llama/Llama-3.2-1B", "qwen3"):
            p = self.cli("pull", name)
            self.assertNotEqual(p.returncode, 0)
            for m in SUPPORTED:
                self.assertIn(m, p.stderr)
        self.assertEqual(self.hub.log(), [])

    def test_bad_names_are_rejected_without_network(self):
        for name in ("Qwen/../../etc", "Qwen/Qwen3\x01", "a/b/c"):
            p = self.cli("pull", name)
            self.assertNotEqual(p.returncode, 0, name)
        self.assertEqual(self.hub.log(), [])

    def test_hostile_file_name_from_the_hub_is_refused(self):
        p = self.cli("pull", "litert-community/evil")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("refusing file name '../../../escaped.litertlm'", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 3, p.stderr)  # 2 steps + error
        for base, _, names in os.walk(self.work):
            self.assertNotIn("escaped.litertlm", names)
        self.assertFalse(self.resolve_requests())

    # ---- errors ----
    def test_gated_without_token_says_how_to_set_hf_token(self):
        p = self.cli("pull", "google/gemma-3-270m")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("Unauthorized (401)", p.stderr)
        self.assertIn("export HF_TOKEN=", p.stderr)
        self.assertIn("https://huggingface.co/settings/tokens", p.stderr)
        self.assertIn(f"{self.hub.endpoint}/google/gemma-3-270m", p.stderr)
        self.assert_no_partials()

    def test_gated_with_unapproved_token_shows_the_four_license_steps(self):
        p = self.cli("pull", "litert-community/gemma-3-270m-it",
                     env=self.env(HF_TOKEN=UNAPPROVED_TOKEN))
        self.assertNotEqual(p.returncode, 0)
        url = f"{self.hub.endpoint}/litert-community/gemma-3-270m-it"
        expected = [
            "litert-lm-cli: error: Cannot access gated model litert-community/gemma-3-270m-it (403).",
            "This model requires accepting a license agreement.",
            "Please:",
            f"  1. Visit: {url}",
            "  2. Click 'Agree and access repository'",
            "  3. Wait a few minutes for access to be granted",
            "  4. Try again",
        ]
        lines = p.stderr.splitlines()
        self.assertEqual(lines[-len(expected):], expected, p.stderr)

    def test_gated_with_invalid_token_names_its_source(self):
        p = self.cli("pull", "google/gemma-3-270m", env=self.env(HF_TOKEN=INVALID_TOKEN))
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("Unauthorized (401)", p.stderr)
        self.assertIn("the HF_TOKEN environment variable was rejected", p.stderr)

    def test_gated_with_token_downloads_and_cdn_gets_no_token(self):
        p = self.cli("pull", "google/gemma-3-270m", env=self.env(HF_TOKEN=GOOD_TOKEN))
        self.assertEqual(p.returncode, 0, p.stderr)
        ckpt = os.path.join(self.models, "google", "gemma-3-270m", "checkpoint")
        for name in ("config.json", "model.safetensors", "tokenizer.model",
                     "tokenizer_config.json"):
            with open(os.path.join(ckpt, name), "rb") as f:
                self.assertEqual(f.read(), self.served("google/gemma-3-270m", name))
        log = self.hub.log()
        hub_side = [r for r in log if r["server"] == "hub"]
        cdn_side = [r for r in log if r["server"] == "cdn"]
        self.assertTrue(hub_side and cdn_side)
        for r in hub_side:
            self.assertEqual(r["authorization"], "Bearer " + GOOD_TOKEN, r)
        for r in cdn_side:
            self.assertIsNone(r["authorization"], r)

    def test_repo_not_found(self):
        p = self.cli("pull", "litert-community/does-not-exist")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("model not found: litert-community/does-not-exist", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.models, "litert-community",
                                                     "does-not-exist")))

    def test_file_not_found(self):
        p = self.cli("pull", "Qwen/Qwen3-4B")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("file not found: model-00002-of-00002.safetensors in Qwen/Qwen3-4B",
                      p.stderr)
        ckpt = os.path.join(self.models, "Qwen", "Qwen3-4B", "checkpoint")
        self.assertFalse(os.path.exists(os.path.join(ckpt, ".download-complete")))
        self.assert_no_partials()

    def test_network_down_is_one_line(self):
        env = self.env(HF_ENDPOINT=f"http://127.0.0.1:{closed_port()}")
        p = self.cli("pull", "litert-community/Qwen3-0.6B", env=env)
        self.assertNotEqual(p.returncode, 0)
        errors = [l for l in p.stderr.splitlines() if l.startswith("litert-lm-cli: error:")]
        self.assertEqual(len(errors), 1, p.stderr)
        self.assertIn("cannot reach http://127.0.0.1:", errors[0])
        self.assertEqual(p.stderr.splitlines()[-1], errors[0])
        self.assertFalse(os.path.exists(os.path.join(self.models, "litert-community")))

    def test_disk_full_leaves_nothing_half_written(self):
        def limit_file_size():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, 300_000))

        p = self.cli("pull", "litert-community/Qwen3-0.6B", preexec_fn=limit_file_size)
        self.assertNotEqual(p.returncode, 0)
        errors = [l for l in p.stderr.splitlines() if l.startswith("litert-lm-cli: error:")]
        self.assertEqual(len(errors), 1, p.stderr)
        self.assertIn("disk full", errors[0])
        d = os.path.join(self.models, "litert-community", "Qwen3-0.6B")
        self.assertFalse(os.path.exists(d))  # nor the directories made for it

    # ---- integrity and resume ----
    def test_corrupt_bytes_fail_the_checksum_and_are_deleted(self):
        self.hub.control("corrupt=1")
        p = self.cli("pull", "litert-community/Qwen3-0.6B")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("checksum mismatch for litert-community/Qwen3-0.6B/Qwen3-0.6B.litertlm",
                      p.stderr)
        sha = hashlib.sha256(self.served("litert-community/Qwen3-0.6B",
                                         "Qwen3-0.6B.litertlm")).hexdigest()
        self.assertIn(f"expected sha256 {sha}", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.models, "litert-community")))
        p = self.cli("pull", "litert-community/Qwen3-0.6B")  # the next try works
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_corrupt_small_file_fails_the_git_blob_check(self):
        self.hub.control("corrupt=1")  # config.json is the first file fetched
        p = self.cli("pull", "Qwen/Qwen3-0.6B")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("checksum mismatch for Qwen/Qwen3-0.6B/config.json: expected git blob sha1",
                      p.stderr)
        self.assert_no_partials()

    def test_interrupted_transfer_resumes_within_one_run(self):
        self.hub.control("cut_after=250000&cut_times=1")
        p = self.cli("pull", "litert-community/Qwen3-0.6B")
        self.assertEqual(p.returncode, 0, p.stderr)
        ranges = [r["range"] for r in self.hub.log() if r["server"] == "cdn"]
        self.assertEqual(ranges, [None, "bytes=250000-"])
        path = os.path.join(self.models, "litert-community", "Qwen3-0.6B", "Qwen3-0.6B.litertlm")
        with open(path, "rb") as f:
            self.assertEqual(f.read(), self.served("litert-community/Qwen3-0.6B",
                                                   "Qwen3-0.6B.litertlm"))
        self.assert_no_partials()

    def test_interrupted_transfer_resumes_on_the_next_run(self):
        self.hub.control("cut_after=100000&cut_times=3")  # all 3 attempts of the first run
        p = self.cli("pull", "litert-community/Qwen3-0.6B")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("interrupted after 300000 of 1000000 bytes", p.stderr)
        self.assertIn("run the same command again to resume", p.stderr)
        d = os.path.join(self.models, "litert-community", "Qwen3-0.6B")
        self.assertEqual(os.path.getsize(os.path.join(d, "Qwen3-0.6B.litertlm.incomplete")),
                         300000)
        self.assertFalse(os.path.exists(os.path.join(d, "Qwen3-0.6B.litertlm")))
        self.hub.reset()
        p = self.cli("pull", "litert-community/Qwen3-0.6B")
        self.assertEqual(p.returncode, 0, p.stderr)
        ranges = [r["range"] for r in self.hub.log() if r["server"] == "cdn"]
        self.assertEqual(ranges, ["bytes=300000-"])
        with open(os.path.join(d, "Qwen3-0.6B.litertlm"), "rb") as f:
            self.assertEqual(f.read(), self.served("litert-community/Qwen3-0.6B",
                                                   "Qwen3-0.6B.litertlm"))
        self.assertEqual(os.listdir(d), ["Qwen3-0.6B.litertlm"])

    def test_corrupt_partial_from_an_earlier_run_is_caught(self):
        d = os.path.join(self.models, "litert-community", "Qwen3-0.6B")
        write(os.path.join(d, "Qwen3-0.6B.litertlm.incomplete"), b"\0" * 5000)
        p = self.cli("pull", "litert-community/Qwen3-0.6B")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("checksum mismatch", p.stderr)
        self.assertEqual(os.listdir(d), [])

    # ---- tokens ----
    def test_token_lookup_order(self):
        cwd = os.path.join(self.work, "project", "sub")
        os.makedirs(cwd)
        token_file = os.path.join(self.work, "hf_token_file")
        hf_home = os.path.join(self.work, "hf_home")
        write(os.path.join(cwd, "HF_TOKEN"), ORDER_TOKENS["cwd"] + "\n")
        write(os.path.join(self.work, "project", "HF_TOKEN"), "  " + ORDER_TOKENS["parent"] + "\r\n")
        write(token_file, ORDER_TOKENS["file"])
        write(os.path.join(hf_home, "token"), ORDER_TOKENS["hf_home"])

        def token_seen(env):
            self.hub.reset()
            shutil.rmtree(self.models, ignore_errors=True)
            p = self.cli("pull", "litert-community/Qwen3-0.6B", env=env, cwd=cwd)
            self.assertEqual(p.returncode, 0, p.stderr)
            auths = {r["authorization"] for r in self.hub.log() if r["server"] == "hub"}
            self.assertEqual(len(auths), 1, auths)
            return auths.pop()

        steps = [
            ("env", self.env(HF_TOKEN=ORDER_TOKENS["env"], HF_TOKEN_PATH=token_file)),
            ("cwd", self.env(HF_TOKEN_PATH=token_file)),
        ]
        for expected, env in steps:
            self.assertEqual(token_seen(env), "Bearer " + ORDER_TOKENS[expected], expected)
        os.remove(os.path.join(cwd, "HF_TOKEN"))
        self.assertEqual(token_seen(self.env(HF_TOKEN_PATH=token_file)),
                         "Bearer " + ORDER_TOKENS["parent"])
        os.remove(os.path.join(self.work, "project", "HF_TOKEN"))
        self.assertEqual(token_seen(self.env(HF_TOKEN_PATH=token_file, HF_HOME=hf_home)),
                         "Bearer " + ORDER_TOKENS["file"])
        self.assertEqual(token_seen(self.env(HF_HOME=hf_home)),
                         "Bearer " + ORDER_TOKENS["hf_home"])
        write(os.path.join(self.home, ".cache", "huggingface", "token"), ORDER_TOKENS["env"])
        self.assertEqual(token_seen(self.env()), "Bearer " + ORDER_TOKENS["env"])
        os.remove(os.path.join(self.home, ".cache", "huggingface", "token"))
        self.assertIsNone(token_seen(self.env()))

    # ---- offline ----
    def test_offline_uses_the_cache_with_zero_network_calls(self):
        self.assertEqual(self.cli("pull", "litert-community/Qwen3-0.6B").returncode, 0)
        self.assertEqual(self.cli("pull", "Qwen/Qwen3-0.6B").returncode, 0)
        self.hub.reset()
        p = self.cli("pull", "litert-community/Qwen3-0.6B", "--offline")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.cli("pull", "Qwen/Qwen3-0.6B", env=self.env(HF_HUB_OFFLINE="1"))
        self.assertEqual(p.returncode, 0, p.stderr)
        # The first pull converted the checkpoint; the .litertlm is used from then on.
        self.assertIn("Model already exists", p.stderr)
        self.assertEqual(self.hub.log(), [])

    def test_offline_missing_model_is_named(self):
        for args, env in ((["--offline"], None), ([], self.env(HF_HUB_OFFLINE="1"))):
            p = self.cli("pull", "Qwen/Qwen3-1.7B", *args, env=env)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("model Qwen/Qwen3-1.7B is not in the models directory", p.stderr)
            self.assertIn("offline", p.stderr)
        self.assertEqual(self.hub.log(), [])

    # ---- models directory, list, rm ----
    def test_models_dir_flag_env_and_xdg_default(self):
        flag_dir = os.path.join(self.work, "flag")
        env_dir = os.path.join(self.work, "envdir")
        xdg = os.path.join(self.work, "xdg")

        def models_dir_of(args, env):
            p = self.cli("list", *args, env=env, models_dir=False)
            self.assertEqual(p.returncode, 0, p.stderr)
            return p.stderr.splitlines()[0].split("models directory: ")[1]

        self.assertEqual(models_dir_of(["--models-dir", flag_dir],
                                       self.env(LITERTLM_MODELS_DIR=env_dir)), flag_dir)
        self.assertEqual(models_dir_of([], self.env(LITERTLM_MODELS_DIR=env_dir,
                                                    XDG_CACHE_HOME=xdg)), env_dir)
        self.assertEqual(models_dir_of([], self.env(XDG_CACHE_HOME=xdg)),
                         os.path.join(xdg, "litert-lm", "models"))
        self.assertEqual(models_dir_of([], self.env()),
                         os.path.join(self.home, ".cache", "litert-lm", "models"))
        p = self.cli("pull", "litert-community/Qwen3-0.6B", env=self.env(XDG_CACHE_HOME=xdg),
                     models_dir=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(os.path.isfile(os.path.join(
            xdg, "litert-lm", "models", "litert-community", "Qwen3-0.6B", "Qwen3-0.6B.litertlm")))

    def test_download_progress_outside_a_terminal_is_occasional_lines(self):
        # ~1 MB in 16 kB chunks, 30 ms each: about 2 s, so the 200 ms progress calls see it grow.
        self.hub.control("chunk_delay_ms=30")
        try:
            p = self.cli("pull", "litert-community/Qwen3-0.6B")
        finally:
            self.hub.control("chunk_delay_ms=0")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("\r", p.stderr)  # no carriage-return bar in a log
        lines = [l for l in p.stderr.splitlines() if l.startswith("downloading Qwen3-0.6B.litertlm: ")]
        self.assertGreaterEqual(len(lines), 2, p.stderr)
        self.assertLessEqual(len(lines), 10, p.stderr)  # at most one per 10 %
        self.assertRegex(lines[0], r"^downloading Qwen3-0.6B.litertlm: [\d.]+ [KM]?B of 1.0 MB \(")
        self.assertIn("downloaded Qwen3-0.6B.litertlm", p.stderr)

    def test_list_shows_models_with_sizes(self):
        self.assertEqual(self.cli("pull", "litert-community/Qwen3-0.6B").returncode, 0)
        self.assertEqual(self.cli("pull", "Qwen/Qwen3-0.6B").returncode, 0)
        p = self.cli("list")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertTrue(lines[0].startswith("MODEL"))
        rows = {l.split()[0]: l for l in lines[1:]}
        self.assertEqual(sorted(rows), ["Qwen/Qwen3-0.6B", "litert-community/Qwen3-0.6B"])
        self.assertIn("1.0 MB", rows["litert-community/Qwen3-0.6B"])
        self.assertIn("Qwen3-0.6B.litertlm", rows["litert-community/Qwen3-0.6B"])
        self.assertIn("checkpoint/", rows["Qwen/Qwen3-0.6B"])
        self.assertNotIn("incomplete", rows["Qwen/Qwen3-0.6B"])

    def test_rm_frees_every_file_of_the_model(self):
        self.assertEqual(self.cli("pull", "Qwen/Qwen3-0.6B").returncode, 0)
        # Its served shards are random bytes: downloaded, then the conversion fails.
        self.assertIn("Converting", self.cli("pull", "Qwen/Qwen3-1.7B").stderr)
        d = os.path.join(self.models, "Qwen", "Qwen3-0.6B")
        write(os.path.join(d, "Qwen3-0.6B.litertlm"), b"converted")
        write(os.path.join(d, "checkpoint", "x.safetensors.incomplete"), b"partial")
        clone = os.path.join(self.work, "Qwen", "Qwen3-0.6B", "config.json")  # same name in cwd
        write(clone, b"{}")
        p = self.cli("rm", "Qwen/Qwen3-0.6B")
        self.assertTrue(os.path.exists(clone))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("removed Qwen/Qwen3-0.6B", p.stderr)
        self.assertIn("freed", p.stderr)
        self.assertFalse(os.path.exists(d))
        self.assertTrue(os.path.isdir(os.path.join(self.models, "Qwen", "Qwen3-1.7B")))
        p = self.cli("rm", os.path.join(self.models, "Qwen", "Qwen3-1.7B", "checkpoint"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.models, "Qwen")))
        p = self.cli("rm", "Qwen/Qwen3-0.6B")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("model not found in the models directory", p.stderr)

    def test_rm_refuses_paths_outside_the_models_dir(self):
        os.makedirs(self.models)
        outside = os.path.join(self.work, "precious.litertlm")
        write(outside, b"keep me")
        os.symlink(self.work, os.path.join(self.models, "link"))
        for target in (outside, self.work, self.models, os.path.join(self.models, ".."),
                       os.path.join(self.models, "link", "precious.litertlm")):
            p = self.cli("rm", target)
            self.assertNotEqual(p.returncode, 0, target)
            self.assertIn("refusing to remove", p.stderr)
        self.assertTrue(os.path.exists(outside))

    def test_local_paths_need_no_network(self):
        f = os.path.join(self.work, "mine.litertlm")
        write(f, b"model")
        ckpt = os.path.join(self.work, "ckpt")
        golden = os.environ.get("LITERTLM_GOLDEN_DIR",
                                os.path.join(os.path.dirname(__file__), "..", "golden"))
        shutil.copytree(os.path.join(golden, "models", "qwen3_tied"), ckpt)  # pull converts it
        p = self.cli("pull", f)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f, p.stderr)
        p = self.cli("pull", ckpt)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(ckpt + ".litertlm", p.stderr)
        p = self.cli("pull", os.path.join(self.work, "missing.litertlm"))
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("not found", p.stderr)
        self.assertEqual(self.hub.log(), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)

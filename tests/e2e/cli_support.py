"""Shared helpers for the end-to-end tests (Python standard library only)."""
import json
import os
import struct
import subprocess

CLI = os.environ.get("LITERTLM_CLI", "litert-lm-cli")
GOLDEN = os.environ.get("LITERTLM_GOLDEN_DIR",
                        os.path.join(os.path.dirname(__file__), "..", "golden"))
TMP = os.environ.get("LITERTLM_TEST_TMPDIR", "/tmp")

_FORMATS = {"F32": "f", "F64": "d", "I32": "i", "I64": "q"}


def read_safetensors(path):
    """Returns {name: (shape, list of values)} for a small safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        fmt = _FORMATS[info["dtype"]]
        count = (e - b) // struct.calcsize(fmt)
        out[name] = (info["shape"], list(struct.unpack("<%d%s" % (count, fmt), data[8 + n + b:8 + n + e])))
    return out


def run_cli(*args, env=None, stdin=None, timeout=300):
    """Runs the CLI; returns CompletedProcess with text stdout/stderr."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=full_env,
                          input=stdin, timeout=timeout)


def fixture(name):
    return os.path.join(GOLDEN, "models", name)


class ConvertSandbox:
    """unittest.TestCase mix-in: a temporary output directory (self.dir) with its own models
    directory (self.models), removed after each test, and convert() writing into it offline."""

    def setUp(self):
        import tempfile
        self.dir = tempfile.mkdtemp(dir=TMP, prefix=type(self).__name__ + "_")
        self.models = os.path.join(self.dir, "models")

    def tearDown(self):
        import shutil
        shutil.rmtree(self.dir, ignore_errors=True)

    def convert(self, model, *flags):
        return run_cli("convert", model, "--output-dir", self.dir, "--models-dir", self.models,
                       "--offline", *flags, env={"NO_COLOR": "1"})

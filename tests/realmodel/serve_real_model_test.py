"""`litert-lm-cli serve` on the real Gemma 3 270M (base model, PyPI GGUF): a model slow enough that a
client can hang up while its answer is still being generated.

- A non-streamed completion whose client disconnects mid-generation is cancelled (the server notices on
  its keep-alive write), far before max_tokens, and the server answers the next request correctly.
- The same for a streamed completion.
Needs LITERTLM_CLI and LITERTLM_GEMMA3_GGUF (set by ctest; the realmodel fixture assembles the GGUF).
"""
import json
import os
import re
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from serve_support import Server  # noqa: E402

CLI = os.environ.get("LITERTLM_CLI", "")
GGUF = os.environ.get("LITERTLM_GEMMA3_GGUF", "")
TMP = os.path.join(os.environ.get("LITERTLM_TEST_TMPDIR", "/tmp"), "serve_real_model")
LONG = 3000  # tokens asked for: about a minute of generation on 2 cores
NEVER = "never appears \u2603"


def completion(prompt, max_tokens, stream=False):
    return {"model": "gemma", "prompt": prompt, "max_tokens": max_tokens, "temperature": 0,
            "stream": stream, "stop": [NEVER]}


def hang_up_after(port, body, seconds):
    """Sends a request on a raw socket, waits, closes the connection without reading."""
    sock = socket.create_connection(("127.0.0.1", port))
    data = json.dumps(body).encode()
    sock.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n" % len(data) + data)
    time.sleep(seconds)
    sock.close()


def wait_for_line(server, pattern, count, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        lines = [l for l in list(server.stderr_lines) if re.search(pattern, l)]
        if len(lines) >= count:
            return lines
        time.sleep(0.2)
    return [l for l in list(server.stderr_lines) if re.search(pattern, l)]


class ServeRealModelTest(unittest.TestCase):
    model = None

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(GGUF):
            raise AssertionError(f"{GGUF!r} missing: run through ctest -L realmodel")
        os.makedirs(TMP, exist_ok=True)
        r = subprocess.run([CLI, "convert", GGUF, "--quantize", "int8", "--output-dir", TMP,
                            "--models-dir", os.path.join(TMP, "models")],
                           capture_output=True, text=True, timeout=900,
                           env={**os.environ, "HF_HUB_OFFLINE": "1"})
        if r.returncode != 0:
            raise AssertionError(f"convert failed:\n{r.stderr}")
        files = [f for f in os.listdir(TMP) if f.endswith(".litertlm")]
        if len(files) != 1:
            raise AssertionError(f"expected one .litertlm in {TMP}, found {files}")
        cls.model = os.path.join(TMP, files[0])

    def check_cancelled_then_answers(self, stream):
        with Server(self.model, "--parallel", "1", "--max-tokens", str(LONG),
                    model_id="gemma") as server:
            start = time.time()
            hang_up_after(server.port, completion("Once upon a time", LONG, stream), 3.0)
            done = wait_for_line(server, r"completion done \(cancelled\)", 1, 30)
            log = "".join(server.stderr_lines)
            self.assertEqual(len(done), 1, log)
            generated = int(re.search(r"(\d+) generated", done[0]).group(1))
            print(f"stream={stream}: cancelled after {time.time() - start:.1f} s, "
                  f"{generated} tokens generated", file=sys.stderr)
            self.assertLess(generated, LONG // 2, log)
            status, body = server.request("POST", "/v1/completions",
                                          body=completion("What is the capital of France?", 16))
            self.assertEqual(status, 200, body)
            self.assertIn("Paris", body["choices"][0]["text"])
            code, log = server.stop()
            self.assertEqual(code, 0, log)

    def test_non_streamed_client_that_hangs_up_is_cancelled(self):
        self.check_cancelled_then_answers(stream=False)

    def test_streamed_client_that_hangs_up_is_cancelled(self):
        self.check_cancelled_then_answers(stream=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)

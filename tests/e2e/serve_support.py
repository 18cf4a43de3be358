"""Starts and stops `litert-lm-cli serve` for the tests (Python standard library only)."""
import http.client
import json
import os
import re
import subprocess
import threading
import time

from cli_support import CLI


class Server:
    """`litert-lm-cli serve MODEL --port 0 ARGS...`; .port, .url once listening."""

    def __init__(self, model, *args, model_id="tiny", env=None):
        full_env = dict(os.environ)
        full_env.pop("LITERTLM_API_KEY", None)
        if env:
            full_env.update(env)
        self.model_id = model_id
        self.stderr_lines = []
        self.proc = subprocess.Popen(
            [CLI, "serve", model, "--port", "0", "--model-id", model_id, *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env)
        deadline = time.time() + 120
        self.port = None
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.stderr_lines.append(line)
            m = re.search(r"listening on http://[^:]+:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                break
        if self.port is None:
            self.proc.kill()
            raise RuntimeError("the server did not start: " + "".join(self.stderr_lines) +
                               self.proc.stderr.read())
        self.url = "http://127.0.0.1:%d" % self.port
        # Keep reading the request log so that a full pipe never blocks the server.
        self._drain = threading.Thread(target=self._read_stderr, daemon=True)
        self._drain.start()

    def _read_stderr(self):
        for line in self.proc.stderr:
            self.stderr_lines.append(line)

    def request(self, method, path, body=None, headers=None, timeout=120):
        """Returns (status, parsed JSON or raw text)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        conn.request(method, path, body=body, headers=headers or {"Content-Type": "application/json"})
        resp = conn.getresponse()
        data = resp.read().decode("utf-8", "replace")
        conn.close()
        try:
            return resp.status, json.loads(data)
        except ValueError:
            return resp.status, data

    def stop(self):
        """SIGTERM; returns (exit code, the rest of stderr)."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._drain.join(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return self.proc.returncode, "".join(self.stderr_lines)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

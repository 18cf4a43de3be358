#!/usr/bin/env python3
"""A fake Hugging Face Hub for tests (Python stdlib only), listening on 127.0.0.1 only.

Usage: fake_hub.py --root DIR [--token TOKEN]... [--invalid-token TOKEN]... [--lifetime SECONDS]

Serves the repositories under DIR/{org}/{name}/ (files whose name starts with "_" are control
files, never served):
  DIR/{org}/{name}/_gated                 marks the repository as gated
  DIR/{org}/{name}/_siblings_extra.json   a JSON list of extra names put into the API listing
                                          (to test hostile or missing file names)
  DIR/{org}/{name}/_renamed_to            "neworg/newname": the repository was renamed; API and
                                          resolve URLs answer 307 with a relative Location

Endpoints, as the real Hub answers them (docs/tokenizers-and-hub.md section 4):
  GET  /api/models/{org}/{name}[/revision/{rev}]   JSON {id, sha, gated, siblings[...]}
  HEAD/GET /{org}/{name}/resolve/{rev}/{path}      small files: 200 + ETag (git blob sha1);
                                                   LFS files (*.safetensors, *.litertlm,
                                                   *.model, *.bin, or >= 10 kB): 302 to the CDN
                                                   + X-Linked-Etag (sha256) + X-Linked-Size
  GET  http://127.0.0.1:{cdn}/cdn/{org}/{name}/{sha256}/{path}   the bytes (a second port, so
                                                   the client must drop Authorization)
Every resolve answer carries X-Repo-Commit. Range requests get 206 + Content-Range.
Gated repositories: no token → 401 GatedRepo; a token given with --invalid-token → 401
"Invalid credentials in Authorization header"; another token not given with --token → 403
GatedRepo; a --token token → served. Unknown repo/file/revision → 404 with X-Error-Code
RepoNotFound / EntryNotFound / RevisionNotFound.

Test control (on the hub port; not logged):
  GET /_log            JSON list of the requests seen: {server, method, path, authorization,
                       range}
  GET /_reset          clears the log and every mode
  GET /_control?cut_after=N&cut_times=K   the next K file transfers stop after N body bytes
                       (the connection is closed with Content-Length promising more)
  GET /_control?corrupt=K                 the next K file transfers serve wrong bytes (same
                       length, headers still announce the real checksum)
  GET /_control?api_503=K                 the next K API calls answer 503 (with Retry-After: 1)
  GET /_control?chunk_delay_ms=MS         every file transfer sleeps MS ms after each 16 kB
                       (a slow link, to see download progress); 0 turns it off

On start it prints one line "FAKE_HUB hub=<port> cdn=<port>" on stdout. It stops by itself
after --lifetime seconds (default 300) or when its stdin is closed.
"""

import argparse
import hashlib
import http.server
import json
import os
import sys
import threading
import time
import urllib.parse

LFS_SUFFIXES = (".safetensors", ".litertlm", ".model", ".bin")
LFS_MIN_SIZE = 10_000
CHUNK = 16384


class State:
    def __init__(self, root, tokens, invalid_tokens):
        self.root = os.path.abspath(root)
        self.tokens = set(tokens)
        self.invalid_tokens = set(invalid_tokens)
        self.lock = threading.Lock()
        self.log = []
        self.cut_after = 0
        self.cut_times = 0
        self.corrupt = 0
        self.api_503 = 0
        self.chunk_delay_ms = 0
        self.cdn_port = 0

    def reset(self):
        with self.lock:
            self.log = []
            self.cut_after = self.cut_times = self.corrupt = self.api_503 = 0
            self.chunk_delay_ms = 0

    def take_transfer_mode(self):
        """Returns (cut_after or None, corrupt) for one file transfer, consuming the counters."""
        with self.lock:
            cut = None
            if self.cut_times > 0:
                self.cut_times -= 1
                cut = self.cut_after
            corrupt = False
            if self.corrupt > 0:
                self.corrupt -= 1
                corrupt = True
            return cut, corrupt


def commit_of(repo):
    return hashlib.sha1(("commit:" + repo).encode()).hexdigest()


def git_blob_sha1(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def is_lfs(path, size):
    return path.endswith(LFS_SUFFIXES) or size >= LFS_MIN_SIZE


def safe_join(root, *parts):
    """Joins and refuses anything that leaves root (the fake hub must not be a traversal hole)."""
    joined = os.path.realpath(os.path.join(root, *parts))
    if joined != root and not joined.startswith(root + os.sep):
        return None
    return joined


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "FakeHub/1.0"
    state = None  # set per server class
    role = "hub"

    def log_message(self, fmt, *args):  # quiet
        pass

    # ---- helpers ----
    def record(self):
        with self.state.lock:
            self.state.log.append({
                "server": self.role,
                "method": self.command,
                "path": self.path,
                "authorization": self.headers.get("Authorization"),
                "range": self.headers.get("Range"),
            })

    def send_plain(self, status, headers=None, body=b""):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def error(self, status, code, message):
        headers = {"X-Error-Message": message, "Content-Type": "application/json"}
        if code:
            headers["X-Error-Code"] = code
        self.send_plain(status, headers, json.dumps({"error": message}).encode())

    def token(self):
        auth = self.headers.get("Authorization") or ""
        return auth[len("Bearer "):] if auth.startswith("Bearer ") else None

    def repo_dir(self, org, name):
        d = safe_join(self.state.root, org, name)
        return d if d and os.path.isdir(d) else None

    def check_gate(self, repo, repo_dir):
        """Returns True when the request may proceed; otherwise sends the error."""
        if not os.path.exists(os.path.join(repo_dir, "_gated")):
            return True
        tok = self.token()
        if tok is None:
            self.error(401, "GatedRepo",
                       f"Access to model {repo} is restricted. You must have access to it and "
                       "be authenticated to access it. Please log in.")
            return False
        if tok in self.state.invalid_tokens:
            self.error(401, None, "Invalid credentials in Authorization header")
            return False
        if tok not in self.state.tokens:
            self.error(403, "GatedRepo",
                       f"Access to model {repo} is restricted and you are not in the authorized "
                       f"list. Visit https://huggingface.co/{repo} to ask for access.")
            return False
        return True

    def list_files(self, repo_dir):
        files = []
        for base, dirs, names in os.walk(repo_dir):
            dirs.sort()
            for n in sorted(names):
                rel = os.path.relpath(os.path.join(base, n), repo_dir).replace(os.sep, "/")
                if not rel.startswith("_"):
                    files.append(rel)
        return files

    # ---- request routing ----
    def do_HEAD(self):
        self.route()

    def do_GET(self):
        self.route()

    def route(self):
        url = urllib.parse.urlsplit(self.path)
        parts = [urllib.parse.unquote(p) for p in url.path.split("/")[1:]]
        if self.role == "hub" and parts and parts[0].startswith("_"):
            return self.control(parts[0], urllib.parse.parse_qs(url.query))
        self.record()
        if self.role == "cdn":
            if len(parts) >= 5 and parts[0] == "cdn":
                return self.serve_cdn(parts[1], parts[2], parts[3], "/".join(parts[4:]))
            return self.error(404, None, "no such CDN object")
        if len(parts) >= 4 and parts[0] == "api" and parts[1] == "models":
            rev = "main"
            if len(parts) >= 6 and parts[4] == "revision":
                rev = "/".join(parts[5:])
            elif len(parts) != 4:
                return self.error(404, None, "unknown API route")
            return self.serve_api(parts[2], parts[3], rev)
        if len(parts) >= 5 and parts[2] == "resolve":
            return self.serve_resolve(parts[0], parts[1], parts[3], "/".join(parts[4:]))
        return self.error(404, None, "unknown route")

    def control(self, what, query):
        if what == "_log":
            with self.state.lock:
                body = json.dumps(self.state.log).encode()
            return self.send_plain(200, {"Content-Type": "application/json"}, body)
        if what == "_reset":
            self.state.reset()
            return self.send_plain(200, {}, b"ok")
        if what == "_control":
            with self.state.lock:
                if "cut_after" in query:
                    self.state.cut_after = int(query["cut_after"][0])
                    self.state.cut_times = int(query.get("cut_times", ["1"])[0])
                if "corrupt" in query:
                    self.state.corrupt = int(query["corrupt"][0])
                if "api_503" in query:
                    self.state.api_503 = int(query["api_503"][0])
                if "chunk_delay_ms" in query:
                    self.state.chunk_delay_ms = int(query["chunk_delay_ms"][0])
            return self.send_plain(200, {}, b"ok")
        return self.send_plain(404, {}, b"unknown control")

    def renamed(self, repo_dir, old_repo):
        """Answers 307 to the new name when the repository was renamed; returns True if it did."""
        marker = os.path.join(repo_dir, "_renamed_to")
        if not os.path.exists(marker):
            return False
        with open(marker) as f:
            new_repo = f.read().strip()
        location = urllib.parse.urlsplit(self.path).path.replace(f"/{old_repo}/", f"/{new_repo}/", 1)
        query = urllib.parse.urlsplit(self.path).query
        self.send_plain(307, {"Location": location + ("?" + query if query else "")})
        return True

    def serve_api(self, org, name, rev):
        repo = f"{org}/{name}"
        with self.state.lock:
            fail = self.state.api_503 > 0
            if fail:
                self.state.api_503 -= 1
        if fail:
            return self.send_plain(503, {"Retry-After": "1"}, b"overloaded")
        repo_dir = self.repo_dir(org, name)
        if repo_dir is None:
            return self.error(404, "RepoNotFound", f"Repository not found: {repo}")
        if self.renamed(repo_dir, repo):
            return
        commit = commit_of(repo)
        if rev not in ("main", commit):
            return self.error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
        siblings = []
        for rel in self.list_files(repo_dir):
            with open(os.path.join(repo_dir, rel), "rb") as f:
                data = f.read()
            entry = {"rfilename": rel, "size": len(data), "blobId": git_blob_sha1(data)}
            if is_lfs(rel, len(data)):
                entry["lfs"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                                "pointerSize": 134}
            siblings.append(entry)
        extra = os.path.join(repo_dir, "_siblings_extra.json")
        if os.path.exists(extra):
            with open(extra) as f:
                siblings += [{"rfilename": n} for n in json.load(f)]
        gated = "manual" if os.path.exists(os.path.join(repo_dir, "_gated")) else False
        body = json.dumps({"id": repo, "sha": commit, "private": False, "gated": gated,
                           "siblings": siblings}).encode()
        self.send_plain(200, {"Content-Type": "application/json"}, body)

    def serve_resolve(self, org, name, rev, path):
        repo = f"{org}/{name}"
        repo_dir = self.repo_dir(org, name)
        if repo_dir is None:
            return self.error(404, "RepoNotFound", f"Repository not found: {repo}")
        if self.renamed(repo_dir, repo):
            return
        if not self.check_gate(repo, repo_dir):
            return
        commit = commit_of(repo)
        if rev not in ("main", commit):
            return self.error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
        file_path = safe_join(repo_dir, path)
        if file_path is None or path.startswith("_") or not os.path.isfile(file_path):
            return self.error(404, "EntryNotFound", f"Entry not found: {path}")
        with open(file_path, "rb") as f:
            data = f.read()
        headers = {"X-Repo-Commit": commit}
        if is_lfs(path, len(data)):
            sha = hashlib.sha256(data).hexdigest()
            quoted = urllib.parse.quote(path)
            headers.update({
                "X-Linked-Etag": f'"{sha}"',
                "X-Linked-Size": str(len(data)),
                "ETag": f'"{sha}"',
                "Location": f"http://127.0.0.1:{self.state.cdn_port}/cdn/{org}/{name}/{sha}/"
                            f"{quoted}",
            })
            return self.send_plain(302, headers)
        headers["ETag"] = f'"{git_blob_sha1(data)}"'
        self.send_file(data, headers)

    def serve_cdn(self, org, name, sha, path):
        repo_dir = self.repo_dir(org, name)
        file_path = safe_join(repo_dir, path) if repo_dir else None
        if file_path is None or not os.path.isfile(file_path):
            return self.error(404, None, "no such CDN object")
        with open(file_path, "rb") as f:
            data = f.read()
        if hashlib.sha256(data).hexdigest() != sha:
            return self.error(404, None, "stale CDN object")
        self.send_file(data, {})

    def send_file(self, data, headers):
        """Sends data honouring Range, and the cut/corrupt test modes (GET only)."""
        start = 0
        status = 200
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[len("bytes="):-1])
            if start >= len(data):
                return self.send_plain(416, {"Content-Range": f"bytes */{len(data)}"})
            status = 206
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        body = data[start:]
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        cut, corrupt = self.state.take_transfer_mode()
        if corrupt:
            body = bytes(b ^ 0x5A for b in body)
        limit = len(body) if cut is None else min(cut, len(body))
        delay = self.state.chunk_delay_ms / 1000.0
        for off in range(0, limit, CHUNK):
            self.wfile.write(body[off:min(off + CHUNK, limit)])
            if delay:
                self.wfile.flush()
                time.sleep(delay)
        self.wfile.flush()
        if cut is not None:
            self.close_connection = True


def make_server(role, state):
    handler = type(f"{role.capitalize()}Handler", (Handler,), {"state": state, "role": role})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    return server


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", required=True, help="directory holding {org}/{name}/ repositories")
    ap.add_argument("--token", action="append", default=[], help="token granted gated access")
    ap.add_argument("--invalid-token", action="append", default=[],
                    help="token answered with 401 invalid credentials")
    ap.add_argument("--lifetime", type=float, default=300, help="seconds before stopping")
    args = ap.parse_args()

    state = State(args.root, args.token, args.invalid_token)
    hub = make_server("hub", state)
    cdn = make_server("cdn", state)
    state.cdn_port = cdn.server_address[1]
    stop = threading.Event()

    def watch_stdin():
        try:
            while sys.stdin.read(1):
                pass
        except (OSError, ValueError):
            pass
        stop.set()

    for server in (hub, cdn):
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                         daemon=True).start()
    threading.Thread(target=watch_stdin, daemon=True).start()
    print(f"FAKE_HUB hub={hub.server_address[1]} cdn={cdn.server_address[1]}", flush=True)
    stop.wait(args.lifetime)
    hub.shutdown()
    cdn.shutdown()


if __name__ == "__main__":
    main()

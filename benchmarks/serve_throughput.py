#!/usr/bin/env python3
"""Aggregate decode throughput and time to first token of OpenAI-compatible servers (ours,
Google's `litert-lm serve`, llama.cpp's server, or any server by URL) with 1, 2, 4, 8 concurrent
streaming clients, the servers interleaved (Python standard library only).

One server of ours, as before (arguments after `--` go to `serve`):
  python3 benchmarks/serve_throughput.py --cli build/release/cli/litert-lm-cli \\
      --model gemma-3-270m.litertlm --streams 1,2,4,8 --requests 2 --max-tokens 128 -- --parallel 8

Several servers, each started by this script, the same thread budget (--threads) for all:
  python3 benchmarks/serve_throughput.py --cli build/ci/cli/litert-lm-cli --threads 2 --rounds 3 \\
      --server ours-google=ours:google-made.litertlm --server ours-own=ours:ours-int8.litertlm \\
      --server google=google:google-made.litertlm --google-cli /work/venvs/litert-torch/bin/litert-lm \\
      --server llama-q8=llama:gemma-q8_0.gguf --llama-python /work/venvs/llama/bin/python \\
      --markdown --json-out serve.json

Server kinds (--server NAME=KIND:SPEC, repeatable; the first is the reference of the ratios):
  ours:MODEL     `CLI serve MODEL --port P --threads T --parallel N --max-tokens M` (+ --ours-args)
  google:MODEL   Google's `litert-lm serve --config CFG --port P` (PyPI litert-lm), CFG setting
                 backend cpu, cpu_thread_count T, cache no, max_num_tokens --context; the requests
                 name MODEL (an absolute path) as their model, as `litert-lm serve` resolves it
  llama:GGUF     `PY -m llama_cpp.server --model GGUF --n_threads T --n_threads_batch T --n_ctx
                 --context --port P` (PyPI llama-cpp-python[server])
  url:URL        an already running server (no CPU time; the model name from --url-model)

For every round, every server is started afresh (the order rotating between rounds), warmed up
with one short request, then for each stream count that many clients run at once, each sending
--requests chat requests one after another (distinct prompts, greedy, `max_tokens` and
`max_completion_tokens` = --max-tokens, streamed, usage asked for); then the server is stopped.
Reported per server and stream count (medians over rounds): completion tokens / wall time
(aggregate tok/s) and its ratio to one stream; completion tokens per CPU-second of the server's
process tree (user + system time of all threads: the work per token, independent of how much of
a shared machine the server got); ours only: the mean number of sequences per batched decode
step (from /health); per-stream decode tok/s; time to first token (request sent → first content
byte) median and max; and, per round, the paired ratio of each server to the first one.
Completion tokens are the server's `usage.completion_tokens` when it streams one, else the
number of content chunks.
"""
import argparse
import http.client
import json
import os
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

FIGURES = ["aggregate_tok_s", "tok_per_cpu_s", "per_stream_tok_s", "ttft_median_s", "ttft_max_s"]
LOWER_IS_BETTER = {"ttft_median_s", "ttft_max_s"}


def one_request(host, port, model, prompt, max_tokens):
    body = {"model": model, "messages": [{"role": "user", "content": prompt}],
            "max_tokens": max_tokens, "max_completion_tokens": max_tokens, "temperature": 0,
            "stream": True, "stream_options": {"include_usage": True}}
    conn = http.client.HTTPConnection(host, port, timeout=3600)
    start = time.perf_counter()
    conn.request("POST", "/v1/chat/completions", body=json.dumps(body),
                 headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    if resp.status != 200:
        raise RuntimeError("HTTP %d from %s:%d: %s" % (resp.status, host, port, resp.read()[:500]))
    first, usage_tokens, chunks = None, None, 0
    for raw in resp:
        line = raw.decode("utf-8").strip()
        if not line.startswith("data:") or line == "data: [DONE]":
            continue
        event = json.loads(line[5:])
        if event.get("usage"):
            usage_tokens = event["usage"].get("completion_tokens")
        for c in event.get("choices", []):
            if (c.get("delta") or {}).get("content"):
                chunks += 1
                if first is None:
                    first = time.perf_counter()
    end = time.perf_counter()
    conn.close()
    tokens = usage_tokens if usage_tokens else chunks
    return {"ttft": (first or end) - start, "tokens": tokens, "chunks": chunks,
            "decode": end - (first or end)}


def process_tree(pid):
    """pid and all its descendants (from /proc/*/task/*/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/children" % (p, task)) as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return out


def cpu_seconds(pid):
    """User + system CPU time of a process tree (all threads) from /proc; None without a pid."""
    if pid is None:
        return None
    total = 0
    for p in process_tree(pid):
        try:
            with open("/proc/%d/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def get_json(host, port, path, timeout=60):
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, (json.loads(data) if resp.status == 200 else None)
    finally:
        conn.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One server: started by this script (ours, google, llama) or already running (url)."""

    def __init__(self, name, kind, spec, args):
        self.name, self.kind, self.spec, self.args = name, kind, spec, args
        self.proc, self.log = None, None
        self.host, self.port, self.model = "127.0.0.1", None, "bench"
        if kind == "url":
            u = urllib.parse.urlparse(spec)
            self.host, self.port = u.hostname, u.port or 80
            self.model = args.url_model
        elif kind in ("ours", "google", "llama"):
            if not os.path.exists(spec):
                sys.exit("--server %s: %s: no such file" % (name, spec))
        else:
            sys.exit("--server %s: unknown kind '%s' (ours, google, llama or url)" % (name, kind))

    def command(self):
        a, t = self.args, str(self.args.threads)
        if self.kind == "ours":
            cmd = [a.cli, "serve", self.spec, "--port", str(self.port), "--model-id", "bench"]
            for flags, value in ((("--threads", "-t"), t), (("--parallel", "-P"), str(a.parallel)),
                                 (("--max-tokens",), str(a.max_tokens))):
                if not any(x in flags or x.split("=")[0] in flags for x in a.ours_args):
                    cmd += [flags[0], value]  # unless given after `--`
            return cmd + a.ours_args
        if self.kind == "google":
            cfg = {"default": {"backend": "cpu", "cpu_thread_count": a.threads, "cache": "no",
                               "max_num_tokens": a.context}}
            self.config = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
            json.dump(cfg, self.config)
            self.config.close()
            self.model = os.path.abspath(self.spec)
            return [a.google_cli, "serve", "--config", self.config.name, "--port", str(self.port)]
        if self.kind == "llama":
            return [a.llama_python, "-m", "llama_cpp.server", "--model", self.spec,
                    "--model_alias", "bench", "--n_threads", t, "--n_threads_batch", t,
                    "--n_ctx", str(a.context), "--port", str(self.port),
                    "--interrupt_requests", "False", *a.llama_args]
        return None

    def start(self):
        if self.kind == "url":
            return
        self.port = free_port()
        cmd = self.command()
        self.log = tempfile.TemporaryFile("w+")
        env = dict(os.environ)
        for item in self.args.server_env or []:  # NAME:VAR=VALUE
            name, _, assignment = item.partition(":")
            var, eq, value = assignment.partition("=")
            if not eq or not var:
                sys.exit("--server-env %s: expected NAME:VAR=VALUE" % item)
            if name == self.name:
                env[var] = value
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True, env=env)
        deadline = time.time() + 300
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                sys.exit("%s exited (%d): %s\n%s" % (self.name, self.proc.returncode,
                                                     shlex.join(cmd), self.log.read()[-3000:]))
            try:
                if get_json(self.host, self.port, "/v1/models", timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        sys.exit("%s did not answer /v1/models within 300 s: %s" % (self.name, shlex.join(cmd)))

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None
        if self.kind == "google":
            os.unlink(self.config.name)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def batch_counters(self):
        """(decode steps, decoded tokens) from our /health; None for servers without them."""
        try:
            status, body = get_json(self.host, self.port, "/health")
        except OSError:
            return None
        if status != 200 or not body or "decode_steps" not in body:
            return None
        return body["decode_steps"], body["decoded_tokens"]


def run_level(server, streams, requests, max_tokens):
    results, errors, lock = [], [], threading.Lock()
    cpu0 = cpu_seconds(server.pid)
    h0 = server.batch_counters()

    def client(i):
        for r in range(requests):
            prompt = "Write a long story about a lighthouse keeper, number %d-%d." % (i, r)
            try:
                out = one_request(server.host, server.port, server.model, prompt, max_tokens)
            except Exception as e:  # reported after the level; the level's figures are void
                with lock:
                    errors.append(repr(e))
                return
            with lock:
                results.append(out)

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(streams)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    if errors:
        sys.exit("%s, %d streams: %s" % (server.name, streams, errors[0]))
    cpu = cpu_seconds(server.pid)
    cpu = cpu - cpu0 if cpu is not None else None
    h1 = server.batch_counters()
    batch = None
    if h0 and h1 and h1[0] > h0[0]:
        batch = (h1[1] - h0[1]) / (h1[0] - h0[0])
    tokens = sum(r["tokens"] for r in results)
    per_stream = [(r["tokens"] - 1) / r["decode"] for r in results
                  if r["decode"] > 0 and r["tokens"] > 1]
    ttft = [r["ttft"] for r in results]
    return {"streams": streams, "requests": len(results), "tokens": tokens, "wall_s": wall,
            "aggregate_tok_s": tokens / wall, "cpu_s": cpu,
            "tok_per_cpu_s": tokens / cpu if cpu else None, "mean_batch": batch,
            "per_stream_tok_s": statistics.median(per_stream) if per_stream else None,
            "ttft_median_s": statistics.median(ttft), "ttft_max_s": max(ttft),
            "tokens_per_request": tokens / len(results)}


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def run_server_round(server, levels, args):
    server.start()
    try:
        one_request(server.host, server.port, server.model, "warm up", 8)
        rows = []
        for s in levels:
            row = run_level(server, s, args.requests, args.max_tokens)
            rows.append(row)
            print("  %s %d streams: %.1f tok/s aggregate, %s tok/CPU-s, TTFT median %.3f s, "
                  "%.1f tokens/request (load %s)" % (
                      server.name, s, row["aggregate_tok_s"],
                      "%.1f" % row["tok_per_cpu_s"] if row["tok_per_cpu_s"] else "-",
                      row["ttft_median_s"], row["tokens_per_request"], load_average()),
                  file=sys.stderr, flush=True)
        return rows
    finally:
        server.stop()


def median_or_none(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(servers, levels, runs):
    """runs[name] = [rows per round]; returns per server, per level medians and paired ratios."""
    ref = servers[0].name
    report = []
    for server in servers:
        rounds = runs[server.name]
        for i, s in enumerate(levels):
            rows = [r[i] for r in rounds]
            out = {"server": server.name, "kind": server.kind, "spec": server.spec, "streams": s,
                   "rounds": len(rows)}
            for k in FIGURES + ["mean_batch", "tokens_per_request"]:
                out[k] = median_or_none(r[k] for r in rows)
            out["x_1_stream"] = median_or_none(r[i]["aggregate_tok_s"] / r[0]["aggregate_tok_s"]
                                               for r in rounds)
            out["cpu_x_1_stream"] = median_or_none(
                r[i]["tok_per_cpu_s"] / r[0]["tok_per_cpu_s"]
                if r[i]["tok_per_cpu_s"] and r[0]["tok_per_cpu_s"] else None for r in rounds)
            if server.name != ref:
                out["vs_" + ref] = {
                    k: median_or_none(a[i][k] / b[i][k] if a[i][k] and b[i][k] else None
                                      for a, b in zip(rounds, runs[ref]))
                    for k in FIGURES}
            report.append(out)
    return report


def fmt(v, spec):
    return "—" if v is None else spec % v


def markdown(report, servers, args):
    ref = servers[0].name
    lines = ["| server | streams | aggregate tok/s | × 1 stream | tokens per CPU-s | × 1 stream | "
             "mean batch | per-stream tok/s | TTFT median | TTFT max | tokens/request | "
             "aggregate vs %s | TTFT median vs %s |" % (ref, ref),
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in report:
        vs = r.get("vs_" + ref)
        lines.append("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["server"], r["streams"], fmt(r["aggregate_tok_s"], "%.1f"),
            fmt(r["x_1_stream"], "%.2f"), fmt(r["tok_per_cpu_s"], "%.1f"),
            fmt(r["cpu_x_1_stream"], "%.2f"), fmt(r["mean_batch"], "%.2f"),
            fmt(r["per_stream_tok_s"], "%.1f"), fmt(r["ttft_median_s"], "%.3f s"),
            fmt(r["ttft_max_s"], "%.3f s"), fmt(r["tokens_per_request"], "%.1f"),
            fmt(vs and vs["aggregate_tok_s"], "%.2f×"), fmt(vs and vs["ttft_median_s"], "%.2f×")))
    lines.append("\nMedians over %d round(s); every server started afresh each round, the order "
                 "rotating; --threads %d for every server; %d request(s) per client, max_tokens %d. "
                 "Ratios vs %s are medians of per-round ratios (TTFT: lower is better)." % (
                     args.rounds, args.threads, args.requests, args.max_tokens, ref))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cli", default="build/release/cli/litert-lm-cli",
                        help="our litert-lm-cli (for ours: servers)")
    parser.add_argument("--model", help="one server of ours on MODEL, with the arguments after --")
    parser.add_argument("--server", action="append", default=[], metavar="NAME=KIND:SPEC")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME:VAR=VALUE",
                        help="an environment variable for one server (repeatable), e.g. "
                             "vnni:LITERTLM_ISA=avx512 to cap our kernel level")
    parser.add_argument("--google-cli", default="litert-lm",
                        help="Google's litert-lm CLI (pip install litert-lm), for google: servers")
    parser.add_argument("--llama-python", default="python3",
                        help="a Python with llama-cpp-python[server], for llama: servers")
    parser.add_argument("--llama-args", default="", help="more arguments for llama_cpp.server")
    parser.add_argument("--url-model", default="bench", help="the model name for url: servers")
    parser.add_argument("--threads", type=int, default=2,
                        help="threads of every started server (ours --threads, Google's "
                             "cpu_thread_count, llama.cpp's n_threads and n_threads_batch)")
    parser.add_argument("--parallel", type=int, default=8, help="ours: serve --parallel")
    parser.add_argument("--context", type=int, default=1280,
                        help="Google's max_num_tokens and llama.cpp's n_ctx")
    parser.add_argument("--streams", default="1,2,4,8")
    parser.add_argument("--requests", type=int, default=2, help="requests per client")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--json-out")
    parser.add_argument("ours_args", nargs="*", help="more arguments for our serve (after --)")
    args = parser.parse_args()
    args.llama_args = shlex.split(args.llama_args)
    specs = list(args.server)
    if args.model:
        specs.insert(0, "ours=ours:" + args.model)
    if not specs:
        parser.error("give --model MODEL or at least one --server NAME=KIND:SPEC")
    servers = []
    for spec in specs:
        name, sep, rest = spec.partition("=")
        kind, sep2, target = rest.partition(":")
        if not sep or not sep2 or not name or not target:
            parser.error("--server '%s': expected NAME=KIND:SPEC" % spec)
        if any(s.name == name for s in servers):
            parser.error("--server '%s': the name %s is used twice" % (spec, name))
        servers.append(Server(name, kind, target, args))
    levels = [int(s) for s in args.streams.split(",")]
    runs = {s.name: [] for s in servers}
    log = {"start_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
           "load_start": load_average(), "threads": args.threads}
    for rnd in range(args.rounds):
        k = rnd % len(servers)
        order = servers[k:] + servers[:k]
        for server in order:
            print("round %d: %s (%s:%s), %s UTC, load %s" % (
                rnd, server.name, server.kind, server.spec, time.strftime("%H:%M:%S", time.gmtime()),
                load_average()), file=sys.stderr, flush=True)
            runs[server.name].append(run_server_round(server, levels, args))
    log.update(end_utc=time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()), load_end=load_average())
    report = summarize(servers, levels, runs)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"run": log, "report": report, "rounds": runs}, f, indent=1)
    print("%s – %s UTC, load average %s → %s" % (log["start_utc"], log["end_utc"][11:],
                                                 log["load_start"], log["load_end"]))
    print(markdown(report, servers, args) if args.markdown else json.dumps(report, indent=1))


if __name__ == "__main__":
    main()

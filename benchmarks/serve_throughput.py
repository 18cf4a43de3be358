#!/usr/bin/env python3
"""Aggregate decode throughput and time to first token of `litert-lm-cli serve` with 1, 2, 4, 8
concurrent streaming clients (Python standard library only).

  python3 benchmarks/serve_throughput.py --cli build/release/cli/litert-lm-cli \
      --model gemma-3-270m.litertlm --streams 1,2,4,8 --requests 2 --max-tokens 128 -- --parallel 8

Starts the server once (arguments after `--` go to `serve`), then for each stream count runs
that many clients at once, each sending `--requests` chat requests one after another (distinct
prompts, greedy, `max_tokens` fixed, usage included). Reported per stream count: completion
tokens / wall time (aggregate tokens/s), completion tokens per CPU-second of the server process
(user + system time of all its threads: the work per token, which does not depend on how much
of a shared machine the server gets), the mean number of sequences per batched decode step
(from /health; 1 with --no-batch), per-stream decode tokens/s, and time to first token
(request sent → first content byte) median and max.
"""
import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))


def one_request(port, prompt, max_tokens):
    body = {"model": "bench", "messages": [{"role": "user", "content": prompt}],
            "max_tokens": max_tokens, "temperature": 0, "stream": True,
            "stream_options": {"include_usage": True}}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    start = time.perf_counter()
    conn.request("POST", "/v1/chat/completions", body=json.dumps(body),
                 headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    assert resp.status == 200, resp.read()
    first, tokens = None, 0
    for raw in resp:
        line = raw.decode("utf-8").strip()
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        event = json.loads(line[6:])
        if event.get("usage"):
            tokens = event["usage"]["completion_tokens"]
        for c in event.get("choices", []):
            if first is None and c["delta"].get("content"):
                first = time.perf_counter()
    end = time.perf_counter()
    conn.close()
    return {"ttft": (first or end) - start, "tokens": tokens, "decode": end - (first or end)}


def cpu_seconds(pid):
    """User + system CPU time of a process (all its threads) from /proc."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def health(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/health")
    body = json.loads(conn.getresponse().read())
    conn.close()
    return body


def run_level(port, pid, streams, requests, max_tokens):
    results, lock = [], threading.Lock()
    cpu0 = cpu_seconds(pid)
    h0 = health(port)

    def client(i):
        for r in range(requests):
            prompt = "Write a long story about a lighthouse keeper, number %d-%d." % (i, r)
            out = one_request(port, prompt, max_tokens)
            with lock:
                results.append(out)

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(streams)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    cpu = cpu_seconds(pid) - cpu0
    h1 = health(port)
    steps = h1["decode_steps"] - h0["decode_steps"]
    batch = (h1["decoded_tokens"] - h0["decoded_tokens"]) / steps if steps else 1.0
    tokens = sum(r["tokens"] for r in results)
    per_stream = [(r["tokens"] - 1) / r["decode"] for r in results if r["decode"] > 0 and r["tokens"] > 1]
    ttft = [r["ttft"] for r in results]
    return {"streams": streams, "requests": len(results), "tokens": tokens, "wall_s": wall,
            "aggregate_tok_s": tokens / wall, "cpu_s": cpu, "tok_per_cpu_s": tokens / cpu, "mean_batch": batch, "per_stream_tok_s": statistics.median(per_stream),
            "ttft_median_s": statistics.median(ttft), "ttft_max_s": max(ttft)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cli", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--streams", default="1,2,4,8")
    parser.add_argument("--requests", type=int, default=2, help="requests per client")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("serve_args", nargs="*")
    args = parser.parse_args()
    os.environ["LITERTLM_CLI"] = args.cli
    from serve_support import Server
    server = Server(args.model, "--max-tokens", str(args.max_tokens), *args.serve_args, model_id="bench")
    try:
        one_request(server.port, "warm up", 8)
        rows = [run_level(server.port, server.proc.pid, int(s), args.requests, args.max_tokens)
                for s in args.streams.split(",")]
    finally:
        server.stop()
    base = rows[0]["aggregate_tok_s"]
    cpu_base = rows[0]["tok_per_cpu_s"]
    print("| streams | requests | tokens | aggregate tok/s | × 1 stream | tokens per CPU-second | × 1 stream | mean batch | per-stream tok/s | TTFT median | TTFT max |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| %d | %d | %d | %.1f | %.2f | %.1f | %.2f | %.2f | %.1f | %.3f s | %.3f s |" % (
            r["streams"], r["requests"], r["tokens"], r["aggregate_tok_s"], r["aggregate_tok_s"] / base,
            r["tok_per_cpu_s"], r["tok_per_cpu_s"] / cpu_base, r["mean_batch"],
            r["per_stream_tok_s"], r["ttft_median_s"], r["ttft_max_s"]))
    print(json.dumps(rows), file=sys.stderr)


if __name__ == "__main__":
    main()

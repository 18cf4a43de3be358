#!/usr/bin/env python3
"""Turns gemv_bench / gemm_bench JSON (Google Benchmark, --benchmark_out) into the markdown
tables of benchmarks/RESULTS.md ("Kernels"). Python 3 stdlib only.

  python3 benchmarks/tools/kernels_results.py gemv.json gemm.json
"""
import json
import re
import sys


def medians(path):
    """label -> (median counter value, median cpu_time/real_time) for every *_median row."""
    out = {}
    with open(path) as f:
        data = json.load(f)
    for b in data["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        value = b.get("GB/s", b.get("GFLOP/s"))
        label = b.get("label", "")
        if b["name"].startswith("ReadBandwidth"):
            label = b["name"].split("/")[1] + " " + b["name"].split("/")[2] + "T"
        out[label] = (value, b["cpu_time"] / b["real_time"] if b["real_time"] else 0)
    return out, data.get("context", {})


def gemv_tables(path):
    rows, ctx = medians(path)
    print(f"Host: {ctx.get('host_name', '?')}, {ctx.get('num_cpus', '?')} CPUs, "
          f"load avg at start {ctx.get('load_avg', '?')}\n")
    bw = {k: v[0] for k, v in rows.items() if k.startswith(("start", "end"))}
    print("Read bandwidth (512 MiB, STREAM-style sum), median GB/s: " +
          ", ".join(f"{k} {v:.1f}" for k, v in sorted(bw.items())) + "\n")
    formats = ["dynamic_int8", "int8_weight_only", "dynamic_int4_block32",
               "dynamic_int4_block128", "fp16", "fp32_openblas_sgemv"]
    shapes = []
    table = {}
    for label, (v, _) in rows.items():
        m = re.match(r"(\S+) K=(\d+) N=(\d+) (\S+) (\d)T", label)
        if not m:
            continue
        key = (m.group(1), int(m.group(2)), int(m.group(3)))
        if key not in shapes:
            shapes.append(key)
        table[(key, m.group(4), int(m.group(5)))] = v
    for t in (1, 2):
        print(f"GEMV (M=1), {t} thread(s): median GB/s of weight bytes (incl. scales)\n")
        print("| model | K→N | " + " | ".join(formats) + " |")
        print("|---|---|" + "---:|" * len(formats))
        for key in shapes:
            cells = [f"{table.get((key, f, t), float('nan')):.1f}" for f in formats]
            print(f"| {key[0]} | {key[1]}→{key[2]} | " + " | ".join(cells) + " |")
        print()
    for t in (1, 2):
        ref = [bw[k] for k in bw if k.endswith(f"{t}T")]
        if not ref:
            continue
        read = sorted(ref)[len(ref) // 2] if len(ref) % 2 else sum(ref) / len(ref)
        fr = [table[(k, "dynamic_int8", t)] / read for k in shapes if (k, "dynamic_int8", t) in table]
        big = [table[(k, "dynamic_int8", t)] / read for k in shapes
               if (k, "dynamic_int8", t) in table and k[1] * k[2] >= 32 << 20]
        fr.sort()
        print(f"dynamic_int8 GEMV {t}T / read bandwidth ({read:.1f} GB/s): median "
              f"{fr[len(fr) // 2]:.0%} over all shapes (min {fr[0]:.0%}, max {fr[-1]:.0%})" +
              (f"; lm_head shapes {', '.join(f'{x:.0%}' for x in big)}" if big else ""))
    print()


def gemm_tables(path):
    rows, _ = medians(path)
    table = {}
    keys = []
    for label, (v, cpu) in rows.items():
        m = re.match(r"(\S+) M=(\d+) K=(\d+) N=(\d+) (\S+) (\d)T", label)
        if not m:
            continue
        key = (m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(6)))
        if key not in keys:
            keys.append(key)
        table[(key, m.group(5))] = (v, cpu)
    print("GEMM (prefill): median GFLOP/s (2·M·N·K / wall time); in brackets CPU-time share "
          "(cpu_time / real_time: < 1 × threads means the host took cycles away)\n")
    print("| model | M | K→N | threads | int8 GEMM (VNNI) | int8 dequant→sgemm | fp32 sgemm | "
          "int8 GEMM / sgemm | faster int8 route |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---|")
    ratios = {}
    for key in keys:
        g = table.get((key, "int8_gemm"), (float("nan"), 0))
        d = table.get((key, "int8_dequant_sgemm"), (float("nan"), 0))
        s = table.get((key, "fp32_sgemm"), (float("nan"), 0))
        r = g[0] / s[0]
        ratios.setdefault((key[1], key[4]), []).append(r)
        best = "int8 GEMM" if g[0] >= d[0] else "dequant→sgemm"
        print(f"| {key[0]} | {key[1]} | {key[2]}→{key[3]} | {key[4]} | {g[0]:.1f} ({g[1]:.2f}) | "
              f"{d[0]:.1f} ({d[1]:.2f}) | {s[0]:.1f} ({s[1]:.2f}) | {r:.2f}× | {best} |")
    print()
    for (m, t), rs in sorted(ratios.items()):
        rs.sort()
        print(f"int8 GEMM / fp32 sgemm at M={m}, {t}T: median {rs[len(rs) // 2]:.2f}× "
              f"(min {rs[0]:.2f}×, max {rs[-1]:.2f}×)")


if __name__ == "__main__":
    gemv_tables(sys.argv[1])
    if len(sys.argv) > 2:
        gemm_tables(sys.argv[2])

#!/usr/bin/env python3
"""Which pages of a .litertlm file our engine keeps resident: runs `litert-lm-cli bench` under gdb,
stops it when the model file is unmapped (after the run, the weights still mapped), and prints the
peak RSS (VmHWM), the file mapping's resident pages and, for a TFLite-section file, the TFLite
model split into its FlatBuffer (graph tables, each signature's scale and zero-point vectors) and
its buffers, each with its resident pages (/proc/PID/pagemap bit 63). Python 3 stdlib + gdb.

  python3 benchmarks/tools/tflite_resident.py FILE.litertlm [--cli build/cli/litert-lm-cli]

Used for issue 16's peak-RSS comparison of the TFLite file and our own format
(benchmarks/RESULTS.md, "TFLite file's peak RSS").
"""
import argparse
import os
import re
import struct
import subprocess
import sys
import tempfile

# Runs inside gdb: a breakpoint on munmap that stops once the model file's mapping (len = the
# file's size rounded up, most of it resident) goes, and saves status, smaps and the residency map.
GDB_SCRIPT = r'''
import gdb, os, re, struct
out, model, size = os.environ["TR_OUT"], os.environ["TR_MODEL"], int(os.environ["TR_SIZE"])
class Unmap(gdb.Breakpoint):
    def stop(self):
        length = int(gdb.parse_and_eval("$rsi"))
        if length < size or length > size + (1 << 22):
            return False
        pid = gdb.selected_inferior().pid
        rss = int(re.search(r"VmRSS:\s+(\d+)", open(f"/proc/{pid}/status").read()).group(1))
        return rss * 1024 > size // 2
Unmap("munmap")
gdb.execute("run")
pid = gdb.selected_inferior().pid
open(out + ".status", "w").write(open(f"/proc/{pid}/status").read())
for line in open(f"/proc/{pid}/maps"):
    parts = line.split()
    if len(parts) >= 6 and os.path.realpath(parts[5]) == model:
        lo, hi = (int(x, 16) for x in parts[0].split("-"))
        break
n = (hi - lo) // 4096
with open(f"/proc/{pid}/pagemap", "rb") as pm:
    pm.seek(lo // 4096 * 8)
    data = pm.read(n * 8)
open(out + ".pages", "wb").write(bytes((struct.unpack_from("<Q", data, 8 * i)[0] >> 63) & 1 for i in range(n)))
gdb.execute("kill")
'''


class Fb:
    """Minimal FlatBuffer reader over bytes b (tables by position)."""

    def __init__(self, b):
        self.b = b

    def u32(self, p):
        return struct.unpack_from("<I", self.b, p)[0]

    def field(self, t, i):
        vt = t - struct.unpack_from("<i", self.b, t)[0]
        vsize = struct.unpack_from("<H", self.b, vt)[0]
        return struct.unpack_from("<H", self.b, vt + 4 + 2 * i)[0] if 4 + 2 * i < vsize else 0

    def ref(self, t, i):  # position of the table / vector field i refers to, or None
        o = self.field(t, i)
        return t + o + self.u32(t + o) if o else None

    def vector(self, t, i, elem):  # (first element position, byte length) or None
        v = self.ref(t, i)
        return None if v is None else (v + 4, self.u32(v) * elem)

    def tables(self, t, i):
        v = self.ref(t, i)
        if v is None:
            return []
        return [v + 4 + 4 * k + self.u32(v + 4 + 4 * k) for k in range(self.u32(v))]

    def string(self, t, i):
        r = self.vector(t, i, 1)
        return "" if r is None else self.b[r[0]:r[0] + r[1]].decode()

    def scalar(self, t, i, fmt):
        o = self.field(t, i)
        return struct.unpack_from(fmt, self.b, t + o)[0] if o else 0


def tflite_section(cli, path):
    text = subprocess.run([cli, "inspect", path], capture_output=True, text=True, check=True).stdout
    m = re.search(r"^\s*\d+\s+TFLiteModel\s+(\d+)\s+(\d+)", text, re.M)
    return (int(m.group(1)), int(m.group(2))) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--cli", default="build/cli/litert-lm-cli")
    a = ap.parse_args()
    path = os.path.realpath(a.file)
    size = os.path.getsize(path)
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "stop.py")
        open(script, "w").write(GDB_SCRIPT)
        env = dict(os.environ, TR_OUT=os.path.join(tmp, "run"), TR_MODEL=path, TR_SIZE=str(size))
        subprocess.run(["gdb", "-q", "-batch", "-ex", "set pagination off", "-ex", "set breakpoint pending on",
                        "-ex", f"set args bench {path} --repeats 1 --decode-tokens 1 --prefill-lengths 1 "
                        "--context 1 --json", "-x", script, a.cli], env=env, capture_output=True, check=False)
        try:
            status = open(env["TR_OUT"] + ".status").read()
            pages = open(env["TR_OUT"] + ".pages", "rb").read()
        except FileNotFoundError:
            sys.exit("the run did not stop at the model file's munmap (gdb missing or the load failed?)")
    hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
    print(f"{a.file}: {size} bytes; peak RSS (VmHWM) {hwm} kB; file pages resident {sum(pages)} of {len(pages)} "
          f"({sum(pages) * 4} kB)")
    sec = tflite_section(a.cli, path)
    if sec is None:
        return

    def resident(lo, n):  # resident pages among those [lo, lo + n) of the section touches
        first, last = (sec[0] + lo) // 4096, (sec[0] + lo + n - 1) // 4096
        return sum(pages[first:last + 1]), last - first + 1

    with open(path, "rb") as f:
        f.seek(sec[0])
        fb = Fb(f.read(sec[1]))
    model = fb.u32(0)
    ext = []
    for bu in fb.tables(model, 4):
        off, n = fb.scalar(bu, 1, "<Q"), fb.scalar(bu, 2, "<Q")
        if off > 1 and n:
            ext.append((off, n))
    fb_end = min(o for o, _ in ext) if ext else sec[1]
    r, t = resident(0, fb_end)
    buffer_pages = set()
    for o, n in ext:
        buffer_pages.update(range((sec[0] + o) // 4096, (sec[0] + o + n - 1) // 4096 + 1))
    print(f"TFLite section at {sec[0]}: FlatBuffer {fb_end} bytes, resident {r} of {t} pages; "
          f"{len(ext)} buffers after it, {sum(n for _, n in ext)} bytes, resident "
          f"{sum(pages[p] for p in buffer_pages)} of {len(buffer_pages)} pages")
    parts = {}
    for sg in fb.tables(model, 2):
        name = fb.string(sg, 4)
        name = "composite subgraphs" if name.startswith("odml.") else f"signature '{name}'"
        for tensor in fb.tables(sg, 0):
            q = fb.ref(tensor, 4)
            if q is None:
                continue
            for what, i, elem in (("scale vectors", 2, 4), ("zero-point vectors", 3, 8)):
                v = fb.vector(q, i, elem)
                if v and v[1]:
                    p = parts.setdefault((name, what), [0, set()])
                    p[0] += v[1]
                    p[1].update(range((sec[0] + v[0]) // 4096, (sec[0] + v[0] + v[1] - 1) // 4096 + 1))
    for (name, what), (n, ps) in sorted(parts.items()):
        print(f"  FlatBuffer, {name} {what}: {n} bytes, resident {sum(pages[p] for p in ps)} of {len(ps)} pages")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Makes a compact fuzzing seed from a .litertlm file written by liblitertlm.

Sections of a written file start on 16 KiB boundaries, so most seed bytes are zero padding and
random mutations rarely hit the header. This moves every section to the next 64-byte boundary
after the previous one (the reader accepts any alignment but requires 64 for the weights
section) and patches the section offsets in place inside the header FlatBuffer (the u64 values
are found by value; the script refuses ambiguous files). Usage: compact_seed.py IN OUT
"""
import struct
import sys


def main(src, dst):
    data = open(src, "rb").read()
    header_end = struct.unpack_from("<Q", data, 24)[0]
    size = len(data)
    # Candidate offsets: 8-aligned u64 values (relative to byte 32) in [16384, size].
    found = {}
    for pos in range(32, header_end - 7, 4):
        value = struct.unpack_from("<Q", data, pos)[0]
        if 16384 <= value <= size:
            found.setdefault(value, []).append(pos)
    begins = sorted(v for v in found if v % 16384 == 0 and v < size)
    out = bytearray(data[:header_end])
    cursor = (header_end + 63) // 64 * 64
    body = bytearray()
    for i, begin in enumerate(begins):
        limit = begins[i + 1] if i + 1 < len(begins) else size + 1
        ends = [v for v in found if begin < v < limit or (v == begin and v not in begins)]
        end = max(ends) if ends else begin
        new_begin = cursor
        for pos in found[begin]:
            struct.pack_into("<Q", out, pos, new_begin)
        if end != begin:
            for pos in found[end]:
                struct.pack_into("<Q", out, pos, new_begin + (end - begin))
        body += bytes(new_begin - header_end - len(body)) + data[begin:end]
        cursor = (new_begin + (end - begin) + 63) // 64 * 64
    open(dst, "wb").write(bytes(out) + bytes(body))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

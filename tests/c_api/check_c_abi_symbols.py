#!/usr/bin/env python3
"""Fails when liblitertlm's C ABI drifts from the committed list.

usage: check_c_abi_symbols.py LIBRARY VERSION_SCRIPT HEADER

Three sets must be equal: the functions HEADER declares (LITERTLM_API ... litertlm_*(), the
version script's symbols, and the C (unmangled) symbols LIBRARY's dynamic symbol table defines.
Each of those must carry the version node it is listed under, as the default version (@@).
C++ symbols (_Z...) and reserved names (_init, ...) are not part of the C ABI and are ignored.
Uses readelf (binutils) and the Python standard library only.
"""
import re
import subprocess
import sys


def header_functions(path):
    text = open(path, encoding="utf-8").read()
    return set(re.findall(r"LITERTLM_API\b[^;{]*?\b(litertlm_\w+)\s*\(", text))


def version_script(path):
    """{symbol: node} from a GNU ld version script."""
    text = re.sub(r"/\*.*?\*/", "", open(path, encoding="utf-8").read(), flags=re.S)
    symbols = {}
    for node, body in re.findall(r"(\w+)\s*\{(.*?)\}\s*\w*\s*;", text, flags=re.S):
        for entry in body.split(";"):
            entry = entry.strip()
            for label in ("global:", "local:"):
                if entry.startswith(label):
                    entry = entry[len(label):].strip()
            if entry:
                if entry in symbols:
                    sys.exit(f"{path}: {entry} is listed twice")
                symbols[entry] = node
    if not symbols:
        sys.exit(f"{path}: no symbols found")
    return symbols


def exported_c_symbols(library):
    """{symbol: (version, is_default)} of the defined, global, unmangled dynamic symbols."""
    out = subprocess.run(["readelf", "--dyn-syms", "--wide", library], check=True,
                         capture_output=True, text=True).stdout
    symbols = {}
    for line in out.splitlines():
        cols = line.split()
        if len(cols) < 8 or not cols[0].rstrip(":").isdigit():
            continue
        bind, ndx, name = cols[4], cols[6], cols[7]
        if ndx in ("UND", "ABS") or bind not in ("GLOBAL", "WEAK"):
            continue
        default = "@@" in name
        base, _, version = name.replace("@@", "@").partition("@")
        if base.startswith("_"):
            continue  # C++ (_Z...) or reserved
        symbols[base] = (version, default)
    return symbols


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    library, script, header = sys.argv[1:]
    declared = header_functions(header)
    listed = version_script(script)
    exported = exported_c_symbols(library)
    errors = []

    def diff(a_name, a, b_name, b):
        for sym in sorted(set(a) - set(b)):
            errors.append(f"{sym}: in {a_name} but not in {b_name}")

    diff(header, declared, script, listed)
    diff(script, listed, header, declared)
    diff(library, exported, script, listed)
    diff(script, listed, library, exported)
    for sym, node in sorted(listed.items()):
        if sym in exported:
            version, default = exported[sym]
            if version != node or not default:
                shown = f"@{'@' if default else ''}{version}" if version else " (unversioned)"
                errors.append(f"{library}: {sym}{shown}, expected {sym}@@{node}")
    if errors:
        print("\n".join(errors))
        print(f"C ABI check failed: {len(errors)} problem(s). A new C function goes into the header "
              f"and into a new version node of {script}; a listed one is never removed.")
        return 1
    print(f"C ABI OK: {len(listed)} symbols, header = version script = exported set")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The layering check: dependencies inside liblitertlm only point down the layer order.

    util ← tensor ← kernels ← format ← {tokenizer, sampling, model} ← {session, hub} ← converter
         ← api ← cli

(liblitertlm/README.md draws the map and states the rules.) Two checks, no exceptions list:

1. Includes (source tree): every `#include "L/..."` (or <L/...>) in liblitertlm/<layer>/ names a
   layer L at or below its own rank; layers of the same rank never include each other. Public
   headers (`litertlm/...`, std-only declarations) may be included anywhere in the library: what
   they declare is checked by 2. The CLI (cli/) includes only public headers and its own files;
   examples/ only public headers.
2. Symbols (with --objects, the built litertlm_obj object directory): every symbol an object file
   of layer A needs that is strongly defined by an object file of layer B must satisfy the same
   rule for A → B. This catches what includes cannot, e.g. a tokenizer calling a function that the
   public header litertlm/chat.h declares but api/ implements.

Exit status 0 = no violation; 1 = violations, each printed as one line naming the file, the
include or symbol, and the two layers; 2 = bad usage.
"""
import argparse
import os
import re
import subprocess
import sys
from collections import defaultdict

# Rank of each library layer; equal rank = siblings (independent of each other).
RANKS = {
    "util": 0,
    "tensor": 1,
    "kernels": 2,
    "format": 3,
    "tokenizer": 4, "sampling": 4, "model": 4,
    "session": 5, "hub": 5,
    "converter": 6,
    "api": 7,
}
PUBLIC = "litertlm"
SOURCE_EXT = (".h", ".cc", ".c", ".cpp", ".hpp")
STD_STRING = "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >"
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')


def allowed(src_layer, dst_layer):
    return src_layer == dst_layer or RANKS[dst_layer] < RANKS[src_layer]


def why(src_layer, dst_layer):
    if RANKS[dst_layer] == RANKS[src_layer]:
        return "sibling layers do not depend on each other"
    return "points up the layer order"


def source_files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(SOURCE_EXT):
                yield os.path.join(dirpath, name)


def includes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            m = INCLUDE_RE.match(line)
            if m:
                yield lineno, m.group(1), m.group(2)


def check_library_includes(repo, errors, edges):
    lib = os.path.join(repo, "liblitertlm")
    for layer in sorted(os.listdir(lib)):
        layer_dir = os.path.join(lib, layer)
        if not os.path.isdir(layer_dir):
            continue
        if layer not in RANKS:
            errors.append(f"liblitertlm/{layer}/: a directory that is not a layer "
                          f"(add it to RANKS in tests/tools/check_layering.py and to the map in "
                          f"liblitertlm/README.md)")
            continue
        for path in source_files(layer_dir):
            rel = os.path.relpath(path, repo)
            for lineno, _, target in includes(path):
                head = target.split("/", 1)[0]
                if "/" not in target or head == PUBLIC or head not in RANKS:
                    continue  # same-directory, public, system or third-party header
                edges[(layer, head)] += 1
                if not allowed(layer, head):
                    errors.append(f"{rel}:{lineno}: includes \"{target}\": {layer} → {head} "
                                  f"{why(layer, head)}")


def check_public_only(repo, subdir, errors, own_files_allowed):
    """cli/ and examples/: quoted includes name public headers (or, for cli/, its own files)."""
    root = os.path.join(repo, subdir)
    if not os.path.isdir(root):
        return
    for path in source_files(root):
        rel = os.path.relpath(path, repo)
        for lineno, kind, target in includes(path):
            head = target.split("/", 1)[0]
            if head == PUBLIC and "/" in target:
                continue
            if kind == "<":
                if "/" in target and head in RANKS:
                    errors.append(f"{rel}:{lineno}: includes <{target}>: {subdir}/ includes "
                                  f"only public headers (litertlm/...)")
                continue  # a system or third-party header
            if own_files_allowed and (
                    os.path.isfile(os.path.join(os.path.dirname(path), target)) or
                    os.path.isfile(os.path.join(root, target))):
                continue
            errors.append(f"{rel}:{lineno}: includes \"{target}\": {subdir}/ includes only "
                          f"public headers (litertlm/...)" +
                          (" and its own files" if own_files_allowed else ""))


def object_layer(path):
    # CMake puts the object of liblitertlm/<layer>/x.cc (or of a generated <build>/.../<layer>/
    # x.pb.cc) at <target>.dir/<layer>/x.cc.o: the nearest directory named after a layer.
    for part in reversed(os.path.normpath(path).split(os.sep)[:-1]):
        if part in RANKS:
            return part
    return None


def nm(path, *flags):
    out = subprocess.run([os.environ.get("NM") or "nm", "-P", *flags, path], check=True,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 2:
            yield fields[0], fields[1]


def demangle(names):
    try:
        out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True,
                             text=True, check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return {}  # mangled names, then
    return dict(zip(names, out))


def object_files(spec):
    """A directory (searched for *.o) or a '|'-separated list of object files."""
    if os.path.isdir(spec):
        found = []
        for dirpath, dirnames, filenames in os.walk(spec):
            dirnames.sort()
            found += [os.path.join(dirpath, n) for n in sorted(filenames) if n.endswith(".o")]
        return found
    return [p for p in spec.split("|") if p]


def check_symbols(objects, errors, edges):
    missing = [o for o in objects if not os.path.isfile(o)]
    if not objects or missing:
        errors.append(f"--objects: {missing[0] if missing else 'no object files'}: not found "
                      f"(build litertlm_obj first)")
        return
    defined = {}  # strong global symbol → layer
    needs = []  # (object, layer, [undefined symbols])
    for obj in objects:
        layer = object_layer(obj)
        if layer is None:
            errors.append(f"{obj}: an object file outside every layer directory")
            continue
        undefined = []
        for name, kind in nm(obj):
            if kind == "U":
                undefined.append(name)
            elif kind in "TDBRGS":  # strong, global definitions (weak/inline ones are lowercase
                defined[name] = layer  # or W/V/u, defined wherever they are used)
        needs.append((obj, layer, undefined))
    bad = defaultdict(set)  # (object, src, dst) → symbols
    for obj, layer, undefined in needs:
        for name in undefined:
            dst = defined.get(name)
            if dst is None or dst == layer:
                continue
            edges[(layer, dst)] += 1
            if not allowed(layer, dst):
                bad[(obj, layer, dst)].add(name)
    names = {k: v.replace(STD_STRING, "std::string") for k, v in
             demangle(sorted({n for symbols in bad.values() for n in symbols})).items()}
    for (obj, src, dst), symbols in sorted(bad.items()):
        shown = ", ".join(names.get(s, s) for s in sorted(symbols)[:3])
        more = f" (+{len(symbols) - 3} more)" if len(symbols) > 3 else ""
        where = os.sep.join(os.path.normpath(obj).split(os.sep)[-2:])
        errors.append(f"{where}: uses {shown}{more} defined in "
                      f"{dst}/: {src} → {dst} {why(src, dst)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default=os.path.join(os.path.dirname(__file__), "..", ".."),
                        help="the source tree (default: this script's repository)")
    parser.add_argument("--objects", help="litertlm_obj's object files, '|'-separated, or a "
                        "directory holding them (the symbol check)")
    parser.add_argument("--edges", action="store_true",
                        help="print every layer → layer edge found, with its count")
    args = parser.parse_args()
    repo = os.path.abspath(args.repo)
    if not os.path.isdir(os.path.join(repo, "liblitertlm")):
        print(f"check_layering: {repo}: no liblitertlm/ directory", file=sys.stderr)
        return 2
    errors = []
    include_edges = defaultdict(int)
    symbol_edges = defaultdict(int)
    check_library_includes(repo, errors, include_edges)
    check_public_only(repo, "cli", errors, own_files_allowed=True)
    check_public_only(repo, "examples", errors, own_files_allowed=False)
    if args.objects:
        check_symbols(object_files(args.objects), errors, symbol_edges)
    if args.edges:
        for title, edges in (("includes", include_edges), ("symbols", symbol_edges)):
            for (src, dst), n in sorted(edges.items(), key=lambda e: (RANKS[e[0][0]], e[0])):
                mark = "" if allowed(src, dst) else "  UPWARD" if RANKS[dst] > RANKS[src] else \
                    "  SIBLING"
                print(f"{title}: {src} → {dst} ({n}){mark}")
    for e in errors:
        print(e)
    if errors:
        print(f"check_layering: {len(errors)} violation(s) of the layer order "
              f"(liblitertlm/README.md)", file=sys.stderr)
        return 1
    print("check_layering: every include" + (" and symbol" if args.objects else "") +
          " points down the layer order")
    return 0


if __name__ == "__main__":
    sys.exit(main())

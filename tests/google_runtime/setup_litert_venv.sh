#!/usr/bin/env bash
# Creates (once) the tool venv with Google's LiteRT-LM runtime (litert-lm-api: module litert_lm, a
# prebuilt runtime with a ctypes wrapper, no torch) and litert-lm-builder (litert-lm-peek) from
# PyPI, which google_runtime_test.py runs: setup_litert_venv.sh VENV_DIR. Test tooling only;
# nothing of it is a dependency of the library or the CLI. Versions pinned in requirements.txt.
set -euo pipefail
venv=$1
here=$(cd "$(dirname "$0")" && pwd)
if "$venv/bin/python" -c "import litert_lm" 2>/dev/null && [ -x "$venv/bin/litert-lm-peek" ]; then exit 0; fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
"$venv/bin/python" -c "import litert_lm; print('litert_lm', litert_lm.__file__)"

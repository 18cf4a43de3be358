#!/usr/bin/env bash
# Creates (once) the tool venv with the real `openai` Python client from PyPI that
# openai_client_test.py runs in: setup_openai_venv.sh VENV_DIR. Test tooling only; nothing of it
# is a dependency of the library or the CLI.
set -euo pipefail
venv=$1
here=$(cd "$(dirname "$0")" && pwd)
if "$venv/bin/python" -c "import openai" 2>/dev/null; then exit 0; fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
"$venv/bin/python" -c "import openai; print('openai', openai.__version__)"

#!/usr/bin/env bash
# Installs the built tree into a scratch prefix, then builds the examples against the *installed*
# library twice: through CMake's find_package(litertlm) and through pkg-config (litertlm for the
# C++ examples, litertlm-c for the C ones, compiled by the C compiler). Only the install tree is
# on the include/library paths, so a public header that leaks an uninstalled or third-party
# header fails here. The ctypes example (no build step) then runs on the installed library,
# found through pkg-config.
set -euo pipefail
build_dir=$1 prefix=$2 examples=$3
rm -rf "$prefix" "$prefix-cmake" "$prefix-pc"
cmake --install "$build_dir" --prefix "$prefix" >/dev/null
test -f "$prefix/lib/pkgconfig/litertlm.pc" || test -f "$prefix/lib/x86_64-linux-gnu/pkgconfig/litertlm.pc"
test -f "$prefix/include/litertlm/c/litertlm.h"

# 1. CMake package.
cmake -S "$examples" -B "$prefix-cmake" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$prefix-cmake" -j2 >/dev/null

# 2. pkg-config, plain compiler line.
pcdir=$(dirname "$(find "$prefix" -name litertlm.pc | head -n1)")
mkdir -p "$prefix-pc"
for src in "$examples"/*.cc; do
  name=$(basename "$src" .cc)
  # shellcheck disable=SC2046
  g++ -std=c++20 -Wall -Werror "$src" -o "$prefix-pc/$name" \
      $(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs litertlm)
done
for src in "$examples"/*.c; do
  name=$(basename "$src" .c)
  # shellcheck disable=SC2046
  cc -std=c11 -Wall -Wextra -Wpedantic -Werror "$src" -o "$prefix-pc/$name" \
     $(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs litertlm-c)
done
# Every pkg-config-built example loads the installed library and runs on a tiny fixture
# checkpoint (random weights, real tokenizer and chat template), so the answers are gibberish;
# what matters is that each program works end to end and prints what it promises.
model="$examples/../tests/golden/models/qwen3_gqa"
test -f "$model/config.json" || { echo "fixture checkpoint missing: $model"; exit 1; }
# (grep without -q: with pipefail, -q exiting early can SIGPIPE the writer and fail the pipe.)
check() {  # check NAME PATTERN OUTPUT
  echo "$3" | grep -- "$2" >/dev/null || { echo "example $1: expected '$2' in its output:"; echo "$3"; exit 1; }
}
for src in "$examples"/*.cc "$examples"/*.c; do
  name=$(basename "${src%.*}")
  bin="$prefix-pc/$name"
  ldd "$bin" | grep "$prefix" >/dev/null || { echo "$name does not load the installed library"; exit 1; }
  out=$("$bin" 2>&1 || true)
  check "$name" "usage:" "$out"  # no arguments: a usage line, not a crash
  case $name in
    next_token)   out=$("$bin" "$model" 5 6 7 2>&1);                 check "$name" "next token: " "$out" ;;
    generate)     out=$("$bin" "$model" "Hello" 8 2>&1);             check "$name" "finish: " "$out" ;;
    chat)         out=$(printf 'Hi\nAnd then?\n' | "$bin" "$model" 8 2>&1)
                  [ "$(echo "$out" | grep -c 'reused from the cache')" = 2 ] \
                    || { echo "example chat: expected two turns:"; echo "$out"; exit 1; } ;;
    two_sessions) out=$("$bin" "$model" 8 2>&1);                     check "$name" "session 2: " "$out" ;;
    tokenize)     out=$("$bin" "$model" "Hello world" 2>&1);         check "$name" "decoded: Hello world" "$out" ;;
    c_generate)   out=$("$bin" "$model" "Hello" 8 2>&1);             check "$name" "finish: " "$out"
                  out=$("$bin" /nonexistent.litertlm "Hello" 2>&1 || true)
                  check "$name" "engine: NOT_FOUND: /nonexistent.litertlm" "$out" ;;
    *)            echo "example $name: add a run check to $0"; exit 1 ;;
  esac
  echo "example $name OK"
done
# The ctypes example: no LITERTLM_LIBRARY, so it must find the installed library via pkg-config.
out=$(PKG_CONFIG_PATH="$pcdir" python3 "$examples/chat_ctypes.py" "$model" --prompt Hello \
      --temperature 0 --max-tokens 8 --json 2>&1)
check chat_ctypes '"generated_tokens": 8' "$out"
echo "example chat_ctypes OK"
# A base model (no chat template of its own; the offline default Gemma 3 270M GGUF is one): the
# chat examples continue the text instead, and say so once on stderr.
base="$prefix-base-model"
rm -rf "$base" && cp -r "$model" "$base"
python3 - "$base/tokenizer_config.json" <<'PY'
import json, sys
path = sys.argv[1]
with open(path) as f:
    config = json.load(f)
config.pop("chat_template", None)
with open(path, "w") as f:
    json.dump(config, f)
PY
out=$("$prefix-pc/generate" "$base" "The capital of France is" 8 2>&1)
[ "$(echo "$out" | grep -c 'no chat template of its own')" = 1 ] \
  || { echo "example generate on a base model: expected one note:"; echo "$out"; exit 1; }
check generate "^The capital of France is" "$out"  # the prompt, continued
out=$(printf 'Once upon a time\nThe end\n' | "$prefix-pc/chat" "$base" 8 2>&1)
[ "$(echo "$out" | grep -c 'no chat template of its own')" = 1 ] \
  && [ "$(echo "$out" | grep -c 'reused from the cache')" = 2 ] \
  || { echo "example chat on a base model: expected one note and two turns:"; echo "$out"; exit 1; }
out=$("$prefix-pc/generate" "$model" "Hello" 8 2>&1)
if echo "$out" | grep 'no chat template' >/dev/null; then
  echo "example generate: the note on a model with a chat template:"; echo "$out"; exit 1
fi
echo "examples on a base model OK"
echo "install consumers OK"

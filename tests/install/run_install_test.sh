#!/usr/bin/env bash
# Installs the built tree into a scratch prefix, then builds the examples against the *installed*
# library twice: through CMake's find_package(litertlm) and through pkg-config. Only the install
# tree is on the include/library paths, so a public header that leaks an uninstalled or
# third-party header fails here.
set -euo pipefail
build_dir=$1 prefix=$2 examples=$3
rm -rf "$prefix" "$prefix-cmake" "$prefix-pc"
cmake --install "$build_dir" --prefix "$prefix" >/dev/null
test -f "$prefix/lib/pkgconfig/litertlm.pc" || test -f "$prefix/lib/x86_64-linux-gnu/pkgconfig/litertlm.pc"

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
# The pkg-config-built program runs and reports the installed library's version.
ldd "$prefix-pc/next_token" | grep -q "$prefix" || { echo "next_token does not load the installed library"; exit 1; }
out=$("$prefix-pc/next_token" 2>&1 || true)
echo "$out" | grep -q "usage:" || { echo "unexpected output: $out"; exit 1; }
echo "install consumers OK"

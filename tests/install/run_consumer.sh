#!/usr/bin/env bash
# Installs the build into a temporary prefix, builds tests/install/consumer
# against it with find_package(bic), and runs it.
set -euo pipefail
BUILD="$1"; SRC="$2"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
cmake --install "$BUILD" --prefix "$T/prefix" > "$T/install.log"
cmake -S "$SRC/tests/install/consumer" -B "$T/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$T/prefix" > "$T/configure.log" || { cat "$T/configure.log"; exit 1; }
cmake --build "$T/build" > "$T/build.log" || { cat "$T/build.log"; exit 1; }
"$T/build/consumer"
test -x "$T/prefix/bin/bic" && echo "installed bic: $("$T/prefix/bin/bic" --version)"

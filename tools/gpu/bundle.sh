#!/usr/bin/env bash
# Collects what the GPU machines need (no LLVM): GPU tests, benchmarks, the
# C API library and the compiled kernels, into one folder to carry.
set -euo pipefail
BUILD="$1"; DEST="$2"
rm -rf "$DEST"; mkdir -p "$DEST/kernels"
cp "$BUILD/tests/bic-gpu-tests" "$BUILD/bin/bic-bench-launch" "$BUILD/lib/libbic.so" "$DEST/"
cp "$BUILD"/kernels/*.ptx "$DEST/kernels/"
git -C "$(dirname "$0")/../.." rev-parse --short HEAD > "$DEST/COMMIT" 2>/dev/null || echo unknown > "$DEST/COMMIT"
du -sh "$DEST"

#!/usr/bin/env bash
# Installs what bic needs to build on Debian 12 (LLVM/MLIR 22, cxxopts,
# GoogleTest, Ninja, ccache), then configures and builds into build/.
# Sourced by tools/run.sh and tools/test.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${BIC_BUILD_DIR:-$ROOT/build}"

need=()
[ -f /usr/lib/llvm-22/lib/cmake/mlir/MLIRConfig.cmake ] || need+=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools)
[ -f /usr/lib/llvm-22/bin/FileCheck ] || need+=(llvm-22-tools)
[ -f /usr/include/zstd.h ] || need+=(libzstd-dev)
[ -f /usr/include/cxxopts.hpp ] || need+=(libcxxopts-dev)
[ -d /usr/include/gtest ] || need+=(libgtest-dev)
command -v ninja >/dev/null || need+=(ninja-build)
command -v ccache >/dev/null || need+=(ccache)
command -v cmake >/dev/null || need+=(cmake)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing: ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit >/dev/null
fi
echo "== building (kernels in kernels_src/ are compiled to PTX as part of the build)"
ninja -C "$BUILD" -j"$(nproc)"

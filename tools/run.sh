#!/usr/bin/env bash
# The main job: install what is missing, build, compile every kernel in
# kernels_src/ to PTX (sm_90a and sm_80), check each with ptxas, and when a
# GPU is present run the GPU tests and the benchmarks.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/tools/setup.sh"
BUILD="${BIC_BUILD_DIR:-$ROOT/build}"
PTXAS=/usr/local/cuda/bin/ptxas
echo "== kernels"
for ptx in "$BUILD"/kernels/*.ptx; do
  arch=$(echo "$ptx" | grep -o 'sm_[0-9]*a\?')
  if [ -x "$PTXAS" ]; then
    "$PTXAS" -arch="$arch" "$ptx" -o /dev/null && echo "ptxas ok  $(basename "$ptx")"
  else
    echo "compiled  $(basename "$ptx") (no ptxas to check it)"
  fi
done
if command -v nvidia-smi >/dev/null && nvidia-smi >/dev/null 2>&1; then
  echo "== GPU present: tests and benchmarks"
  "$ROOT/tools/gpu/bundle.sh" "$BUILD" "$ROOT/.gpu"
  OUT="${OUT:-$ROOT/tools/bench/results/latest}" "$ROOT/tools/gpu/run_gpu.sh"
else
  echo "== no GPU here: kernels were compiled and checked, not run"
fi

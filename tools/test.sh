#!/usr/bin/env bash
# Builds bic and runs every test: lit (passes, dialect, frontend, invariance
# corpus), GoogleTest (frontend, signatures, pipeline, runtime), ptxas on
# every shipped kernel, and the GPU tests (which skip without a GPU).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/tools/setup.sh"
cd "${BIC_BUILD_DIR:-$ROOT/build}"
ctest --output-on-failure -j"$(nproc)"

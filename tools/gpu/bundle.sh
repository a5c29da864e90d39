#!/usr/bin/env bash
# Collects what the GPU machines need (no LLVM): GPU tests, benchmarks, the
# C API library and the compiled kernels, into one folder to carry.
set -euo pipefail
BUILD="$1"; DEST="$2"
rm -rf "$DEST"; mkdir -p "$DEST/kernels"
cp "$BUILD/tests/bic-gpu-tests" "$BUILD/bin/bic-bench-launch" "$BUILD/lib/libbic.so" "$DEST/"
# Only the PTX the build defines now: a kernel dropped from CMake leaves
# its old file in $BUILD/kernels, which must not reach the GPU runs.
mapfile -t PTX < <(ninja -C "$BUILD" -t targets all 2>/dev/null |
                   sed -n 's|^\(kernels/[^:]*\.ptx\): .*|\1|p')
[ ${#PTX[@]} -gt 0 ] || { echo "bundle.sh: no kernels/*.ptx targets in $BUILD" >&2; exit 1; }
for p in "${PTX[@]}"; do cp "$BUILD/$p" "$DEST/kernels/"; done
# Configuration sweep: RMSNorm with other warp counts (each a fixed order).
if [ -x "$BUILD/bin/bic" ]; then
  mkdir -p "$DEST/sweep"
  ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
  # matmul configurations for sm_90a (BM BN BK num_warps num_stages
  # GROUP_M), all of one order; all take TMA (BK a multiple of 64): wgmma
  # from BM = 64, mma.sync below
  # BIC_SWEEP_CFGS="BM BN BK W S G [WS [OV [CL]]];..." replaces the list (WS = 1:
  # warp-specialised, the file name ends in _ws; OV = 1: built for
  # overlapped launches, overlap=1, _ov; CL = 2: a program per cluster of 2
  # CTAs sharing B by multicast, cluster=2, _c2).
  IFS=';' read -r -a CFGS <<< "${BIC_SWEEP_CFGS:-}"
  [ ${#CFGS[@]} -gt 0 ] || CFGS=("64 32 64 4 16 16" "64 64 64 4 12 16" "64 128 64 4 6 16" \
             "128 128 64 4 4 16" "128 128 64 8 4 16" "128 256 64 8 4 0" \
             "128 256 64 8 4 8" "128 256 64 8 4 16" "128 256 64 8 3 16" \
             "256 128 64 8 4 16" "256 128 64 8 3 16" "64 256 64 4 4 16" \
             "16 32 256 4 4 16" "32 64 128 4 4 16" "64 32 64 4 12 16" \
             "64 64 64 4 8 16" "128 64 64 4 8 16" "128 128 64 8 6 16" \
             "256 128 64 8 4 8" "32 32 256 4 4 16" "64 32 256 4 4 16" \
             "64 64 128 4 6 16" "16 128 128 4 6 16" "16 32 128 4 8 16" \
             "16 16 256 2 4 16" "16 32 512 4 4 16")
  for cfg in "${CFGS[@]}"; do
    set -- $cfg
    WS=${7:-0}; OV=${8:-0}; CL=${9:-1}; SUFFIX=""; [ "$WS" = 1 ] && SUFFIX=_ws
    [ "$OV" = 1 ] && SUFFIX="${SUFFIX}_ov"
    [ "$CL" != 1 ] && SUFFIX="${SUFFIX}_c${CL}"
    "$BUILD/bin/bic" compile "$ROOT/kernels_src/matmul.bic" -D BM=$1 -D BN=$2 -D BK=$3 \
      -D num_warps=$4 -D num_stages=$5 -D GROUP_M=$6 -D warp_specialize=$WS -D overlap=$OV \
      -D cluster=$CL --arch sm_90a \
      -o "$DEST/sweep/matmul_${1}_${2}_${3}_w${4}_s${5}_g${6}${SUFFIX}.sm_90a.ptx"
  done
  # BIC_EXTRA_KERNELS="name|-D X=1 -D Y=2;...": more matmul.bic builds for
  # sm_90a into kernels/ (for the benchmarks' *_EXTRA lists).
  IFS=';' read -r -a EXTRA <<< "${BIC_EXTRA_KERNELS:-}"
  for item in "${EXTRA[@]}"; do
    [ -n "$item" ] || continue
    # shellcheck disable=SC2086  # the defines are words
    "$BUILD/bin/bic" compile "$ROOT/kernels_src/matmul.bic" ${item#*|} --arch sm_90a \
      -o "$DEST/kernels/${item%%|*}.sm_90a.ptx"
  done
  # BIC_SPLITK=1: the K-split experiment (tools/bench/matmul_splitk.py);
  # BIC_SPLITK_CFGS="BM BN BK W S WS;..." its partial kernels' tiles.
  if [ "${BIC_SPLITK:-0}" = 1 ]; then
    mkdir -p "$DEST/splitk"
    IFS=';' read -r -a SK <<< "${BIC_SPLITK_CFGS:-64 64 128 4 8 1;64 128 64 4 8 1;64 32 128 4 8 1;128 64 64 8 8 0;128 128 64 8 6 0;128 256 64 8 4 0;64 256 64 4 4 1}"
    for cfg in "${SK[@]}"; do
      set -- $cfg; SUFFIX=""; [ "$6" = 1 ] && SUFFIX=_ws
      "$BUILD/bin/bic" compile "$ROOT/tools/bench/splitk/matmul_partial.bic" -D BM=$1 -D BN=$2 \
        -D BK=$3 -D num_warps=$4 -D num_stages=$5 -D warp_specialize=$6 --arch sm_90a \
        -o "$DEST/splitk/partial_${1}_${2}_${3}_w${4}_s${5}${SUFFIX}.sm_90a.ptx"
    done
    "$BUILD/bin/bic" compile "$ROOT/tools/bench/splitk/splitk_combine.bic" --arch sm_90a \
      -o "$DEST/splitk/combine.sm_90a.ptx"
  fi
  for H in 4096 8192; do for W in 2 4 8 16; do
    "$BUILD/bin/bic" compile "$ROOT/kernels_src/rmsnorm.bic" -D BLOCK=$H -D num_warps=$W \
      --arch sm_90a -o "$DEST/sweep/rmsnorm_h${H}_w${W}.sm_90a.ptx"
  done; done
fi
# The JIT, statically linked (the GPU machines have no LLVM), compressed.
if ninja -C "$BUILD" bic-jit-gpu-tests >/dev/null 2>&1; then
  xz -T2 -3 -c "$BUILD/tests/bic-jit-gpu-tests" > "$DEST/bic-jit-gpu-tests.xz"
fi
git -C "$(dirname "$0")/../.." rev-parse --short HEAD > "$DEST/COMMIT" 2>/dev/null || echo unknown > "$DEST/COMMIT"
du -sh "$DEST"

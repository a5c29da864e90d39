#!/usr/bin/env bash
# Runs on a GPU machine from the repository root, with the bundle from
# tools/gpu/bundle.sh in .gpu/: GPU tests, launch overhead, RMSNorm,
# matmul and attention benchmarks. Writes logs and JSON to $OUT and prints
# a short table last.
set -uo pipefail
B="${BIC_BUNDLE:-.gpu}"
OUT="${OUT:?set OUT}"
mkdir -p "$OUT"
export BIC_KERNEL_DIR="$B/kernels" BIC_KERNELS_SRC=kernels_src BIC_COMMIT="$(cat "$B/COMMIT")" PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv | tee "$OUT/gpu.txt"
echo "== GPU tests"
"$B/bic-gpu-tests" --gtest_output=json:"$OUT/gpu_tests.json" > "$OUT/gpu_tests.log" 2>&1
rc=$?
grep -E "^\[  (PASSED|FAILED|SKIPPED) |^\[==========\]|FAILED|Failure|error" "$OUT/gpu_tests.log" | head -40
if [ -f "$B/bic-jit-gpu-tests.xz" ]; then
  echo "== JIT GPU tests (static compiler)"
  xz -dc "$B/bic-jit-gpu-tests.xz" > /tmp/bic-jit-gpu-tests && chmod +x /tmp/bic-jit-gpu-tests
  BIC_KERNELS_SRC=kernels_src /tmp/bic-jit-gpu-tests --gtest_output=json:"$OUT/jit_gpu_tests.json" \
    > "$OUT/jit_gpu_tests.log" 2>&1 || rc=1
  grep -E "^\[  (PASSED|FAILED|SKIPPED) |^\[==========\]|Failure" "$OUT/jit_gpu_tests.log" | head -20
fi
echo "== launch overhead (C++ runtime)"
"$B/bic-bench-launch" "$B/kernels" | tee "$OUT/launch.json"
if [ -z "${BIC_SKIP_RMSNORM:-}" ]; then
  echo "== RMSNorm benchmark"
  python3 tools/bench/rmsnorm_bench.py "$B" "$OUT" 2>&1 | tee "$OUT/rmsnorm.log"
fi
if [ -n "${BIC_RUN_SWEEP:-}" ]; then
  echo "== matmul configuration sweep"
  BIC_SWEEP_MS="${BIC_SWEEP_MS:-1,16,64,256,1024,4096}" python3 tools/bench/matmul_sweep.py "$B" "$OUT" 2>&1 | tee "$OUT/matmul_sweep.log"
fi
echo "== matmul benchmark"
BIC_KERNELS_SRC=kernels_src python3 tools/bench/matmul_bench.py "$B" "$OUT" 2>&1 | tee "$OUT/matmul.log"
echo "== f32 matmul, tf32 and IEEE"
python3 tools/bench/matmul_tf32.py "$B" "$OUT" 2>&1 | tee "$OUT/matmul_tf32.log"
echo "== matmul on other weights (Llama-3 linear layers)"
BIC_KERNELS_SRC=kernels_src python3 tools/bench/matmul_shapes.py "$B" "$OUT" 2>&1 | tee "$OUT/matmul_shapes.log"
if [ -z "${BIC_SKIP_ATTENTION:-}" ]; then
  echo "== attention benchmark"
  python3 tools/bench/attention_bench.py "$B" "$OUT" 2>&1 | tee "$OUT/attention.log"
fi
echo "== cuBLAS's kernels (what the table competes with)"
python3 tools/bench/cublas_kernels.py "$OUT" > "$OUT/cublas_kernels.log" 2>&1 || echo "cublas_kernels.py failed"
exit $rc

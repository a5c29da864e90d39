"""Runs one bic matmul and one cuBLAS matmul (torch.mm) per case, after a
warm-up, between cudaProfilerStart/Stop, for Nsight Compute:

  ncu --profile-from-start off --clock-control none --set full -o REPORT \\
      python3 tools/bench/matmul_profile.py BUNDLE CASE [CASE ...]

CASE is N,K,M,PTX (a bic matmul, then cuBLAS on the same shape), `empty`
(matmul_bench.py's empty kernel on one program per SM) or `read,N,K` (its
read-only kernel over an N x K bf16 matrix, 4 programs per SM).

PTX is a file of BUNDLE/kernels or BUNDLE/sweep (e.g. matmul_hlarge.sm_90a.ptx
or matmul_128_256_64_w8_s4_g16.sm_90a.ptx); its BM and BN are read from the
name (table names: from kernels_src/matmul_configs.txt). The bic kernel runs
on min(tiles, resident programs), as in matmul_bench.py.
"""
import os
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bicrt  # noqa: E402
from matmul_bench import configs, empty_kernel, read_only  # noqa: E402


def tile_of(name, table):
    m = re.search(r"matmul_(\d+)_(\d+)_\d+_w", name)
    if m:
        return int(m.group(1)), int(m.group(2))
    for c in table:
        if name.startswith(c[0] + "."):
            return c[2], c[3]
    raise SystemExit(f"matmul_profile: no tile size known for {name}")


def main():
    bundle, cases = sys.argv[1], sys.argv[2:]
    rt = bicrt.Runtime(os.path.join(bundle, "libbic.so"))
    table = configs(os.path.join("kernels_src", "matmul_configs.txt"), "sm_90a")
    runs = []
    sms = torch.cuda.get_device_properties(0).multi_processor_count
    out = torch.empty(8 * sms, dtype=torch.int32, device="cuda")
    for case in cases:
        if case == "empty":  # the launch and drain alone, one program per SM
            runs.append((case, lambda: empty_kernel[(sms,)](out), None))
            continue
        if case.startswith("read,"):  # matmul_bench.py's read of B's bytes
            n, k = (int(v) for v in case.split(",")[1:])
            words = torch.randn(n, k, device="cuda").to(torch.bfloat16).view(torch.int32).view(-1)
            runs.append((case, lambda w=words: read_only[(4 * sms,)](
                w, out, w.numel() // 4096, BLOCK=4096, num_warps=8), None))
            continue
        n, k, m, name = case.split(",")
        n, k, m = int(n), int(k), int(m)
        path = next(p for p in (os.path.join(bundle, d, name) for d in ("kernels", "sweep"))
                    if os.path.exists(p))
        kern = rt.kernel(path, "matmul")
        bm, bn = tile_of(name, table)
        a = torch.randn(m, k, device="cuda").to(torch.bfloat16)
        b = torch.randn(n, k, device="cuda").to(torch.bfloat16)
        c = torch.empty(m, n, device="cuda", dtype=torch.bfloat16)
        grid = min(((m + bm - 1) // bm) * ((n + bn - 1) // bn), kern.resident_programs())
        args = kern.prepare([bicrt.ptr(a.data_ptr()), bicrt.ptr(b.data_ptr()),
                             bicrt.ptr(c.data_ptr()), bicrt.ptr(c.data_ptr()),
                             bicrt.i32(m), bicrt.i32(n), bicrt.i32(k)])
        stream = torch.cuda.current_stream().cuda_stream

        def bic(kern=kern, grid=grid, args=args, stream=stream):
            kern.rt._check(kern.rt.lib.bic_launch(kern.handle, grid, 1, 1,
                                                  bicrt.ctypes.c_void_p(stream), args, len(args)))

        def cub(a=a, b=b):
            torch.mm(a, b.t())

        runs.append((case, bic, cub))
    for _, bic, cub in runs:  # warm-up (module load, cuBLAS heuristics)
        bic()
        if cub:
            cub()
    torch.cuda.synchronize()
    torch.cuda.profiler.start()
    for case, bic, cub in runs:
        print(f"profiling {case}" + (": bic, then cuBLAS" if cub else ""), flush=True)
        bic()
        if cub:
            cub()
    torch.cuda.synchronize()
    torch.cuda.profiler.stop()


if __name__ == "__main__":
    main()

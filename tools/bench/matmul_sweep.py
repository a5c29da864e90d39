"""Times every matmul configuration in BUNDLE/sweep (all of one order
signature, checked here) on the three (N, K) of the benchmark at a few M,
against cuBLAS, to fill kernels_src/matmul_configs.txt. Before timing, every
configuration's product (M = 100) is compared bit for bit with the first
configuration's; one that differs is reported and never picked. Writes
matmul_sweep.json and prints the best configuration per (shape, M).

With BIC_SWEEP_PDL=1 every call is launched to overlap the previous one
(programmatic dependent launch), as matmul_bench.py's "bic PDL" column;
only configurations built with overlap=1 (`_ov` in the file name) can be,
and the others are left out. BIC_SWEEP_MS and BIC_SWEEP_SHAPES ("NxK,...")
narrow the token counts and shapes; BIC_SWEEP_NARROW_MAX_M (default: no
limit) times tiles narrower than 32 columns only up to that M (at large M on
a wide weight they re-read A for every 8 or 16 columns and take seconds).
The results are written after every shape, so a run cut short keeps them.

usage: matmul_sweep.py BUNDLE_DIR OUT_DIR
"""
import glob
import json
import os
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bicrt  # noqa: E402
from matmul_bench import SHAPES, time_us, weight_copies  # noqa: E402

PDL = os.environ.get("BIC_SWEEP_PDL", "0") == "1"
MS = [int(m) for m in os.environ.get("BIC_SWEEP_MS", "1,16,64,256,1024,4096").split(",")]
# BIC_SWEEP_SHAPES="14336x4096,..." (N x K) narrows the benchmark's shapes.
NARROW_MAX_M = int(os.environ.get("BIC_SWEEP_NARROW_MAX_M", "0"))
SWEEP_SHAPES = [tuple(int(x) for x in s.split("x"))
                for s in os.environ.get("BIC_SWEEP_SHAPES", "").split(",") if s] or SHAPES


def main():
    bundle, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    rt = bicrt.Runtime(os.path.join(bundle, "libbic.so"))
    ks = {}
    for p in sorted(glob.glob(os.path.join(bundle, "sweep", "matmul_*.sm_90a.ptx"))):
        g = re.search(r"matmul_(\d+)_(\d+)_(\d+)_w(\d+)_s(\d+)(?:_g(\d+))?(_ws)?(_ov)?"
                      r"(?:_c(\d+))?", p).groups()
        # (BM, BN, BK, warps, stages, GROUP_M, warp-specialised[, "ov"][, "c2"]);
        # BM x BN is a program's tile (a cluster's, with _c2)
        key = tuple(int(x) for x in g[:6] if x is not None) + (1 if g[6] else 0,)
        if g[7]:
            key += ("ov",)
        if g[8]:
            key += ("c" + g[8],)
        k = rt.kernel(p, "matmul")
        if PDL and not k.waits_prior_grids:
            continue
        ks[key] = k
    resident = {cfg: k.resident_programs() for cfg, k in ks.items()}
    print("programs resident at once:",
          ", ".join(f"{'_'.join(map(str, c))} {n}" for c, n in resident.items()), flush=True)
    hashes = {k.order_hash for k in ks.values()}
    assert len(hashes) == 1, hashes
    stream = lambda: torch.cuda.current_stream().cuda_stream  # noqa: E731
    res = []
    for N, K in SWEEP_SHAPES:
        # Copies of the weight, rotated, so that it never sits in L2.
        nsets = weight_copies(N * K * 2)
        Bs = [torch.randn(N, K, device="cuda").to(torch.bfloat16) for _ in range(nsets)]
        B = Bs[0]
        A = torch.randn(max(MS + [100]), K, device="cuda").to(torch.bfloat16)
        C = torch.empty(max(MS + [100]), N, device="cuda", dtype=torch.bfloat16)

        def launch(k, cfg, m, b, c):
            args = k.prepare([bicrt.ptr(A.data_ptr()), bicrt.ptr(b.data_ptr()),
                              bicrt.ptr(c.data_ptr()), bicrt.ptr(b.data_ptr()),
                              bicrt.i32(m), bicrt.i32(N), bicrt.i32(K)])
            tiles = ((m + cfg[0] - 1) // cfg[0]) * ((N + cfg[1] - 1) // cfg[1])
            k.rt._check(k.rt.lib.bic_launch_ex(k.handle, min(tiles, resident[cfg]), 1, 1,
                                               bicrt.ctypes.c_void_p(stream()), args, len(args),
                                               1 if PDL else 0))

        # every configuration must give the same bits (one order class)
        bad, first = set(), None
        for cfg, k in ks.items():
            c = torch.full((100, N), float("nan"), device="cuda", dtype=torch.bfloat16)
            launch(k, cfg, 100, B, c)
            torch.cuda.synchronize()
            if first is None:
                first = c
                ref = A[:100].float() @ B.float().t()
                err = ((c.float() - ref).norm() / ref.norm()).item()
                print(f"N={N} K={K}: {cfg} rel err {err:.1e} vs fp32", flush=True)
                assert err < 1e-2, err
            elif not torch.equal(c.view(torch.int16), first.view(torch.int16)):
                print(f"N={N} K={K}: {cfg} differs from {next(iter(ks))}: never picked")
                bad.add(cfg)
        for m in MS:
            t_cub = time_us(lambda i: torch.mm(A[:m], Bs[i].t()), nsets)
            best = None
            for cfg, k in ks.items():
                if NARROW_MAX_M and cfg[1] < 32 and m > NARROW_MAX_M:
                    continue
                t = time_us(lambda i, k=k, cfg=cfg: launch(k, cfg, m, Bs[i], C), nsets, reps=12)
                res.append({"N": N, "K": K, "M": m, "cfg": list(cfg), "us": t, "pdl": PDL,
                            "cublas_us": t_cub, "bitwise_equal": cfg not in bad})
                if cfg not in bad and (best is None or t < best[0]):
                    best = (t, cfg)
            print(f"N={N:5} K={K:5} M={m:5}: best {best[1]} {best[0]:8.1f} us "
                  f"({2 * m * N * K / best[0] / 1e6:6.1f} TFLOP/s, cuBLAS {t_cub:8.1f} us)",
                  flush=True)
        del A, B, Bs, C
        json.dump(res, open(os.path.join(out, "matmul_sweep.json"), "w"), indent=1)


if __name__ == "__main__":
    main()

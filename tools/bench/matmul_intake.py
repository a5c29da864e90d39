"""Which limit binds a matmul at a few hundred tokens: each SM's intake, or
what L2 hands out in all? Times one configuration (BUNDLE/sweep, a
warp-specialised 64 x 64 x 128 by default) at a fixed M and shape on
persistent grids of P programs, P from the tile count down. If each SM's
intake binds, a program that computes T / P tiles takes T / P times as
long (time x P stays flat); if the total out of L2 binds, fewer programs
share it and time grows more slowly than T / P. Prints time, time x P /
tiles and the bytes each CTA takes in per microsecond; writes
matmul_intake.json.

usage: matmul_intake.py BUNDLE_DIR OUT_DIR   (BIC_INTAKE_CFG="64_64_128_w4_s8_g16_ws",
       BIC_INTAKE_SHAPE="4096x4096", BIC_INTAKE_M=128)
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bicrt  # noqa: E402
from matmul_bench import time_us, weight_copies  # noqa: E402


def main():
    bundle, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    cfg = os.environ.get("BIC_INTAKE_CFG", "64_64_128_w4_s8_g16_ws")
    N, K = (int(x) for x in os.environ.get("BIC_INTAKE_SHAPE", "4096x4096").split("x"))
    M = int(os.environ.get("BIC_INTAKE_M", "128"))
    bm, bn = (int(x) for x in cfg.split("_")[:2])
    # `_c2`: a program is a cluster of 2 CTAs, each taking in half of A's
    # rows and all of B's block (multicast halves what leaves L2, not this)
    ctas = 2 if cfg.endswith("_c2") else 1
    rt = bicrt.Runtime(os.path.join(bundle, "libbic.so"))
    k = rt.kernel(os.path.join(bundle, "sweep", f"matmul_{cfg}.sm_90a.ptx"), "matmul")
    nsets = weight_copies(N * K * 2)
    Bs = [torch.randn(N, K, device="cuda").to(torch.bfloat16) for _ in range(nsets)]
    A = torch.randn(M, K, device="cuda").to(torch.bfloat16)
    C = torch.empty(M, N, device="cuda", dtype=torch.bfloat16)
    stream = lambda: torch.cuda.current_stream().cuda_stream  # noqa: E731
    tiles = ((M + bm - 1) // bm) * ((N + bn - 1) // bn)
    per_tile = (bm // ctas + bn) * K * 2  # bytes one CTA takes in for one tile

    def launch(p, b):
        args = k.prepare([bicrt.ptr(A.data_ptr()), bicrt.ptr(b.data_ptr()),
                          bicrt.ptr(C.data_ptr()), bicrt.ptr(b.data_ptr()),
                          bicrt.i32(M), bicrt.i32(N), bicrt.i32(K)])
        k.rt._check(k.rt.lib.bic_launch_ex(k.handle, p, 1, 1,
                                           bicrt.ctypes.c_void_p(stream()), args, len(args), 0))

    res = []
    for p in sorted({tiles, tiles * 3 // 4, tiles // 2, tiles // 4, tiles // 8} - {0},
                    reverse=True):
        t = time_us(lambda i, p=p: launch(p, Bs[i]), nsets, reps=12)
        rounds = -(-tiles // p)
        res.append({"programs": p, "ctas": p * ctas, "tiles": tiles, "us": t,
                    "us_per_round": t / rounds,
                    "gb_per_s_per_cta": rounds * per_tile / t / 1e3})
        print(f"{cfg} N={N} K={K} M={M}: {p:4} programs, {rounds} tile(s) each: {t:7.1f} us, "
              f"{t / rounds:6.1f} us per tile, {rounds * per_tile / t / 1e3:6.1f} GB/s into "
              f"each of {p * ctas} CTAs", flush=True)
    json.dump({"gpu": torch.cuda.get_device_name(), "cfg": cfg, "N": N, "K": K, "M": M,
               "results": res}, open(os.path.join(out, "matmul_intake.json"), "w"), indent=1)


if __name__ == "__main__":
    main()

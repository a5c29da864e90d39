"""Experiment: what K split across programs would buy at a few hundred
tokens, before the compiler learns to reduce the partial tiles inside one
kernel. K is cut into chunks of KC columns (KC = ceil(K / S) rounded up to
512, a function of K and S only, never of M); splitk/matmul_partial.bic
accumulates each chunk ascending from zero into an f32 partial, and
splitk/splitk_combine.bic adds the partials in ascending chunk order (the
order a fused kernel would keep). Times the partial kernel alone (what a
fused kernel could approach) and with the combine, against the table's line
for the same M (BUNDLE/kernels) and cuBLAS. Every partial configuration of
one S is compared bit for bit with the first (the split is the order; tiles
are not), and the first with fp32.

Expects BUNDLE/splitk/partial_BM_BN_BK_wWARPS_sSTAGES[_ws].sm_90a.ptx and
BUNDLE/splitk/combine.sm_90a.ptx (tools/gpu/bundle.sh with BIC_SPLITK=1).
usage: matmul_splitk.py BUNDLE_DIR OUT_DIR   (BIC_SPLITK_MS, BIC_SPLITK_S,
       BIC_SWEEP_SHAPES narrow the sweep)
"""
import glob
import json
import os
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bicrt  # noqa: E402
from matmul_bench import configs, pick, time_us, weight_copies  # noqa: E402
from matmul_sweep import SWEEP_SHAPES  # noqa: E402

MS = [int(m) for m in os.environ.get("BIC_SPLITK_MS", "64,128,256,512").split(",")]
SPLITS = [int(s) for s in os.environ.get("BIC_SPLITK_S", "2,4").split(",")]


def main():
    bundle, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    here = os.path.dirname(os.path.abspath(__file__))
    rt = bicrt.Runtime(os.path.join(bundle, "libbic.so"))
    stream = lambda: torch.cuda.current_stream().cuda_stream  # noqa: E731
    parts = {}
    for p in sorted(glob.glob(os.path.join(bundle, "splitk", "partial_*.sm_90a.ptx"))):
        g = re.search(r"partial_(\d+)_(\d+)_(\d+)_w(\d+)_s(\d+)(_ws)?", p).groups()
        # (BM, BN, BK, warps, stages, warp-specialised)
        parts[tuple(int(x) for x in g[:5]) + (1 if g[5] else 0,)] = \
            rt.kernel(p, "matmul_partial")
    comb = rt.kernel(os.path.join(bundle, "splitk", "combine.sm_90a.ptx"), "splitk_combine")
    resident = {c: k.resident_programs() for c, k in parts.items()}
    table = configs(os.path.join(here, "..", "..", "kernels_src", "matmul_configs.txt"),
                    "sm_90a")
    lines = {}
    res = []
    for N, K in SWEEP_SHAPES:
        nsets = weight_copies(N * K * 2)
        Bs = [torch.randn(N, K, device="cuda").to(torch.bfloat16) for _ in range(nsets)]
        mmax = max(MS)
        A = torch.randn(mmax, K, device="cuda").to(torch.bfloat16)
        C = torch.empty(mmax, N, device="cuda", dtype=torch.bfloat16)
        W = torch.empty(max(SPLITS) * (mmax + 256) * N, device="cuda", dtype=torch.float32)

        def partial(cfg, k, m, S, b):
            kc = -(-(-(-K // S)) // 512) * 512
            mp = -(-m // cfg[0]) * cfg[0]
            args = k.prepare([bicrt.ptr(A.data_ptr()), bicrt.ptr(b.data_ptr()),
                              bicrt.ptr(W.data_ptr()), bicrt.i32(m), bicrt.i32(N),
                              bicrt.i32(K), bicrt.i32(kc), bicrt.i32(S), bicrt.i32(mp)])
            tiles = (mp // cfg[0]) * (-(-N // cfg[1])) * S
            k.launch(min(tiles, resident[cfg]), args, stream())
            return mp

        def combine(m, S, mp, c):
            args = comb.prepare([bicrt.ptr(W.data_ptr()), bicrt.ptr(c.data_ptr()),
                                 bicrt.i32(m), bicrt.i32(N), bicrt.i32(S), bicrt.i32(mp)])
            comb.launch(-(-m * N // 1024), args, stream())

        def line(m, b, c):
            name = pick(table, m, N)[0]
            if name not in lines:
                lines[name] = rt.kernel(os.path.join(bundle, "kernels", f"{name}.sm_90a.ptx"),
                                        "matmul")
            k = lines[name]
            args = k.prepare([bicrt.ptr(A.data_ptr()), bicrt.ptr(b.data_ptr()),
                              bicrt.ptr(c.data_ptr()), bicrt.ptr(b.data_ptr()),
                              bicrt.i32(m), bicrt.i32(N), bicrt.i32(K)])
            cfg = next(c for c in table if c[0] == name)
            tiles = (-(-m // cfg[2])) * (-(-N // cfg[3]))
            k.launch(min(tiles, k.resident_programs()), args, stream())
            return name

        bad = set()
        for S in SPLITS:
            first = None
            for cfg, k in parts.items():
                c = torch.full((100, N), float("nan"), device="cuda", dtype=torch.bfloat16)
                combine(100, S, partial(cfg, k, 100, S, Bs[0]), c)
                torch.cuda.synchronize()
                if first is None:
                    first = c
                    ref = A[:100].float() @ Bs[0].float().t()
                    err = ((c.float() - ref).norm() / ref.norm()).item()
                    print(f"N={N} K={K} S={S}: {cfg} rel err {err:.1e} vs fp32", flush=True)
                    assert err < 1e-2, err
                elif not torch.equal(c.view(torch.int16), first.view(torch.int16)):
                    print(f"N={N} K={K} S={S}: {cfg} differs from the first: left out")
                    bad.add((S, cfg))
        for m in MS:
            t_cub = time_us(lambda i: torch.mm(A[:m], Bs[i].t()), nsets)
            t_line = time_us(lambda i: line(m, Bs[i], C), nsets, reps=12)
            best = {}
            for S in SPLITS:
                for cfg, k in parts.items():
                    if (S, cfg) in bad:
                        continue
                    t_p = time_us(lambda i, k=k, cfg=cfg: partial(cfg, k, m, S, Bs[i]), nsets,
                                  reps=12)
                    t_pc = time_us(lambda i, k=k, cfg=cfg: combine(
                        m, S, partial(cfg, k, m, S, Bs[i]), C), nsets, reps=12)
                    res.append({"N": N, "K": K, "M": m, "S": S, "cfg": list(cfg),
                                "partial_us": t_p, "partial_combine_us": t_pc,
                                "line": line(m, Bs[0], C), "line_us": t_line,
                                "cublas_us": t_cub})
                    if S not in best or t_p < best[S][0]:
                        best[S] = (t_p, t_pc, cfg)
            print(f"N={N:5} K={K:5} M={m:4}: table {t_line:6.1f} us, cuBLAS {t_cub:6.1f}; " +
                  "; ".join(f"S={S} partial {b[0]:6.1f} (+combine {b[1]:6.1f}) {b[2]}"
                            for S, b in sorted(best.items())), flush=True)
        del A, Bs, C, W
    json.dump({"gpu": torch.cuda.get_device_name(), "results": res},
              open(os.path.join(out, "matmul_splitk.json"), "w"), indent=1)


if __name__ == "__main__":
    main()

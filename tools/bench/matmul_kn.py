"""bf16 matmul with B given as [K, N] (row-major, as JAX/Flax store a dense
layer's kernel, or an activation on the right), against the same product
with B as [N, K] and against cuBLAS on each layout: bic's `_kn` builds of the
table's lines (kernels_src/matmul_configs.txt, the line the table picks for
M and N) vs `torch.mm(A, B_kn)` and `torch.mm(A, B_nk.t())`. Checks, per
shape, that bic's [K, N] and [N, K] products have the same bits at every M
timed and that the [K, N] product is within 1e-2 of fp64 on sampled rows.
Times are GPU time per call from CUDA graph replays with rotated weights,
as matmul_bench.py times them: the fastest of two rounds (three at M <= 64)
of the four in turn. Where an overlap line of the table serves M, bic's
[K, N] build is also timed launched to overlap the previous call (PDL), as
matmul_bench.py's "bic PDL", its bits checked too. Writes matmul_kn.json.

usage: matmul_kn.py BUNDLE_DIR OUT_DIR
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bicrt  # noqa: E402
from matmul_bench import SHAPES, configs, pick, table_path, time_us, weight_copies  # noqa: E402

MS = [1, 16, 64, 128, 256, 1024, 4096, 8192]


def main():
    bundle, out, rt, dev, arch = bicrt.bench_setup(sys.argv)
    # Every line, the overlap lines' (overlapped launches, M <= 64) too.
    table = configs(table_path(), arch)
    cfgs = [c for c in table if not c[5]]
    kdir = os.path.join(bundle, "kernels")
    nk = {c[0]: rt.kernel(os.path.join(kdir, f"{c[0]}.{arch}.ptx"), "matmul") for c in table}
    kn = {c[0]: rt.kernel(os.path.join(kdir, f"{c[0]}_kn.{arch}.ptx"), "matmul") for c in table}
    wgmma = {c[0]: "wgmma.mma_async" in open(os.path.join(kdir, f"{c[0]}_kn.{arch}.ptx")).read()
             for c in table}
    res = {"gpu": dev.name, "commit": os.environ.get("BIC_COMMIT", "?"), "rows": []}
    stream = lambda: torch.cuda.current_stream().cuda_stream  # noqa: E731
    print(f"{'N':>6} {'K':>6} {'M':>5} | {'bic KN':>7} {'bic NK':>7} {'cuBLAS KN':>9} "
          f"{'cuBLAS NK':>9} TFLOP/s | KN/cuBLAS-KN  bits  line (KN on wgmma)")
    for N, K in SHAPES:
        nsets = weight_copies(N * K * 2)
        Bnk = [torch.randn(N, K, device="cuda").to(torch.bfloat16) for _ in range(nsets)]
        Bkn = [b.t().contiguous() for b in Bnk]
        A = torch.randn(8192, K, device="cuda").to(torch.bfloat16)
        C1 = torch.empty(8192, N, device="cuda", dtype=torch.bfloat16)
        C2 = torch.empty_like(C1)

        def bic(m, i, layout, c, overlap=False):
            name, _, bm, bn, _, _ = pick(table if overlap else cfgs, m, N, overlap)
            k = (kn if layout == "kn" else nk)[name]
            b = (Bkn if layout == "kn" else Bnk)[i]
            args = k.prepare([bicrt.ptr(A.data_ptr()), bicrt.ptr(b.data_ptr()),
                              bicrt.ptr(c.data_ptr()), bicrt.ptr(b.data_ptr()),
                              bicrt.i32(m), bicrt.i32(N), bicrt.i32(K)])
            tiles = ((m + bm - 1) // bm) * ((N + bn - 1) // bn)
            k.launch(min(tiles, k.resident_programs()), args, stream(), overlap)
            return name

        rows = torch.arange(0, 8192, 997, device="cuda")
        ref = A[rows].double() @ Bnk[0].double().t()
        for m in MS:
            C1.fill_(float("nan"))
            C2.fill_(float("inf"))
            name = bic(m, 0, "kn", C1)
            bic(m, 0, "nk", C2)
            torch.cuda.synchronize()
            same = bool(torch.equal(C1[:m].view(torch.int16), C2[:m].view(torch.int16)))
            r = rows[rows < m]
            err = ((C1[r].double() - ref[: len(r)]).norm() / ref[: len(r)].norm()).item()
            assert err < 1e-2, f"bic [K, N] at {N}x{K} M={m}: relative error {err:.1e}"
            # As matmul_bench.py: rounds of all of them in turn (three where a
            # call is short, M <= 64), each keeping its fastest round.
            fns = [lambda i: bic(m, i, "kn", C1), lambda i: bic(m, i, "nk", C2),
                   lambda i: torch.mm(A[:m], Bkn[i]), lambda i: torch.mm(A[:m], Bnk[i].t())]
            # Overlapped launches (PDL) of [K, N] on the overlap line, where
            # one serves M; its rows checked against the plain [N, K] build.
            pdl = pick(table, m, N, True)
            if pdl[5]:
                C1.fill_(float("nan"))
                bic(m, 0, "kn", C1, overlap=True)
                torch.cuda.synchronize()
                same = same and bool(torch.equal(C1[:m].view(torch.int16),
                                                 C2[:m].view(torch.int16)))
                fns.append(lambda i: bic(m, i, "kn", C1, overlap=True))
            rounds = [[time_us(f, nsets) for f in fns] for _ in range(3 if m <= 64 else 2)]
            t = [min(ts) for ts in zip(*rounds)]
            tf = [2.0 * m * N * K / (x * 1e-6) / 1e12 for x in t]
            row = {"N": N, "K": K, "M": m, "line": name, "kn_on_wgmma": wgmma[name],
                   "us": dict(zip(["bic_kn", "bic_nk", "cublas_kn", "cublas_nk",
                                   "bic_kn_pdl"], t)),
                   "rounds_us": rounds, "bits_equal_nk": same, "rel_err": err}
            if pdl[5]:
                row["pdl_line"] = pdl[0]
            res["rows"].append(row)
            print(f"{N:>6} {K:>6} {m:>5} | {tf[0]:7.1f} {tf[1]:7.1f} {tf[2]:9.1f} {tf[3]:9.1f} "
                  f"        | {t[2] / t[0]:12.3f}  {'same' if same else 'DIFF'}  {name} "
                  f"({'yes' if wgmma[name] else 'no'})"
                  + (f" | PDL {tf[4]:7.1f} x{t[2] / t[4]:.3f} {pdl[0]}" if pdl[5] else ""),
                  flush=True)
    json.dump(res, open(os.path.join(out, "matmul_kn.json"), "w"), indent=1)
    bad = [r for r in res["rows"] if not r["bits_equal_nk"]]
    print(f"{len(res['rows']) - len(bad)} passed, {len(bad)} failed (bits of [K, N] vs [N, K])")


if __name__ == "__main__":
    main()

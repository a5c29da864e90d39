"""f32 matmul with input_precision=tf32 (matmul.bic -D T=f32 -D TF32=1,
operands rounded to nearest) and tf32_rz (TF32=2, truncated, as the tensor
cores read f32 bits) against cuBLAS's TF32 and IEEE SGEMM
(torch.mm on f32, allow_tf32 on and off) and bic's IEEE f32 build, C = A B^T
with B as [N, K], N = K = 4096.

bic's tf32 products run on mma.sync (m16n8k8) with a cp.async pipeline, or
on sm_90a on TMA stages: tiles of 16 or 32 rows, and warp-specialised tf32
tiles of any size, on mma.sync, each fragment rounded in registers (tf32)
or read as it landed (tf32_rz); 64 rows or more otherwise on wgmma, after
each stage is rounded in place (tf32) or as it landed (tf32_rz, also
warp-specialised): this measures what the rounding costs. BIC_TF32_MS
("1,16,...") replaces the token counts. Also checks that each family's rows are
bitwise the same at M = 16 and at the largest M, and the error of each
against fp64.

usage: matmul_tf32.py BUNDLE_DIR OUT_DIR   (writes OUT_DIR/matmul_tf32.json)
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bicrt  # noqa: E402
from rmsnorm_bench import graph_time_us  # noqa: E402

N = K = 4096
MS = [int(m) for m in os.environ.get("BIC_TF32_MS", "1,16,128,1024,4096").split(",")]
# (each M takes the fastest of these tf32 builds; all one order)
TF32 = {"matmul_tf32_m16": (16, 32), "matmul_tf32_ws_m16": (16, 32),
        "matmul_tf32_ws_32x32": (32, 32), "matmul_tf32_ws_32x128": (32, 128),
        "matmul_tf32_ws_64x128": (64, 128), "matmul_tf32_64x32": (64, 32),
        "matmul_tf32": (64, 64), "matmul_tf32_128": (128, 128),
        "matmul_tf32_128k64": (128, 128), "matmul_tf32_128x256": (128, 256),
        "matmul_tf32_256x128": (256, 128)}
TF32RZ = {"matmul_tf32rz_m16": (16, 32), "matmul_tf32rz_64x32": (64, 32),
          "matmul_tf32rz_ws_64x32": (64, 32), "matmul_tf32rz": (64, 64),
          "matmul_tf32rz_ws": (64, 128), "matmul_tf32rz_128": (128, 128),
          "matmul_tf32rz_ws_128": (128, 128), "matmul_tf32rz_128x256": (128, 256)}
IEEE = {"matmul_f32": (32, 32), "matmul_f32_64": (64, 64), "matmul_f32_128": (128, 128)}


def main():
    bundle, out, rt, dev, arch = bicrt.bench_setup(sys.argv)
    # More builds to time, from the bundle's kernels: BIC_TF32_EXTRA,
    # BIC_TF32RZ_EXTRA and BIC_IEEE_EXTRA="name=BMxBN,..."
    if arch != "sm_90a":  # (warp-specialised builds exist for sm_90a only)
        for table in (TF32, TF32RZ):
            for n in [n for n in table if "_ws" in n]:
                del table[n]
    for var, table in (("BIC_TF32_EXTRA", TF32), ("BIC_TF32RZ_EXTRA", TF32RZ),
                       ("BIC_IEEE_EXTRA", IEEE)):
        for item in filter(None, os.environ.get(var, "").split(",")):
            name, tile = item.split("=")
            table[name] = tuple(int(v) for v in tile.split("x"))
    load = lambda n: rt.kernel(os.path.join(bundle, "kernels", f"{n}.{arch}.ptx"), "matmul")  # noqa: E731
    kernels = {n: load(n) for n in list(TF32) + list(TF32RZ) + list(IEEE)}
    resident = {n: k.resident_programs() for n, k in kernels.items()}
    hashes = {kernels[n].order_hash for n in TF32}
    rz_hashes = {kernels[n].order_hash for n in TF32RZ}
    assert len(hashes) == 1, f"tf32 builds with different orders: {hashes}"
    assert len(rz_hashes) == 1, f"tf32_rz builds with different orders: {rz_hashes}"
    assert kernels["matmul_f32"].order_hash not in hashes | rz_hashes, "tf32 and IEEE share an order"
    assert not hashes & rz_hashes, "tf32 and tf32_rz share an order"
    sets = 3
    A = torch.randn(max(MS), K, device="cuda")
    Bs = [torch.randn(N, K, device="cuda") for _ in range(sets)]
    C = torch.empty(max(MS), N, device="cuda")
    stream = lambda: torch.cuda.current_stream().cuda_stream  # noqa: E731

    def bic(name, tiles, m, i, c=C):
        k, (bm, bn) = kernels[name], tiles[name]
        args = k.prepare([bicrt.ptr(A.data_ptr()), bicrt.ptr(Bs[i].data_ptr()),
                          bicrt.ptr(c.data_ptr()), bicrt.ptr(Bs[i].data_ptr()),
                          bicrt.i32(m), bicrt.i32(N), bicrt.i32(K)])
        grid = min(-(-m // bm) * -(-N // bn), resident[name])
        k.launch(grid, args, stream())

    def cublas(tf32, m, i):
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.mm(A[:m], Bs[i].t())

    res = {"gpu": dev.name, "commit": os.environ.get("BIC_COMMIT", "?"), "N": N, "K": K,
           "order_hash": hashes.pop(), "order_hash_rz": rz_hashes.pop(), "rows": []}
    # invariance and error (rows sampled against fp64)
    big, small = torch.empty_like(C), torch.empty_like(C)
    for family in (TF32, TF32RZ):
        for name in family:
            bic(name, family, max(MS), 0, big)
            bic(name, family, 16, 0, small)
            torch.cuda.synchronize()
            res.setdefault("invariant_m16_vs_max", {})[name] = bool(
                torch.equal(big[:16].view(torch.int32), small[:16].view(torch.int32)))
    rows = torch.arange(0, max(MS), 397, device="cuda")
    ref = A[rows].double() @ Bs[0].double().t()
    err = lambda c: ((c.double() - ref).norm() / ref.norm()).item()  # noqa: E731
    bic("matmul_tf32", TF32, max(MS), 0, big)
    torch.cuda.synchronize()
    res["rel_err"] = {"bic_tf32": err(big[rows])}
    bic("matmul_tf32rz", TF32RZ, max(MS), 0, big)
    torch.cuda.synchronize()
    res["rel_err"]["bic_tf32rz"] = err(big[rows])
    for tf32 in (True, False):
        torch.backends.cuda.matmul.allow_tf32 = tf32
        res["rel_err"]["cublas_" + ("tf32" if tf32 else "ieee")] = err(torch.mm(A, Bs[0].t())[rows])
    bic("matmul_f32", IEEE, max(MS), 0, big)
    torch.cuda.synchronize()
    res["rel_err"]["bic_ieee"] = err(big[rows])
    print(f"# {dev.name}: relative error vs fp64 {res['rel_err']}; "
          f"bitwise M=16 vs {max(MS)}: {res['invariant_m16_vs_max']}")
    print(f"{'M':>5} | {'bic tf32':>9} {'bic rz':>9} {'cuBLAS tf32':>11} {'bic ieee':>9} "
          f"{'cuBLAS ieee':>11} TFLOP/s | lines")
    for m in MS:
        flop = 2.0 * m * N * K
        t = {n: graph_time_us(lambda i, n=n: bic(n, TF32, m, i), sets) for n in TF32}
        best = min(t, key=t.get)
        trz = {n: graph_time_us(lambda i, n=n: bic(n, TF32RZ, m, i), sets) for n in TF32RZ}
        best_rz = min(trz, key=trz.get)
        row = {"M": m, "bic_tf32_line": best, "bic_tf32_us": t[best], "bic_tf32_lines": t,
               "bic_tf32rz_line": best_rz, "bic_tf32rz_us": trz[best_rz], "bic_tf32rz_lines": trz,
               "cublas_tf32_us": graph_time_us(lambda i: cublas(True, m, i), sets),
               "bic_ieee_lines": {n: graph_time_us(lambda i, n=n: bic(n, IEEE, m, i), sets, reps=5)
                                  for n in IEEE},
               "cublas_ieee_us": graph_time_us(lambda i: cublas(False, m, i), sets)}
        row["bic_ieee_line"] = min(row["bic_ieee_lines"], key=row["bic_ieee_lines"].get)
        row["bic_ieee_us"] = row["bic_ieee_lines"][row["bic_ieee_line"]]
        tf = {k[:-3]: flop / v / 1e6 for k, v in row.items() if k.endswith("_us")}
        row["tflops"] = tf
        res["rows"].append(row)
        print(f"{m:>5} | {tf['bic_tf32']:9.1f} {tf['bic_tf32rz']:9.1f} {tf['cublas_tf32']:11.1f} "
              f"{tf['bic_ieee']:9.2f} {tf['cublas_ieee']:11.1f}         | {best}, {best_rz}, "
              f"{row['bic_ieee_line']}")
    torch.backends.cuda.matmul.allow_tf32 = False
    with open(os.path.join(out, "matmul_tf32.json"), "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()

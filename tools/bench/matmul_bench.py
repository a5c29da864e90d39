"""bf16 matmul C = A * B^T (B the [N, K] weight of a linear layer): bic
(through its runtime, configuration picked per M from
kernels_src/matmul_configs.txt) vs cuBLAS (torch.mm) vs the fixed-config
persistent Triton kernel of the published batch-invariant recipe
(128x128x64, 8 warps, 3 stages, tiles in groups of 8 tile rows, the tile
loop flattened into the K loop: "triton_bi") and a plainer Triton kernel of
the same tile ("triton_simple", tiles in row order, loops not flattened;
until commit 2ba1dfd it was the benchmark's only Triton line, then named
triton_bi), M = 1 .. 8192 on three (N, K). TFLOP/s, the share of
copy bandwidth on B's bytes, and whether each is batch-invariant (row 0 of an
M=16 product equal to row 0 of the M=8192 product). Times are GPU time per
call from CUDA graph replays (weights rotated out of L2: enough copies of
each to fill 200 MB). Where the table has a line for overlapped launches
(sm_90a, few tokens), bic is also timed with every call launched to
overlap the one before it (programmatic dependent launch, "bic PDL": a
call starts while the previous one finishes and copies its first blocks of
B, a @weight, before it waits for it), which is how a model's sequence of
kernels can launch them; cuBLAS and Triton are launched without. For
each shape it also times a kernel that only reads B's bytes (and an empty
kernel), the same way: what streaming the weight alone costs in this
harness, fixed costs included ("read_b"). Writes matmul.json.

usage: matmul_bench.py BUNDLE_DIR OUT_DIR
"""
import json
import os
import sys

import torch
import triton
import triton.language as tl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bicrt  # noqa: E402
from rmsnorm_bench import copy_bandwidth, graph_time_us  # noqa: E402

SHAPES = [(4096, 4096), (14336, 4096), (4096, 14336)]
MS = [1 << i for i in range(14)]


@triton.jit
def _grouped_tile(t, tiles_n, tiles_m, GROUP: tl.constexpr):
    """Tile t's (row, column) when tiles are numbered in groups of GROUP
    tile rows, column by column within a group."""
    per_group = GROUP * tiles_n
    first = (t // per_group) * GROUP
    rows = min(tiles_m - first, GROUP)
    return first + t % rows, (t % per_group) // rows


@triton.jit
def triton_bi_published(a, b, c, M, N, K, sam, sak, sbk, sbn, scm, scn,
                        NUM_SMS: tl.constexpr, BM: tl.constexpr, BN: tl.constexpr,
                        BK: tl.constexpr, GROUP: tl.constexpr):
    """The published batch-invariant recipe's structure, written here: one
    program per SM walks tiles p, p + NUM_SMS, ... in grouped order, the
    tile loop flattened with the K loop (tl.range(flatten=True)) so that
    Triton pipelines across tiles, rows and columns past the matrix clamped
    to 0 (not masked) with contiguity hints, loads masked along K only,
    strides passed at run time (B as the [K, N] view of the [N, K] weight:
    sbk = 1, which Triton specialises), the output tile recomputed from its
    own counter after the K loop."""
    pid = tl.program_id(0)
    tiles_m = tl.cdiv(M, BM)
    tiles_n = tl.cdiv(N, BN)
    k_blocks = tl.cdiv(K, BK)
    tile_c = pid - NUM_SMS
    rk0 = tl.arange(0, BK)
    for tile in tl.range(pid, tiles_m * tiles_n, NUM_SMS, flatten=True):
        pm, pn = _grouped_tile(tile, tiles_n, tiles_m, GROUP)
        rm = pm * BM + tl.arange(0, BM)
        rn = pn * BN + tl.arange(0, BN)
        rm = tl.max_contiguous(tl.multiple_of(tl.where(rm < M, rm, 0), BM), BM)
        rn = tl.max_contiguous(tl.multiple_of(tl.where(rn < N, rn, 0), BN), BN)
        acc = tl.zeros((BM, BN), dtype=tl.float32)
        for kb in range(k_blocks):
            rk = kb * BK + rk0
            at = tl.load(a + rm[:, None] * sam + rk[None, :] * sak,
                         mask=rk0[None, :] < K - kb * BK, other=0.0)
            bt = tl.load(b + rk[:, None] * sbk + rn[None, :] * sbn,
                         mask=rk0[:, None] < K - kb * BK, other=0.0)
            acc = tl.dot(at, bt, acc)
        tile_c += NUM_SMS
        pm, pn = _grouped_tile(tile_c, tiles_n, tiles_m, GROUP)
        cm = pm * BM + tl.arange(0, BM)
        cn = pn * BN + tl.arange(0, BN)
        tl.store(c + cm[:, None] * scm + cn[None, :] * scn, acc.to(c.dtype.element_ty),
                 mask=(cm[:, None] < M) & (cn[None, :] < N))


@triton.jit
def triton_simple_matmul(a, b, c, M, N, K, NUM_SMS: tl.constexpr, BM: tl.constexpr,
                     BN: tl.constexpr, BK: tl.constexpr):
    pid = tl.program_id(0)
    num_n = tl.cdiv(N, BN)
    tiles = tl.cdiv(M, BM) * num_n
    for tile in range(pid, tiles, NUM_SMS):
        pm = tile // num_n
        pn = tile % num_n
        rm = pm * BM + tl.arange(0, BM)
        rn = pn * BN + tl.arange(0, BN)
        rk = tl.arange(0, BK)
        acc = tl.zeros((BM, BN), dtype=tl.float32)
        for k in range(0, K, BK):
            at = tl.load(a + rm[:, None] * K + (k + rk)[None, :],
                         mask=(rm[:, None] < M) & ((k + rk)[None, :] < K), other=0.0)
            bt = tl.load(b + rn[None, :] * K + (k + rk)[:, None],
                         mask=(rn[None, :] < N) & ((k + rk)[:, None] < K), other=0.0)
            acc = tl.dot(at, bt, acc)
        tl.store(c + rm[:, None] * N + rn[None, :], acc.to(tl.bfloat16),
                 mask=(rm[:, None] < M) & (rn[None, :] < N))


@triton.jit
def read_only(x, out, nblocks, BLOCK: tl.constexpr):
    """Reads x (int32 words) and writes one word per program: the bytes of
    B moved and nothing else (the sum keeps the loads alive)."""
    pid = tl.program_id(0)
    acc = tl.zeros((BLOCK,), dtype=tl.int32)
    for blk in range(pid, nblocks, tl.num_programs(0)):
        acc += tl.load(x + blk * BLOCK + tl.arange(0, BLOCK))
    tl.store(out + pid, tl.sum(acc))


@triton.jit
def empty_kernel(out):
    pass


def read_reference(Bs, sms):
    """GPU time of reading B's bytes and nothing else, timed like the
    matmuls (graph replays, the same rotated copies): the fastest of a few
    grid-stride Triton read kernels. Not a bound (a better read kernel may
    exist) but what a plain kernel that only streams the weight takes in
    this harness, fixed costs included; and the time per call of an empty
    kernel on one program per SM (the launch and drain alone)."""
    words = [b.view(torch.int32).view(-1) for b in Bs]
    out = torch.empty(8 * sms, dtype=torch.int32, device="cuda")
    best = None
    for block in (1024, 2048, 4096):
        for per_sm in (1, 2, 4, 8):
            for warps in (4, 8):
                nblocks = words[0].numel() // block
                if nblocks * block != words[0].numel():
                    continue
                grid = (min(per_sm * sms, nblocks),)
                t = graph_time_us(lambda i: read_only[grid](words[i], out, nblocks, BLOCK=block,
                                                            num_warps=warps), len(Bs),
                                  calls=12, reps=20)
                if best is None or t < best[0]:
                    best = (t, f"BLOCK={block} programs={grid[0]} warps={warps}")
    empty = graph_time_us(lambda i: empty_kernel[(sms,)](out), 1, calls=12, reps=20)
    return best, empty


def table_path():
    """kernels_src/matmul_configs.txt (under $BIC_KERNELS_SRC if set)."""
    return os.path.join(os.environ.get("BIC_KERNELS_SRC", "kernels_src"), "matmul_configs.txt")


def configs(path, arch):
    """The table's lines for `arch`: (name, max_M, BM, BN, (min_N, max_N),
    overlap_only); max_N 0: no upper end."""
    out = []
    for line in open(path):
        if line.strip() and not line.startswith("#"):
            # name arch max_M N BM BN BK num_warps num_stages [ws [overlap [cluster]]]
            # N: "LO" (N >= LO) or "LO-HI"; BM x BN is a program's tile (a
            # cluster's, with cluster = 2)
            f = line.split("#")[0].split()
            name, a, max_m, n_range, bm, bn = f[:6]
            lo, _, hi = n_range.partition("-")
            if a == arch:
                out.append((name, int(max_m), int(bm), int(bn), (int(lo), int(hi or 0)),
                            len(f) > 10 and f[10] == "1"))
    return out


def pick(cfgs, m, n, overlap=False):
    """The first line serving M and N; lines marked `overlap` serve only
    launches that overlap the previous kernel."""
    for c in cfgs:
        lo, hi = c[4]
        if ((c[1] == 0 or m <= c[1]) and lo <= n and (hi == 0 or n <= hi)
                and (overlap or not c[5])):
            return c
    return cfgs[-1]


def weight_copies(nbytes):
    """Copies of a weight to rotate through so that no call finds its weight
    in L2 (50 MB on the H100 and H200; PERF.md, Method): at least 200 MB in
    all. A single copy of a weight larger than L2 is not enough: a call
    finds part of it left in L2 by the previous call, and how much depends
    on each kernel's access order (at 4096 x 14336, M = 1, one copy moved
    the measured bic/cuBLAS ratio between 0.64 and 0.83)."""
    # (At most as many as one timed graph makes calls, 12.)
    return min(12, max(3, -(-(200 << 20) // nbytes)))


def time_us(fn, sets, reps=20):
    """GPU time per call of `fn(i)` (i cycling over `sets` weight copies),
    from CUDA graph replays so that no launch overhead is counted: all three
    implementations are timed the same way (PERF.md, Method)."""
    return graph_time_us(fn, sets, calls=12, reps=reps)


def main():
    bundle, out, rt, dev, arch = bicrt.bench_setup(sys.argv)
    sms = dev.multi_processor_count
    cfgs = configs(table_path(), arch)
    kernels = {c[0]: rt.kernel(os.path.join(bundle, "kernels", f"{c[0]}.{arch}.ptx"), "matmul")
               for c in cfgs}
    resident = {n: k.resident_programs() for n, k in kernels.items()}
    order = {k.order_hash for k in kernels.values()}
    # Overlapped launches on the lines built for them (the table's overlap
    # column; each must wait for the previous kernel).
    assert all(k.waits_prior_grids == c[5] for c in cfgs for n, k in kernels.items()
               if n == c[0]), "a line's overlap column and its kernel disagree"
    pdl = any(c[5] for c in cfgs)
    assert len(order) == 1, f"configurations with different orders: {order}"
    bw = copy_bandwidth()
    res = {"gpu": dev.name, "commit": os.environ.get("BIC_COMMIT", "?"),
           "copy_bandwidth_TBps": bw, "order_hash": order.pop(), "rows": [],
           "invariant": {}, "pdl": pdl}
    stream = lambda: torch.cuda.current_stream().cuda_stream  # noqa: E731
    print(f"# {dev.name}, copy bandwidth {bw:.2f} TB/s")
    print(f"{'N':>6} {'K':>6} {'M':>5} | {'bic':>7} {'cuBLAS':>7} {'tritonBI':>8} "
          f"{'simple':>7} TFLOP/s | bic/cuBLAS bic/tritonBI | bic B-bw  config")
    for N, K in SHAPES:
        nsets = weight_copies(N * K * 2)
        Bs = [torch.randn(N, K, device="cuda").to(torch.bfloat16) for _ in range(nsets)]
        Afull = torch.randn(8192, K, device="cuda").to(torch.bfloat16)
        C = torch.empty(8192, N, device="cuda", dtype=torch.bfloat16)

        def bic_mm(m, i, c=C, overlap=False):
            name, _, bm, bn, _, _ = pick(cfgs, m, N, overlap)
            k = kernels[name]
            # (HAS_BIAS = 0: bias is not read; B, a @weight too, stands in)
            args = k.prepare([bicrt.ptr(Afull.data_ptr()), bicrt.ptr(Bs[i].data_ptr()),
                              bicrt.ptr(c.data_ptr()), bicrt.ptr(Bs[i].data_ptr()),
                              bicrt.i32(m), bicrt.i32(N), bicrt.i32(K)])
            # persistent: one program per tile, at most as many as run at once
            tiles = ((m + bm - 1) // bm) * ((N + bn - 1) // bn)
            k.rt._check(k.rt.lib.bic_launch_ex(k.handle, min(tiles, resident[name]), 1, 1,
                                               bicrt.ctypes.c_void_p(stream()), args, len(args),
                                               1 if overlap else 0))

        def tri_mm(m, i, c=C):
            tiles = triton.cdiv(m, 128) * triton.cdiv(N, 128)
            bt = Bs[i].t()  # [K, N] view of the weight, as a linear layer passes it
            triton_bi_published[(min(sms, tiles),)](
                Afull, bt, c, m, N, K, Afull.stride(0), Afull.stride(1), bt.stride(0),
                bt.stride(1), c.stride(0), c.stride(1), NUM_SMS=sms, BM=128, BN=128, BK=64,
                GROUP=8, num_warps=8, num_stages=3)

        def tri_simple_mm(m, i, c=C):
            tiles = triton.cdiv(m, 128) * triton.cdiv(N, 128)
            triton_simple_matmul[(min(sms, tiles),)](Afull, Bs[i], c, m, N, K, NUM_SMS=sms,
                                                     BM=128, BN=128, BK=64, num_warps=8,
                                                     num_stages=3)

        def torch_mm(m, i):
            torch.mm(Afull[:m], Bs[i].t())

        # batch invariance: row 0 with M=16 vs M=8192
        for name, fn in [("bic", bic_mm), ("triton_bi", tri_mm),
                         ("triton_simple", tri_simple_mm)]:
            c_big = torch.empty(8192, N, device="cuda", dtype=torch.bfloat16)
            c_small = torch.empty(8192, N, device="cuda", dtype=torch.bfloat16)
            fn(8192, 0, c_big)
            fn(16, 0, c_small)
            torch.cuda.synchronize()
            res["invariant"].setdefault(name, {})[f"{N}x{K}"] = bool(
                torch.equal(c_big[0].view(torch.int16), c_small[0].view(torch.int16)))
        big = torch.mm(Afull, Bs[0].t())
        small = torch.mm(Afull[:16], Bs[0].t())
        res["invariant"].setdefault("cublas", {})[f"{N}x{K}"] = bool(
            torch.equal(big[0].view(torch.int16), small[0].view(torch.int16)))
        # correctness on this shape (sampled rows vs fp64): bic's, and the
        # Triton kernels' (a wrong baseline would be a meaningless one)
        rows = torch.arange(0, 8192, 997, device="cuda")
        ref = Afull[rows].double() @ Bs[0].double().t()
        for name, fn in [("bic", bic_mm), ("triton_bi", tri_mm),
                         ("triton_simple", tri_simple_mm)]:
            fn(8192, 0)
            torch.cuda.synchronize()
            e = ((C[rows].double() - ref).norm() / ref.norm()).item()
            res.setdefault("rel_err" if name == "bic" else f"{name}_rel_err", {})[f"{N}x{K}"] = e
            assert e < 1e-2, f"{name} at {N}x{K}: relative error {e:.1e}"
        err = res["rel_err"][f"{N}x{K}"]
        # Warm-up on the shape's fresh buffers, discarded: the first timings
        # after a shape's set-up ran up to 25% slow on the H200 (bic and
        # Triton at 4096 x 14336, M = 1), while the same kernels timed later
        # or alone were not.
        for f in (lambda i: bic_mm(1, i), lambda i: torch_mm(1, i), lambda i: tri_mm(1, i),
                  lambda i: tri_simple_mm(1, i)):
            time_us(f, nsets)
        (t_read, read_cfg), t_empty = read_reference(Bs, sms)
        res.setdefault("read_b", {})[f"{N}x{K}"] = {
            "us": t_read, "bw_fraction": (N * K * 2 / (t_read * 1e-6)) / (bw * 1e12),
            "config": read_cfg, "empty_kernel_us": t_empty}
        print(f"# {N}x{K}: reading B alone {t_read:.2f} us "
              f"({100 * res['read_b'][f'{N}x{K}']['bw_fraction']:.1f}% of copy bandwidth; "
              f"{read_cfg}); an empty kernel {t_empty:.2f} us per call", flush=True)
        for m in MS:
            flop = 2.0 * m * N * K
            # Two rounds, the three implementations in turn, each keeping its
            # better median, so that a one-off slow stretch does not decide a
            # ratio (both rounds are in the JSON).
            # rounds_us columns: bic, cuBLAS, triton_bi, triton_simple[, bic PDL].
            # Three rounds where a call is short (M <= 64, where the
            # targets' margins are a few percent), two above.
            fns = [lambda i: bic_mm(m, i), lambda i: torch_mm(m, i), lambda i: tri_mm(m, i),
                   lambda i: tri_simple_mm(m, i)]
            over = pdl and pick(cfgs, m, N, True)[5]
            if over:
                fns.append(lambda i: bic_mm(m, i, overlap=True))
            rounds = [[time_us(f, nsets) for f in fns] for _ in range(3 if m <= 64 else 2)]
            t_bic, t_cub, t_tri, t_simple = [min(ts) for ts in zip(*rounds)][:4]
            row = {"N": N, "K": K, "M": m, "config": pick(cfgs, m, N)[0],
                   "bic_tflops": flop / t_bic / 1e6, "cublas_tflops": flop / t_cub / 1e6,
                   "triton_bi_tflops": flop / t_tri / 1e6,
                   "triton_simple_tflops": flop / t_simple / 1e6,
                   "bic_us": t_bic, "cublas_us": t_cub, "triton_bi_us": t_tri,
                   "triton_simple_us": t_simple, "rounds_us": rounds,
                   "bic_b_bw_fraction": (N * K * 2 / (t_bic * 1e-6)) / (bw * 1e12)}
            if over:
                t_pdl = min(r[4] for r in rounds)
                row.update({"bic_pdl_tflops": flop / t_pdl / 1e6, "bic_pdl_us": t_pdl,
                            "pdl_config": pick(cfgs, m, N, True)[0],
                            "bic_pdl_b_bw_fraction": (N * K * 2 / (t_pdl * 1e-6)) / (bw * 1e12)})
            res["rows"].append(row)
            print(f"{N:>6} {K:>6} {m:>5} | {row['bic_tflops']:7.1f} {row['cublas_tflops']:7.1f} "
                  f"{row['triton_bi_tflops']:8.1f} {row['triton_simple_tflops']:7.1f}         | "
                  f"{t_cub / t_bic:10.2f} {t_tri / t_bic:12.2f} | {100 * row['bic_b_bw_fraction']:6.1f}%  {row['config']}"
                  + (f" | PDL {row['bic_pdl_tflops']:7.1f} x{t_cub / t_pdl:.2f} "
                     f"{100 * row['bic_pdl_b_bw_fraction']:5.1f}%" if over else ""),
                  flush=True)
        print(f"# {N}x{K}: bic rel err {err:.1e} (Triton BI "
              f"{res['triton_bi_rel_err'][f'{N}x{K}']:.1e}); invariant: "
              + ", ".join(f"{k}={v[f'{N}x{K}']}" for k, v in res["invariant"].items()))
        del Bs, Afull, C
    with open(os.path.join(out, "matmul.json"), "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()

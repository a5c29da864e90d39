"""RMSNorm: bic (through its runtime) vs a one-row-per-program Triton kernel
vs torch.nn.functional.rms_norm, bf16, in one process on one GPU.

GPU time per call with launch overhead removed (CUDA graph of 20 calls,
median of replays), launch-to-completion wall time, correctness vs fp64 and
bitwise batch invariance of bic's rows. Writes rmsnorm.json.

usage: rmsnorm_bench.py BUNDLE_DIR OUT_DIR
"""
import json
import os
import statistics
import sys
import time

import torch
import triton
import triton.language as tl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bicrt  # noqa: E402

TOKENS = [1, 8, 32, 128, 256, 512, 1024, 2048, 4096, 16384]
HIDDEN = [4096, 8192]
EPS = 1e-6


@triton.jit
def triton_rmsnorm(X, W, Y, stride, N, eps, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    cols = tl.arange(0, BLOCK)
    m = cols < N
    x = tl.load(X + row * stride + cols, mask=m, other=0.0).to(tl.float32)
    r = tl.rsqrt(tl.sum(x * x, axis=0) / N + eps)
    w = tl.load(W + cols, mask=m, other=0.0).to(tl.float32)
    tl.store(Y + row * stride + cols, (x * r * w).to(tl.bfloat16), mask=m)


def graph_time_us(fn, sets, calls=20, reps=30):
    """Median GPU time per call of `fn(i)` replayed from a CUDA graph."""
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for i in range(3):
            fn(i % sets)
    torch.cuda.current_stream().wait_stream(s)
    torch.cuda.synchronize()
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for i in range(calls):
            fn(i % sets)
    g.replay()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        g.replay()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b) * 1000 / calls)
    return statistics.median(times)


def wall_us(fn, reps=200):
    fn(0)
    torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn(0)
        torch.cuda.synchronize()
        ts.append((time.perf_counter() - t0) * 1e6)
    return statistics.median(ts)


def copy_bandwidth():
    n = 1 << 30
    a = torch.empty(n, dtype=torch.uint8, device="cuda")
    b = torch.empty_like(a)
    for _ in range(3):
        b.copy_(a)
    torch.cuda.synchronize()
    ts = []
    for _ in range(10):
        e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        e0.record()
        b.copy_(a)
        e1.record()
        e1.synchronize()
        ts.append(e0.elapsed_time(e1) / 1000)
    return 2 * n / statistics.median(ts) / 1e12


def main():
    bundle, out, rt, dev, arch = bicrt.bench_setup(sys.argv)
    bw = copy_bandwidth()
    results = {"gpu": dev.name, "driver": torch.version.cuda, "torch": torch.__version__,
               "triton": triton.__version__, "commit": os.environ.get("BIC_COMMIT", "?"),
               "copy_bandwidth_TBps": bw, "rows": []}
    print(f"# {dev.name}, copy bandwidth {bw:.2f} TB/s")
    print(f"{'H':>5} {'tokens':>6} | {'bic us':>8} {'triton us':>9} {'torch us':>9} | "
          f"{'bic %bw':>7} | {'bic l2c':>7} {'tri l2c':>7} | err      inv")
    for H in HIDDEN:
        k = rt.kernel(os.path.join(bundle, "kernels", f"rmsnorm_h{H}.{arch}.ptx"), "rmsnorm")
        w = (torch.rand(H, device="cuda") + 0.5).to(torch.bfloat16)
        for T in TOKENS:
            nbytes = T * H * 2
            sets = max(1, min(16, (200 << 20) // max(1, 2 * nbytes)))
            xs = [torch.randn(T, H, device="cuda").to(torch.bfloat16) for _ in range(sets)]
            ys = [torch.empty_like(x) for x in xs]
            argsets = [k.prepare([bicrt.ptr(xs[i].data_ptr()), bicrt.ptr(w.data_ptr()),
                                  bicrt.ptr(ys[i].data_ptr()), bicrt.i32(T), bicrt.i32(H),
                                  bicrt.i64(H), bicrt.f32(EPS)]) for i in range(sets)]

            def run_bic(i):
                k.launch(T, argsets[i], torch.cuda.current_stream().cuda_stream)

            def run_triton(i):
                triton_rmsnorm[(T,)](xs[i], w, ys[i], H, H, EPS, BLOCK=H, num_warps=8)

            def run_torch(i):
                torch.nn.functional.rms_norm(xs[i], (H,), w, EPS)

            # correctness of bic on this shape
            ys[0].fill_(float("nan"))
            run_bic(0)
            torch.cuda.synchronize()
            x64 = xs[0].double()
            ref = x64 * torch.rsqrt(x64.pow(2).mean(-1, keepdim=True) + EPS) * w.double()
            err = ((ys[0].double() - ref).norm() / ref.norm()).item()
            row = {"hidden": H, "tokens": T, "rel_err": err}
            row["bic_us"] = graph_time_us(run_bic, sets)
            row["triton_us"] = graph_time_us(run_triton, sets)
            row["torch_us"] = graph_time_us(run_torch, sets)
            row["bic_launch_to_completion_us"] = wall_us(run_bic)
            row["triton_launch_to_completion_us"] = wall_us(run_triton)
            row["torch_launch_to_completion_us"] = wall_us(run_torch)
            row["bic_bw_fraction"] = (2 * nbytes / (row["bic_us"] * 1e-6)) / (bw * 1e12)
            results["rows"].append(row)
            print(f"{H:>5} {T:>6} | {row['bic_us']:8.2f} {row['triton_us']:9.2f} "
                  f"{row['torch_us']:9.2f} | {100 * row['bic_bw_fraction']:6.1f}% | "
                  f"{row['bic_launch_to_completion_us']:7.1f} "
                  f"{row['triton_launch_to_completion_us']:7.1f} | {err:.1e}", flush=True)
            del xs, ys, argsets
        # bitwise batch invariance of bic at this hidden size
        X = torch.randn(4096, H, device="cuda").to(torch.bfloat16)
        full = torch.empty_like(X)
        args = k.prepare([bicrt.ptr(X.data_ptr()), bicrt.ptr(w.data_ptr()),
                          bicrt.ptr(full.data_ptr()), bicrt.i32(4096), bicrt.i32(H),
                          bicrt.i64(H), bicrt.f32(EPS)])
        k.launch(4096, args, torch.cuda.current_stream().cuda_stream)
        inv = True
        for T in [1, 3, 8, 17, 256, 1000]:
            part = torch.empty(T, H, device="cuda", dtype=torch.bfloat16)
            a = k.prepare([bicrt.ptr(X.data_ptr()), bicrt.ptr(w.data_ptr()),
                           bicrt.ptr(part.data_ptr()), bicrt.i32(T), bicrt.i32(H),
                           bicrt.i64(H), bicrt.f32(EPS)])
            k.launch(T, a, torch.cuda.current_stream().cuda_stream)
            torch.cuda.synchronize()
            inv &= bool(torch.equal(part.view(torch.int16), full[:T].view(torch.int16)))
        results.setdefault("bitwise_invariant", {})[str(H)] = inv
        results.setdefault("order_hash", {})[str(H)] = k.order_hash
        print(f"# H={H}: bic rows bitwise identical across token counts: {inv}")
    with open(os.path.join(out, "rmsnorm.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()

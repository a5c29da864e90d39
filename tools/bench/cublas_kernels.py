"""Which kernels cuBLAS (torch.mm) launches for the benchmark's bf16 shapes
at a few M: names (they encode cuBLAS's tile, cluster and split-K), grids
and blocks, from a torch.profiler trace of an eager call. What bic's table
competes with; nothing here is timed (the benchmark times CUDA graph
replays of the same calls; that their kernel is the same is not checked).

usage: cublas_kernels.py OUT_DIR   (BIC_CUBLAS_MS="1,16,64" picks M)
"""
import json
import os
import sys

import torch
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from matmul_bench import SHAPES  # noqa: E402

MS = [int(m) for m in os.environ.get("BIC_CUBLAS_MS", "1,16,32,64").split(",")]


def main():
    out = sys.argv[1]
    rows = []
    for N, K in SHAPES:
        B = torch.randn(N, K, device="cuda").to(torch.bfloat16)
        for m in MS:
            A = torch.randn(m, K, device="cuda").to(torch.bfloat16)
            torch.mm(A, B.t())
            torch.cuda.synchronize()
            with profile(activities=[ProfilerActivity.CUDA]) as prof:
                torch.mm(A, B.t())
                torch.cuda.synchronize()
            path = os.path.join(out, "trace.json")
            prof.export_chrome_trace(path)
            with open(path) as f:
                events = json.load(f).get("traceEvents", [])
            os.remove(path)
            for e in events:
                if e.get("cat") != "kernel":
                    continue
                a = e.get("args", {})
                row = {"N": N, "K": K, "M": m, "kernel": e["name"], "grid": a.get("grid"),
                       "block": a.get("block"), "us": e.get("dur"),
                       "smem": a.get("shared memory"), "regs": a.get("registers per thread")}
                rows.append(row)
                print(f"N={N:5} K={K:5} M={m:4}: grid {row['grid']} block {row['block']} "
                      f"{row['us']} us {row['kernel'][:110]}", flush=True)
    json.dump({"gpu": torch.cuda.get_device_name(), "rows": rows},
              open(os.path.join(out, "cublas_kernels.json"), "w"), indent=1)


if __name__ == "__main__":
    main()

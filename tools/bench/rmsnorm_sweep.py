"""Times bic RMSNorm variants (different num_warps: each a different but
fixed reduction order) against the Triton kernel, to pick one configuration
per hidden size. Prints a table and writes rmsnorm_sweep.json.

usage: rmsnorm_sweep.py BUNDLE_DIR OUT_DIR
"""
import glob
import json
import os
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bicrt  # noqa: E402
from rmsnorm_bench import EPS, TOKENS, graph_time_us, triton_rmsnorm  # noqa: E402


def main():
    bundle, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    rt = bicrt.Runtime(os.path.join(bundle, "libbic.so"))
    arch = "sm_90a" if torch.cuda.get_device_properties(0).major >= 9 else "sm_80"
    res = []
    for path in sorted(glob.glob(os.path.join(bundle, "sweep", f"rmsnorm_h*_w*.{arch}.ptx"))):
        m = re.search(r"rmsnorm_h(\d+)_w(\d+)", path)
        H, W = int(m.group(1)), int(m.group(2))
        k = rt.kernel(path, "rmsnorm")
        w = (torch.rand(H, device="cuda") + 0.5).to(torch.bfloat16)
        row = {"hidden": H, "num_warps": W, "order_hash": k.order_hash, "us": {}, "triton_us": {}}
        for T in TOKENS:
            sets = max(1, min(16, (200 << 20) // max(1, 4 * T * H)))
            xs = [torch.randn(T, H, device="cuda").to(torch.bfloat16) for _ in range(sets)]
            ys = [torch.empty_like(x) for x in xs]
            args = [k.prepare([bicrt.ptr(xs[i].data_ptr()), bicrt.ptr(w.data_ptr()),
                               bicrt.ptr(ys[i].data_ptr()), bicrt.i32(T), bicrt.i32(H),
                               bicrt.i64(H), bicrt.f32(EPS)]) for i in range(sets)]
            row["us"][T] = graph_time_us(
                lambda i: k.launch(T, args[i], torch.cuda.current_stream().cuda_stream), sets)
            row["triton_us"][T] = graph_time_us(
                lambda i: triton_rmsnorm[(T,)](xs[i], w, ys[i], H, H, EPS, BLOCK=H,
                                               num_warps=8), sets)
        res.append(row)
        print(f"H={H:5} warps={W:2} " + " ".join(
            f"{T}:{row['us'][T]:.2f}/{row['triton_us'][T]:.2f}" for T in TOKENS), flush=True)
    json.dump(res, open(os.path.join(out, "rmsnorm_sweep.json"), "w"), indent=1)


if __name__ == "__main__":
    main()

"""Where a few tokens' matmul loses time against reading the weight alone:
times every sm_90a matmul kernel of BUNDLE/kernels and BUNDLE/sweep at
M = 1 with a K so small that nothing is streamed (B in L2; the fixed cost
of a call: launch, set-up, first copy's latency, drain), and at the
benchmark's K (B rotated out of L2), next to an empty kernel and the
read-only kernel of matmul_bench.py, all from CUDA graph replays.
Writes matmul_fixed_cost.json.

usage: matmul_fixed_cost.py BUNDLE_DIR OUT_DIR
"""
import glob
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bicrt  # noqa: E402
from matmul_bench import configs, read_reference, time_us, weight_copies  # noqa: E402

SHAPES = [(4096, 4096), (14336, 4096)]
TINY_K = [64, 512]


def main():
    bundle, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    rt = bicrt.Runtime(os.path.join(bundle, "libbic.so"))
    sms = torch.cuda.get_device_properties(0).multi_processor_count
    paths = sorted(glob.glob(os.path.join(bundle, "kernels", "matmul_h*.sm_90a.ptx")) +
                   glob.glob(os.path.join(bundle, "sweep", "matmul_*.sm_90a.ptx")))
    table = {c[0]: (c[2], c[3]) for c in configs(os.path.join(
        os.environ.get("BIC_KERNELS_SRC", "kernels_src"), "matmul_configs.txt"), "sm_90a")}
    ks = {}
    for p in paths:
        k = rt.kernel(p, "matmul")
        if not k.waits_prior_grids and "_kn" not in p:
            ks[os.path.basename(p)] = k
    res = {"gpu": torch.cuda.get_device_name(0), "rows": []}
    stream = lambda: torch.cuda.current_stream().cuda_stream  # noqa: E731
    for N, K in SHAPES:
        nsets = weight_copies(N * K * 2)
        Bs = [torch.randn(N, K, device="cuda").to(torch.bfloat16) for _ in range(nsets)]
        A = torch.randn(64, K, device="cuda").to(torch.bfloat16)
        C = torch.empty(64, N, device="cuda", dtype=torch.bfloat16)
        (t_read, _), t_empty = read_reference(Bs, sms)
        res["rows"].append({"N": N, "K": K, "read_b_us": t_read, "empty_us": t_empty})
        print(f"N={N} K={K}: read B {t_read:.2f} us, empty kernel {t_empty:.2f} us", flush=True)
        for name, k in ks.items():
            f = name.split(".")[0].split("_")
            bn = int(f[2]) if f[1].isdigit() else table["_".join(f)][1]

            progs = min((N + bn - 1) // bn, k.resident_programs())  # M = 1: one tile row

            def call(i, kk, k=k, progs=progs):
                bb = Bs[i]
                args = k.prepare([bicrt.ptr(A.data_ptr()), bicrt.ptr(bb.data_ptr()),
                                  bicrt.ptr(C.data_ptr()), bicrt.ptr(bb.data_ptr()),
                                  bicrt.i32(1), bicrt.i32(N), bicrt.i32(kk)])
                k.rt._check(k.rt.lib.bic_launch_ex(k.handle, progs, 1, 1, bicrt.ctypes.c_void_p(stream()), args,
                                                   len(args), 0))
            row = {"N": N, "kernel": name, "us": time_us(lambda i: call(i, K), nsets)}
            for kk in TINY_K:
                row[f"k{kk}_us"] = time_us(lambda i: call(i, kk), nsets)
            res["rows"].append(row)
            print(f"N={N} {name:44} K={K}: {row['us']:6.2f} us  "
                  + "  ".join(f"K={kk}: {row[f'k{kk}_us']:5.2f}" for kk in TINY_K), flush=True)
        del Bs
    json.dump(res, open(os.path.join(out, "matmul_fixed_cost.json"), "w"), indent=1)


if __name__ == "__main__":
    main()

"""What the tensor cores do with f32 bits that are not tf32 values.

bic rounds each tf32 operand register with cvt.rna.tf32.f32 before
mma.sync. This runs the shipped matmul_tf32 build three ways on the same
inputs and compares the bits: as built (rna), with every cvt.rna replaced
by a plain move (the raw f32 bits reach the mma), and by a mask of the low
13 bits (truncation). If raw == rna, the hardware rounds to nearest itself
(and a wgmma reading f32 straight from TMA-filled shared memory would too);
if raw == truncated, it truncates, and an rna result needs the explicit
rounding.

usage: tf32_rounding.py BUNDLE_DIR OUT_DIR   (writes OUT_DIR/tf32_rounding.json)
"""
import json
import os
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bicrt  # noqa: E402

CVT = re.compile(r"cvt\.rna\.tf32\.f32 (%r\d+), (%r\d+);")


def main():
    bundle, out, rt, dev, arch = bicrt.bench_setup(sys.argv)
    src = open(os.path.join(bundle, "kernels", f"matmul_tf32.{arch}.ptx")).read()
    n = len(CVT.findall(src))
    assert n, "no cvt.rna.tf32.f32 in the build"
    variants = {
        "rna": src,
        "raw": CVT.sub(r"mov.b32 \1, \2;", src),
        "truncated": CVT.sub(r"and.b32 \1, \2, -8192;", src),
    }
    M, N, K = 256, 256, 1024
    A = torch.randn(M, K, device="cuda")
    B = torch.randn(N, K, device="cuda")
    res = {"gpu": dev.name, "commit": os.environ.get("BIC_COMMIT", "?"), "cvt_count": n,
           "M": M, "N": N, "K": K}
    outs = {}
    for name, text in variants.items():
        path = os.path.join(out, f"tf32_{name}.ptx")
        with open(path, "w") as f:
            f.write(text)
        k = rt.kernel(path, "matmul")
        C = torch.full((M, N), float("nan"), device="cuda")
        args = k.prepare([bicrt.ptr(A.data_ptr()), bicrt.ptr(B.data_ptr()),
                          bicrt.ptr(C.data_ptr()), bicrt.ptr(B.data_ptr()),
                          bicrt.i32(M), bicrt.i32(N), bicrt.i32(K)])
        k.launch((M // 64) * (N // 64), args, torch.cuda.current_stream().cuda_stream)
        torch.cuda.synchronize()
        outs[name] = C
        os.remove(path)
    for a, b in (("raw", "rna"), ("raw", "truncated"), ("rna", "truncated")):
        same = (outs[a].view(torch.int32) == outs[b].view(torch.int32)).float().mean().item()
        res[f"{a}_vs_{b}_equal_fraction"] = same
        print(f"{a:>4} vs {b:<9}: {100 * same:6.2f}% of elements bitwise equal")
    ref = A.double() @ B.double().t()
    for name, C in outs.items():
        res[f"{name}_rel_err"] = ((C.double() - ref).norm() / ref.norm()).item()
    print({k: v for k, v in res.items() if k.endswith("rel_err")})
    with open(os.path.join(out, "tf32_rounding.json"), "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()

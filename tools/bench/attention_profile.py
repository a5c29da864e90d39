"""Runs bic's causal attention prefill (and torch SDPA on the same inputs)
once each, after a warm-up, between cudaProfilerStart/Stop, for Nsight
Compute:

  ncu --profile-from-start off --clock-control none --set full -o REPORT \\
      python3 tools/bench/attention_profile.py BUNDLE BUILD S

BUILD is a build of kernels_src/attention.bic in BUNDLE/kernels with one
query head per row (attention, attention_m32, attention_m128,
attention_m128w4 or attention_m128w4_async); S queries over S keys, H = 32, H_KV = 8,
D = 64, as in attention_bench.py.
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bicrt  # noqa: E402
from attention_bench import D, H, HKV, SCALE  # noqa: E402


def main():
    bundle, build, S = sys.argv[1], sys.argv[2], int(sys.argv[3])
    bm = {"attention": 64, "attention_m32": 32, "attention_m128": 128, "attention_m128w4": 128,
          "attention_m128w4_async": 128}[build]
    rt = bicrt.Runtime(os.path.join(bundle, "libbic.so"))
    kern = rt.kernel(os.path.join(bundle, "kernels", build + ".sm_90a.ptx"), "attention")
    q = torch.randn(S, H, D, device="cuda").to(torch.bfloat16)
    k = torch.randn(S, HKV, D, device="cuda").to(torch.bfloat16)
    v = torch.randn(S, HKV, D, device="cuda").to(torch.bfloat16)
    o = torch.empty_like(q)
    args = kern.prepare([bicrt.ptr(q.data_ptr()), bicrt.ptr(k.data_ptr()), bicrt.ptr(v.data_ptr()),
                         bicrt.ptr(o.data_ptr()), bicrt.i32(S), bicrt.i32(S), bicrt.i32(0),
                         bicrt.i32(H), bicrt.i32(HKV), bicrt.f32(SCALE)])
    stream = torch.cuda.current_stream().cuda_stream

    def bic():
        rt._check(rt.lib.bic_launch(kern.handle, (S + bm - 1) // bm, H, 1,
                                    bicrt.ctypes.c_void_p(stream), args, len(args)))

    tq, tk, tv = (x.unsqueeze(0).transpose(1, 2) for x in (q, k, v))
    sdpa = lambda: F.scaled_dot_product_attention(tq, tk, tv, is_causal=True,  # noqa: E731
                                                  enable_gqa=True)
    for _ in range(3):
        bic()
        sdpa()
    torch.cuda.synchronize()
    torch.cuda.cudart().cudaProfilerStart()
    bic()
    sdpa()
    torch.cuda.synchronize()
    torch.cuda.cudart().cudaProfilerStop()


if __name__ == "__main__":
    main()

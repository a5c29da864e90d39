"""Attention benchmark: bic's attention.bic (through bic's runtime) against
torch's scaled_dot_product_attention (FlashAttention on Hopper), bf16,
H = 32 query heads on H_KV = 8 KV heads, D = 64, causal. Prefill: S = L
queries; decode: one query at position L - 1 over L keys. bic's time is
the best of its builds: `attention` with 32, 64 or 128 query rows per
program (128 on 8 warps, or on 4 with `_m128w4`) or (`_gqa`) 64 or 128
rows of (query, head) pairs, and (decode) split-KV, `attention_partial` (32 or 64 rows of (query, head) pairs) then
`attention_combine`, over splits of 256 keys. GPU time per call from CUDA
graph replays (PERF.md, Method). Also checks, for bic, that the last
token's decode output (alone, and through split-KV) has the bits of its
prefill row, and the error of both against fp32 math. Writes
attention.json (draw it with plot_attention.py), with every candidate's time
per row (`candidates_us`). BIC_ATTENTION_EXTRA="name:BM[:gqa],..." adds
builds found in BUNDLE_DIR/kernels as candidates (experiments: another
num_warps, a register limit).

usage: attention_bench.py BUNDLE_DIR OUT_DIR
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bicrt  # noqa: E402
from rmsnorm_bench import graph_time_us  # noqa: E402

H, HKV, D = 32, 8, 64
SPLIT = 256  # attention.bic's SPLIT
SCALE = math.log2(math.e) / math.sqrt(D)
PREFILL = [256, 512, 1024, 2048, 4096, 8192]
DECODE = [512, 2048, 8192, 32768]


def flops(S, L, causal_prefill):
    # 2 products of 2 * S * L * D each per head; causal prefill sees half.
    f = 4.0 * S * L * D * H
    return f / 2 if causal_prefill else f


def main():
    bundle, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    rt = bicrt.Runtime(os.path.join(bundle, "libbic.so"))
    bms = {"attention": 64, "attention_m32": 32, "attention_m128": 128, "attention_gqa": 64,
           "attention_gqa_m128": 128, "attention_m128w4": 128, "attention_gqa_m128w4": 128,
           "attention_m128w4_async": 128, "attention_gqa_m128w4_async": 128,
           "attention_async": 64, "attention_gqa_async": 64}
    # rows: (query, head) pairs
    packed = {"attention_gqa", "attention_gqa_m128", "attention_gqa_m128w4",
              "attention_gqa_m128w4_async", "attention_gqa_async"}
    # BIC_ATTENTION_EXTRA="name:BM[:gqa],..." adds builds from BUNDLE/kernels
    # (of the same order) as candidates, prefill and split-KV decode; `gqa`
    # marks rows of (query, head) pairs (PACK_GQA=1).
    extra = [e.split(":") for e in os.environ.get("BIC_ATTENTION_EXTRA", "").split(",") if e]
    for e in extra:
        bms[e[0]] = int(e[1])
        if e[2:] == ["gqa"]:
            packed.add(e[0])
    names = ("attention", "attention_partial", "attention_combine")
    kernels = {(b, n): rt.kernel(os.path.join(bundle, "kernels", b + ".sm_90a.ptx"), n)
               for b in bms for n in names}
    hashes = {}
    for (b, n), kern in kernels.items():
        hashes.setdefault(n, set()).add(kern.order_hash)
    assert all(len(h) == 1 for h in hashes.values()), f"builds with different orders: {hashes}"
    stream = lambda: torch.cuda.current_stream().cuda_stream  # noqa: E731
    res = {"gpu": torch.cuda.get_device_name(0), "commit": os.environ.get("BIC_COMMIT", ""),
           "order_hash": {n: h.pop() for n, h in hashes.items()}, "H": H, "H_KV": HKV,
           "D": D, "split": SPLIT, "rows": []}

    def launch(kern, grid, args):
        kern.rt._check(kern.rt.lib.bic_launch(kern.handle, grid[0], grid[1], grid[2],
                                              bicrt.ctypes.c_void_p(stream()), args, len(args)))

    def bic_call(name, q, k, v, o, S, L, q_start):
        """`name` is a build for the one-kernel path, or "split:BUILD"."""
        common = [bicrt.i32(S), bicrt.i32(L), bicrt.i32(q_start), bicrt.i32(H), bicrt.i32(HKV),
                  bicrt.f32(SCALE)]
        if not name.startswith("split:"):
            kern = kernels[(name, "attention")]
            args = kern.prepare([bicrt.ptr(q.data_ptr()), bicrt.ptr(k.data_ptr()),
                                 bicrt.ptr(v.data_ptr()), bicrt.ptr(o.data_ptr())] + common)
            rows, heads = (S * (H // HKV), HKV) if name in packed else (S, H)
            grid = ((rows + bms[name] - 1) // bms[name], heads, 1)
            return lambda i=0: launch(kern, grid, args)
        build = name[len("split:"):]
        part, comb = kernels[(build, "attention_partial")], kernels[(build, "attention_combine")]
        splits = (L + SPLIT - 1) // SPLIT
        pacc = torch.empty(splits * S * H * D, device="cuda", dtype=torch.float32)
        pm = torch.empty(splits * S * H, device="cuda", dtype=torch.float32)
        pl = torch.empty_like(pm)
        a1 = part.prepare([bicrt.ptr(q.data_ptr()), bicrt.ptr(k.data_ptr()),
                           bicrt.ptr(v.data_ptr()), bicrt.ptr(pacc.data_ptr()),
                           bicrt.ptr(pm.data_ptr()), bicrt.ptr(pl.data_ptr())] + common)
        a2 = comb.prepare([bicrt.ptr(pacc.data_ptr()), bicrt.ptr(pm.data_ptr()),
                           bicrt.ptr(pl.data_ptr()), bicrt.ptr(o.data_ptr()), bicrt.i32(S),
                           bicrt.i32(L), bicrt.i32(H)])
        # Partial programs take the (query, head) rows of one KV head's group.
        g1 = ((S * (H // HKV) + bms[build] - 1) // bms[build], HKV, splits)
        g2 = (S, H, 1)

        def call(i=0, keep=(pacc, pm, pl)):
            launch(part, g1, a1)
            launch(comb, g2, a2)
        call.stages = (lambda i=0: launch(part, g1, a1), lambda i=0: launch(comb, g2, a2))
        return call

    print(f"# {res['gpu']}: attention, H={H} H_KV={HKV} D={D}, causal, bf16")
    print("  phase      S      L |  bic us  sdpa us | bic TF/s sdpa TF/s | ratio | bic build")
    for phase, S, L in [("prefill", s, s) for s in PREFILL] + [("decode", 1, l) for l in DECODE]:
        q = torch.randn(L, H, D, device="cuda").to(torch.bfloat16)
        k = torch.randn(L, HKV, D, device="cuda").to(torch.bfloat16)
        v = torch.randn(L, HKV, D, device="cuda").to(torch.bfloat16)
        o = torch.empty_like(q)
        q_start = L - S
        qs = q[q_start:]
        # torch: [1, heads, tokens, D] views of the same memory.
        tq = qs.unsqueeze(0).transpose(1, 2)
        tk, tv = k.unsqueeze(0).transpose(1, 2), v.unsqueeze(0).transpose(1, 2)
        if S == 1:
            sdpa = lambda i=0: F.scaled_dot_product_attention(tq, tk, tv, enable_gqa=True)  # noqa
        else:
            sdpa = lambda i=0: F.scaled_dot_product_attention(tq, tk, tv, is_causal=True,  # noqa
                                                              enable_gqa=True)
        t_sdpa = graph_time_us(sdpa, 1)
        best = None
        cands = ["attention", "attention_m32", "attention_m128", "attention_gqa",
                 "attention_gqa_m128", "attention_m128w4", "attention_gqa_m128w4",
                 "attention_m128w4_async", "attention_gqa_m128w4_async",
                 "attention_async", "attention_gqa_async"]
        if S == 1:
            cands = ["attention", "split:attention_m32", "split:attention"]
        cands += [("split:" if S == 1 else "") + e[0] for e in extra]
        every = {}
        for name in cands:
            call = bic_call(name, qs, k, v, o[q_start:], S, L, q_start)
            t = graph_time_us(call, 1)
            every[name] = t
            if best is None or t < best[0]:
                best = (t, name)
        t_bic, name = best
        stages = {}
        if name.startswith("split:"):
            c = bic_call(name, qs, k, v, o[q_start:], S, L, q_start)
            stages = {"partial_us": graph_time_us(c.stages[0], 1),
                      "combine_us": graph_time_us(c.stages[1], 1)}
        # Error of both against fp32 math on the same inputs.
        bic_call(name, qs, k, v, o[q_start:], S, L, q_start)()
        ref = F.scaled_dot_product_attention(tq.float(), tk.float(), tv.float(),
                                             is_causal=S > 1, enable_gqa=True)
        got = o[q_start:].unsqueeze(0).transpose(1, 2).float()
        err_bic = (got - ref).abs().max().item()
        err_sdpa = (sdpa().float() - ref).abs().max().item()
        row = {"phase": phase, "S": S, "L": L, "bic_us": t_bic, "sdpa_us": t_sdpa,
               "bic_build": name, "bic_TFLOPs": flops(S, L, S > 1) / t_bic / 1e6,
               "sdpa_TFLOPs": flops(S, L, S > 1) / t_sdpa / 1e6,
               "bic_max_err": err_bic, "sdpa_max_err": err_sdpa, "candidates_us": every,
               **stages}
        if phase == "prefill":
            # The last token decoded alone: the bits of its prefill row.
            last = o[L - 1].clone()
            o2 = torch.empty_like(q)
            bic_call("attention", q[L - 1:], k, v, o2[L - 1:], 1, L, L - 1)()
            torch.cuda.synchronize()
            row["decode_bits_equal_prefill"] = bool(torch.equal(
                last.view(torch.int16), o2[L - 1].view(torch.int16)))
            o2.fill_(float("nan"))
            bic_call("split:attention_m32", q[L - 1:], k, v, o2[L - 1:], 1, L, L - 1)()
            torch.cuda.synchronize()
            row["split_decode_bits_equal_prefill"] = bool(torch.equal(
                last.view(torch.int16), o2[L - 1].view(torch.int16)))
        res["rows"].append(row)
        print(f"  {phase:8} {S:5} {L:6} | {t_bic:7.1f} {t_sdpa:8.1f} | "
              f"{row['bic_TFLOPs']:8.1f} {row['sdpa_TFLOPs']:9.1f} | {t_sdpa / t_bic:5.2f} | {name}"
              + (f"  decode==prefill bits: {row['decode_bits_equal_prefill']}"
                 f" split-KV: {row['split_decode_bits_equal_prefill']}"
                 if "decode_bits_equal_prefill" in row else "")
              + (f"  partial {stages['partial_us']:.1f} us + combine {stages['combine_us']:.1f} us"
                 if stages else "")
              + f"  err bic {err_bic:.1e} sdpa {err_sdpa:.1e}", flush=True)
    json.dump(res, open(os.path.join(out, "attention.json"), "w"), indent=1)


if __name__ == "__main__":
    main()

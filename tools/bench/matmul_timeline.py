"""Where a few-token matmul's time goes, per program, from %globaltimer.

At M <= 64 a call of bic's matmul takes about 2.3 us more than a kernel that
only reads B's bytes (H200, 4096x4096: 12.1 against 9.8 us; 4096x14336:
31.3 against 28.4), a fixed cost that does not grow with K. This experiment
finds which part of the call it is. It copies a table line's PTX, inserts
reads of %globaltimer (kernel entry; after the barrier-initialising
bar.sync; each thread's first completed mbarrier wait, i.e. the first stage
of data for a consumer; after the last tile's K loop; before `ret`) and
stores them, with %smid, for thread 0 (a consumer) and thread 128 (the
producer of a warp-specialised kernel) of every program into the unused
`bias` argument (HAS_BIAS = 0). A Triton kernel that only reads B, the
benchmark's `read_b` reference, is stamped the same way (entry, and after
its last load's value is used). Each is timed in a CUDA graph of 12 calls
on rotated weights, as matmul_bench.py times them, and its stamps read from
the last replay. Reports, per kernel (median over calls, in us): the graph
time per call; the span from the first program's entry to the last
program's `ret`; the gap between one call's last `ret` and the next call's
first entry; and per program, the entry skew, the prologue, the wait for
the first stage, the K loop, the epilogue and the idle time before the
call's last program ends. Not a benchmark: the stamps cost a few
instructions per program and %globaltimer ticks in steps of tens of ns.

usage: matmul_timeline.py BUNDLE_DIR OUT_DIR
"""
import json
import os
import re
import statistics
import sys
import tempfile

import torch
import triton
import triton.language as tl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bicrt  # noqa: E402
from matmul_bench import configs, table_path, weight_copies  # noqa: E402
from rmsnorm_bench import graph_time_us  # noqa: E402

SLOT = 8  # u64 words per (program, role)
STAMPS = ["entry", "after_init", "first_wait", "loop_done", "ret", "smid"]


def instrument(ptx):
    """The PTX with the stamps inserted (asserts on every anchor it needs)."""
    decl = "\t.reg .b64 \t%tl<8>;\n\t.reg .b32 \t%tlr<4>;\n\t.reg .pred \t%tlp<2>;\n"
    m = re.search(r"\t\.reg \.b64 \t%rd<\d+>;\n", ptx)
    assert m, "no %rd declaration"
    ptx = (ptx[:m.end()] + decl + "\tmov.u64 \t%tl0, %globaltimer;\n"
           "\tmov.u64 \t%tl1, 0;\n\tmov.u64 \t%tl2, 0;\n\tmov.u64 \t%tl3, 0;\n" + ptx[m.end():])
    i = ptx.index("\tbar.sync \t0;\n") + len("\tbar.sync \t0;\n")
    ptx = ptx[:i] + "\tmov.u64 \t%tl1, %globaltimer;\n" + ptx[i:]
    first = ("\tsetp.eq.u64 \t%tlp1, %tl2, 0;\n"
             "\t@%tlp1 mov.u64 \t%tl2, %globaltimer;\n")
    n = ptx.count("DONE:\n}\n")
    assert n >= 1, "no mbarrier wait"
    ptx = ptx.replace("DONE:\n}\n", "DONE:\n}\n" + first)
    anchor = "wgmma.wait_group.sync.aligned 0;\n"
    assert ptx.count(anchor) == 1, "no single end-of-K-loop anchor"
    i = ptx.index(anchor)
    i = ptx.index("\t// end inline asm\n", i) + len("\t// end inline asm\n")
    ptx = ptx[:i] + "\tmov.u64 \t%tl3, %globaltimer;\n" + ptx[i:]
    assert ptx.count("\tret;\n") == 1, "not one ret"
    store = """\tmov.u64 \t%tl4, %globaltimer;
\tmov.u32 \t%tlr0, %tid.x;
\tsetp.eq.u32 \t%tlp0, %tlr0, 0;
\tsetp.eq.u32 \t%tlp1, %tlr0, 128;
\tor.pred \t%tlp0, %tlp0, %tlp1;
\t@!%tlp0 bra \t$L__TL_SKIP;
\tselp.u32 \t%tlr1, 1, 0, %tlp1;
\tmov.u32 \t%tlr2, %ctaid.x;
\tmad.lo.u32 \t%tlr3, %tlr2, 2, %tlr1;
\tmul.wide.u32 \t%tl6, %tlr3, {slot};
\tld.param.u64 \t%tl7, [matmul_param_3];
\tadd.s64 \t%tl6, %tl6, %tl7;
\tst.global.u64 \t[%tl6], %tl0;
\tst.global.u64 \t[%tl6+8], %tl1;
\tst.global.u64 \t[%tl6+16], %tl2;
\tst.global.u64 \t[%tl6+24], %tl3;
\tst.global.u64 \t[%tl6+32], %tl4;
\tmov.u32 \t%tlr0, %smid;
\tcvt.u64.u32 \t%tl5, %tlr0;
\tst.global.u64 \t[%tl6+40], %tl5;
\tmov.u64 \t%tl5, 1;
\tst.global.u64 \t[%tl6+48], %tl5;
$L__TL_SKIP:
\tret;
""".replace("{slot}", str(SLOT * 8))
    return ptx.replace("\tret;\n", store)


@triton.jit
def read_timed(x, out, ts, nblocks, BLOCK: tl.constexpr):
    """matmul_bench.read_only with %globaltimer at entry and after the sum
    of everything it loaded (so after the last load returned)."""
    pid = tl.program_id(0)
    t0 = tl.inline_asm_elementwise("mov.u64 $0, %globaltimer;", "=l,r", [pid],
                                   dtype=tl.int64, is_pure=False, pack=1)
    acc = tl.zeros((BLOCK,), dtype=tl.int32)
    for blk in range(pid, nblocks, tl.num_programs(0)):
        acc += tl.load(x + blk * BLOCK + tl.arange(0, BLOCK))
    s = tl.sum(acc)
    tl.store(out + pid, s)
    t1 = tl.inline_asm_elementwise("mov.u64 $0, %globaltimer;", "=l,r", [s],
                                   dtype=tl.int64, is_pure=False, pack=1)
    tl.store(ts + pid * 2, t0)
    tl.store(ts + pid * 2 + 1, t1)


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def summarize_bic(calls):
    """calls: per call, an int64 tensor [programs, 2, SLOT] of stamps (ns)."""
    spans, gaps, rows = [], [], {k: [] for k in
                                 ("entry_skew", "prologue", "first_stage", "k_loop",
                                  "epilogue", "idle_at_end", "entry_skew_max",
                                  "idle_at_end_max", "producer_first_wait")}
    bounds = []
    for st in calls:
        c = st[:, 0, :]  # consumer thread 0
        p = st[:, 1, :]
        live = c[:, 6] == 1
        c = c[live].double()
        start, end = c[:, 0].min().item(), c[:, 4].max().item()
        bounds.append((start, end))
        spans.append(end - start)
        rows["entry_skew"].append(med((c[:, 0] - start).tolist()))
        rows["entry_skew_max"].append((c[:, 0] - start).max().item())
        rows["prologue"].append(med((c[:, 1] - c[:, 0]).tolist()))
        rows["first_stage"].append(med((c[:, 2] - c[:, 1]).tolist()))
        rows["k_loop"].append(med((c[:, 3] - c[:, 2]).tolist()))
        rows["epilogue"].append(med((c[:, 4] - c[:, 3]).tolist()))
        rows["idle_at_end"].append(med((end - c[:, 4]).tolist()))
        rows["idle_at_end_max"].append((end - c[:, 4]).max().item())
        pl = p[p[:, 6] == 1].double()
        if len(pl):
            rows["producer_first_wait"].append(med((pl[:, 2] - pl[:, 1]).tolist()))
    bounds.sort()  # slots are not in call order
    for (s0, e0), (s1, _) in zip(bounds, bounds[1:]):
        gaps.append(s1 - e0)
    out = {"span": med(spans), "gap_to_next": med(gaps)}
    out.update({k: med(v) for k, v in rows.items()})
    return {k: v / 1000 for k, v in out.items()}


def summarize_read(calls):
    spans, gaps, skew, idle, body, bounds = [], [], [], [], [], []
    for ts in calls:
        t = ts.view(-1, 2).double()
        start, end = t[:, 0].min().item(), t[:, 1].max().item()
        bounds.append((start, end))
        spans.append(end - start)
        skew.append(med((t[:, 0] - start).tolist()))
        body.append(med((t[:, 1] - t[:, 0]).tolist()))
        idle.append(med((end - t[:, 1]).tolist()))
    bounds.sort()  # slots are not in call order
    for (s0, e0), (s1, _) in zip(bounds, bounds[1:]):
        gaps.append(s1 - e0)
    return {k: v / 1000 for k, v in {"span": med(spans), "gap_to_next": med(gaps),
                                       "entry_skew": med(skew), "body": med(body),
                                       "idle_at_end": med(idle)}.items()}


def main():
    bundle, out, rt, dev, _ = bicrt.bench_setup(sys.argv)
    sms = dev.multi_processor_count
    cfgs = configs(table_path(), "sm_90a")
    names = sorted({c[0] for c in cfgs if c[1] and c[1] <= 64})
    tmp = tempfile.mkdtemp()
    plain, timed = {}, {}
    for n in names:
        src = open(os.path.join(bundle, "kernels", f"{n}.sm_90a.ptx")).read()
        path = os.path.join(tmp, f"{n}_timed.ptx")
        open(path, "w").write(instrument(src))
        plain[n] = rt.kernel(os.path.join(bundle, "kernels", f"{n}.sm_90a.ptx"), "matmul")
        timed[n] = rt.kernel(path, "matmul")
    res = {"gpu": dev.name, "commit": os.environ.get("BIC_COMMIT", "?"), "rows": []}
    stream = lambda: torch.cuda.current_stream().cuda_stream  # noqa: E731
    calls = 12
    for N, K in [(4096, 4096), (14336, 4096), (4096, 14336)]:
        nsets = weight_copies(N * K * 2)
        Bs = [torch.randn(N, K, device="cuda").to(torch.bfloat16) for _ in range(nsets)]
        A = torch.randn(64, K, device="cuda").to(torch.bfloat16)
        C = torch.empty(64, N, device="cuda", dtype=torch.bfloat16)
        for M in (1, 64):
            for c in cfgs:
                if not (c[1] and M <= c[1] and N >= c[4][0]) or c[0] not in names:
                    continue
                name, _, bm, bn = c[:4]
                tiles = -(-M // bm) * -(-N // bn)
                grid = min(tiles, plain[name].resident_programs())
                stamps = torch.zeros(calls, grid, 2, SLOT, dtype=torch.int64, device="cuda")

                def launch(i, k, overlap=False, j=None):
                    slot = stamps[j if j is not None else 0]
                    args = k.prepare([bicrt.ptr(A.data_ptr()), bicrt.ptr(Bs[i].data_ptr()),
                                      bicrt.ptr(C.data_ptr()), bicrt.ptr(slot.data_ptr()),
                                      bicrt.i32(M), bicrt.i32(N), bicrt.i32(K)])
                    k.launch(grid, args, stream(), overlap)

                row = {"N": N, "K": K, "M": M, "config": name, "grid": grid,
                       "overlap_build": c[5]}
                for ov in ([False, True] if c[5] else [False]):
                    key = "pdl" if ov else "plain"
                    row[f"{key}_graph_us"] = graph_time_us(
                        lambda i: launch(i, plain[name], ov), nsets, calls=calls, reps=20)
                    row[f"{key}_timed_graph_us"] = graph_time_us(
                        lambda i: launch(i, timed[name], ov), nsets, calls=calls, reps=20)
                    # stamps of one replay, a slot per call
                    cnt = [0]

                    def rec(i, k=timed[name], ov=ov):
                        launch(i, k, ov, j=cnt[0] % calls)
                        cnt[0] += 1
                    graph_time_us(rec, nsets, calls=calls, reps=3)
                    torch.cuda.synchronize()
                    row[key] = summarize_bic([stamps[j].cpu() for j in range(calls)])
                res["rows"].append(row)
                print(json.dumps(row), flush=True)
        # the read-only reference, stamped
        words = [b.view(torch.int32).view(-1) for b in Bs]
        for block, per_sm, warps in ((4096, 8, 8), (2048, 8, 8), (4096, 4, 8)):
            nblocks = words[0].numel() // block
            grid = (min(per_sm * sms, nblocks),)
            o = torch.empty(grid[0], dtype=torch.int32, device="cuda")
            ts = torch.zeros(calls, grid[0] * 2, dtype=torch.int64, device="cuda")
            t = graph_time_us(lambda i: read_timed[grid](words[i], o, ts[0], nblocks, BLOCK=block,
                                                         num_warps=warps), nsets, calls=calls,
                              reps=20)
            cnt = [0]

            def rec(i):
                read_timed[grid](words[i], o, ts[cnt[0] % calls], nblocks, BLOCK=block,
                                 num_warps=warps)
                cnt[0] += 1
            graph_time_us(rec, nsets, calls=calls, reps=3)
            torch.cuda.synchronize()
            row = {"N": N, "K": K, "read_b": f"BLOCK={block} programs={grid[0]} warps={warps}",
                   "graph_us": t, "stamps": summarize_read([ts[j].cpu() for j in range(calls)])}
            res["rows"].append(row)
            print(json.dumps(row), flush=True)
    json.dump(res, open(os.path.join(out, "matmul_timeline.json"), "w"), indent=1)


if __name__ == "__main__":
    main()

"""Where a matmul.json (tools/bench/matmul_bench.py) stands against issue
3's targets, per shape and M:

  M >= 1024: bic >= 0.9x cuBLAS (goal 1.0x);
  M <= 64:   bic >= 1.0x cuBLAS and >= 85% of copy bandwidth on B's bytes
             (plain launches; overlapped (PDL) launches shown beside);
  every M:   bic >= 3x the published-recipe Triton kernel (triton_bi) where
             that kernel is under 50% of cuBLAS.

For the last, a point whose 3x would take less time than reading B alone
in the same harness (read_b) is marked `below read`: no kernel that reads
the weight could meet it there. Prints one line per point and a summary.

usage: matmul_targets.py RESULTS.json
"""
import json
import sys


def main():
    d = json.load(open(sys.argv[1]))
    print(f"# {d['gpu']}, commit {d.get('commit', '?')}, "
          f"copy bandwidth {d['copy_bandwidth_TBps']:.2f} TB/s")
    tally = {"1.0x cuBLAS (M<=64)": [0, 0], "85% B bandwidth (M<=64)": [0, 0],
             "0.9x cuBLAS (M>=1024)": [0, 0], "3x Triton BI (<50% cuBLAS)": [0, 0],
             "3x Triton BI, attainable": [0, 0]}

    def count(key, ok):
        tally[key][0] += bool(ok)
        tally[key][1] += 1
        return "ok" if ok else "MISS"

    for r in d["rows"]:
        N, K, M = r["N"], r["K"], r["M"]
        vs_cub = r["bic_tflops"] / r["cublas_tflops"]
        notes = [f"{N:>5}x{K:<5} M={M:<5} bic/cuBLAS {vs_cub:5.3f}"]
        if M <= 64:
            notes.append(count("1.0x cuBLAS (M<=64)", vs_cub >= 1.0))
            bw = r["bic_b_bw_fraction"]
            notes.append(f"B bw {100 * bw:5.1f}% {count('85% B bandwidth (M<=64)', bw >= 0.85)}"
                         + (f" (PDL {100 * r['bic_pdl_b_bw_fraction']:5.1f}%)"
                            if "bic_pdl_b_bw_fraction" in r else ""))
        if M >= 1024:
            notes.append(count("0.9x cuBLAS (M>=1024)", vs_cub >= 0.9))
        if "triton_bi_tflops" in r:
            tri = r["triton_bi_tflops"] / r["cublas_tflops"]
            if tri < 0.5:
                x = r["bic_tflops"] / r["triton_bi_tflops"]
                need_us = r["triton_bi_us"] / 3
                read = d.get("read_b", {}).get(f"{N}x{K}", {}).get("us")
                attainable = read is None or need_us >= read
                ok = count("3x Triton BI (<50% cuBLAS)", x >= 3.0)
                if attainable:
                    count("3x Triton BI, attainable", x >= 3.0)
                notes.append(f"Triton BI {tri:4.2f}x cuBLAS, bic {x:4.2f}x it {ok}"
                             + ("" if attainable else
                                f" (3x = {need_us:.1f} us, below read {read:.1f} us)"))
        print("  ".join(notes))
    print("# summary (met / points):")
    for k, (ok, n) in tally.items():
        print(f"#   {k}: {ok} / {n}")


if __name__ == "__main__":
    main()

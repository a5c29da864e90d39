"""TFLOP/s against tokens (log-log) for B given as [K, N] (matmul_kn.py's
JSON): bic's [K, N] and [N, K] builds and cuBLAS on each layout, one panel
per (N, K); open squares for bic's [K, N] build launched to overlap the
previous call (PDL), where the JSON has it; points where bic's [K, N]
build runs on mma.sync (not wgmma) are marked with an open circle.

usage: plot_matmul_kn.py RESULTS.json OUT.png
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot_matmul import panels  # noqa: E402


def main():
    d = json.load(open(sys.argv[1]))
    shapes, fig, axes = panels(d)
    for ax, (N, K) in zip(axes, shapes):
        rows = [r for r in d["rows"] if (r["N"], r["K"]) == (N, K)]
        m = [r["M"] for r in rows]
        tf = lambda key: [2.0 * r["M"] * N * K / (r["us"][key] * 1e-6) / 1e12 for r in rows]  # noqa: E731
        for key, label, style in [("bic_kn", "bic, B as [K, N]", "r-o"),
                                  ("bic_nk", "bic, B as [N, K]", "r:"),
                                  ("cublas_kn", "cuBLAS, B as [K, N]", "g-s"),
                                  ("cublas_nk", "cuBLAS, B as [N, K]", "g:")]:
            ax.plot(m, tf(key), style, label=label, markersize=4)
        pdl = [r for r in rows if "bic_kn_pdl" in r["us"]]
        if pdl:
            ax.plot([r["M"] for r in pdl],
                    [2.0 * r["M"] * N * K / (r["us"]["bic_kn_pdl"] * 1e-6) / 1e12 for r in pdl],
                    "rs", mfc="white", markersize=6, label="bic, B as [K, N], overlapped (PDL)")
        slow = [(x, y) for x, y, r in zip(m, tf("bic_kn"), rows) if not r["kn_on_wgmma"]]
        if slow:
            ax.plot(*zip(*slow), "o", mfc="white", mec="r", markersize=8,
                    label="bic [K, N] on mma.sync")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("tokens (M)")
        ax.set_ylabel("TFLOP/s")
        ax.set_title(f"N={N}, K={K}")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"bf16 matmul, B as [K, N] — {d['gpu']}, commit {d['commit']}")
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()

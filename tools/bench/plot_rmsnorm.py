"""Draws RMSNorm time against tokens (log2 axis), one line per implementation,
from the JSON rmsnorm_bench.py writes (the chart of shared/seeds/001 with bic).

usage: plot_rmsnorm.py RESULTS.json OUT.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    data = json.load(open(sys.argv[1]))
    hiddens = sorted({r["hidden"] for r in data["rows"]})
    fig, axes = plt.subplots(1, len(hiddens), figsize=(6 * len(hiddens), 4.5))
    if len(hiddens) == 1:
        axes = [axes]
    styles = [("torch_us", "Non-batch-invariant (torch F.rms_norm)", "g", "o"),
              ("triton_us", "Batch-invariant (Triton, one row/program)", "b", "D"),
              ("bic_us", "Batch-invariant (bic)", "r", "s")]
    for ax, H in zip(axes, hiddens):
        rows = [r for r in data["rows"] if r["hidden"] == H]
        t = [r["tokens"] for r in rows]
        for key, label, color, marker in styles:
            ax.plot(t, [r[key] / 1000 for r in rows], color=color, marker=marker,
                    label=label)
        ax.set_xscale("log", base=2)
        ax.set_xticks(t)
        ax.set_xticklabels([str(x) for x in t], rotation=45)
        ax.set_xlabel("# Tokens")
        ax.set_ylabel("Execution Time (ms)")
        ax.set_title(f"RMSNorm bf16, hidden {H} — {data['gpu']}")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
    fig.suptitle(f"GPU time per call (CUDA graph), commit {data.get('commit', '?')}")
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()

"""Draws attention_bench.py's results: prefill TFLOP/s against tokens and
decode time against keys (log-log), bic against torch SDPA.

usage: plot_attention.py RESULTS.json OUT.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    data = json.load(open(sys.argv[1]))
    fig, (pre, dec) = plt.subplots(1, 2, figsize=(12, 4.5))
    styles = [("sdpa", "Non-batch-invariant (torch SDPA)", "g", "o"),
              ("bic", "Batch-invariant (bic)", "r", "s")]
    panels = [(pre, "prefill", "S", "_TFLOPs", "tokens (prefill, causal)", "TFLOP/s"),
              (dec, "decode", "L", "_us", "keys (decode, one query)", "µs per call")]
    for ax, phase, x, y, xlabel, ylabel in panels:
        rows = [r for r in data["rows"] if r["phase"] == phase]
        for key, label, color, marker in styles:
            ax.plot([r[x] for r in rows], [r[key + y] for r in rows], color=color, marker=marker,
                    label=label)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
    for ax in (pre, dec):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle(f"{data['gpu']}: attention, H={data['H']} H_KV={data['H_KV']} D={data['D']}, "
                 f"bf16 (commit {data.get('commit', '?')})")
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()

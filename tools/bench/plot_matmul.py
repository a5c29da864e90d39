"""TFLOP/s against tokens (log-log), one line per implementation and one
panel per (N, K): the chart of shared/seeds/000 with bic added, and (where
the results have it) the ceiling that reading B alone sets at few tokens.

usage: plot_matmul.py RESULTS.json OUT.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def panels(d):
    """The (N, K) shapes of a results JSON's rows, in order, and a figure
    with one panel (axes) per shape."""
    shapes = []
    for r in d["rows"]:
        if (r["N"], r["K"]) not in shapes:
            shapes.append((r["N"], r["K"]))
    fig, axes = plt.subplots(1, len(shapes), figsize=(6 * len(shapes), 4.5))
    return shapes, fig, axes if len(shapes) > 1 else [axes]


def main():
    d = json.load(open(sys.argv[1]))
    shapes, fig, axes = panels(d)
    inv = d.get("invariant", {})
    for ax, (N, K) in zip(axes, shapes):
        rows = [r for r in d["rows"] if (r["N"], r["K"]) == (N, K)]
        m = [r["M"] for r in rows]
        for key, label, color, marker in [
                ("cublas_tflops", "cuBLAS (torch.mm)", "g", "o"),
                ("triton_bi_tflops", "Triton batch-invariant, published recipe (128x128x64)",
                 "b", "D"),
                ("triton_simple_tflops", "Triton 128x128x64, plain persistent loop", "c", "v"),
                ("bic_tflops", "bic (batch-invariant)", "r", "s")]:
            if key not in rows[0]:
                continue  # (results from before the plain Triton line)
            name = key[:-len("_tflops")]
            ok = inv.get(name, {}).get(f"{N}x{K}")
            tag = "" if ok is None else (" [invariant]" if ok else " [NOT invariant]")
            ax.plot(m, [r[key] for r in rows], color=color, marker=marker, label=label + tag)
        pdl = [r for r in rows if "bic_pdl_tflops" in r]
        if pdl:
            ok = inv.get("bic", {}).get(f"{N}x{K}")
            tag = "" if ok is None else (" [invariant]" if ok else " [NOT invariant]")
            ax.plot([r["M"] for r in pdl], [r["bic_pdl_tflops"] for r in pdl], color="r", marker="s",
                    linestyle="--", markerfacecolor="none",
                    label="bic, overlapped launches (PDL)" + tag)
        rb = d.get("read_b", {}).get(f"{N}x{K}")
        if rb:
            # The TFLOP/s a product would reach if it took no longer than
            # reading B alone: the memory ceiling at few tokens.
            small = [x for x in m if x <= 256]
            ax.plot(small, [2.0 * x * N * K / rb["us"] / 1e6 for x in small], color="0.5",
                    linestyle=":", label=f"reading B alone ({rb['us']:.1f} us)")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("# Tokens (M)")
        ax.set_ylabel("TFLOP/s")
        ax.set_title(f"bf16 matmul N={N}, K={K} — {d['gpu']}")
        ax.grid(alpha=0.3, which="both")
        ax.legend(loc="lower right", fontsize=7)
    fig.suptitle(f"commit {d.get('commit', '?')}")
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()

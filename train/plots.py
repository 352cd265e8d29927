"""Curves of a distillation run (metrics.jsonl -> curves.png), drawn with matplotlib's Agg backend."""
from __future__ import annotations

import json
from pathlib import Path


def read_metrics(path: Path | str) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def plot_curves(metrics: Path | str, out: Path | str) -> Path:
    """Three panels: KD loss, learning rate, and agreement / validation top-1 against the step."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = read_metrics(metrics)
    train = [r for r in rows if r["event"] == "train"]
    evals = [r for r in rows if r["event"] == "eval"]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    steps = [r["step"] for r in train]
    axes[0].plot(steps, [r["loss"] for r in train], label="KD loss (train)")
    axes[0].set_yscale("log")
    axes[1].plot(steps, [r["lr"] for r in train], label="learning rate")
    axes[2].plot(steps, [r["batch_agreement"] for r in train], alpha=0.4, label="agreement, train batch")
    for key, label in (("holdout_agreement", "agreement, held-out shaders"), ("val_top1", "student top-1, val")):
        pts = [(r["step"], r[key]) for r in evals if key in r]
        if pts:
            axes[2].plot(*zip(*pts), marker="o", label=label)
    best = [r["step"] for r in evals if r.get("best")]
    if best:
        axes[2].axvline(best[-1], color="grey", linestyle=":", label=f"best (step {best[-1]})")
    axes[2].set_ylim(0, 1)
    for ax in axes:
        ax.set_xlabel("step")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    out = Path(out)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out

"""Training curves: every model's r against the training FLOPs it has spent, on one panel."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from promoterbench.plots import colour, grid, save


def training_curves(
    curves: dict[str, pd.DataFrame], ylabel: str, ceiling: float | None, path: str | os.PathLike
) -> None:
    """One line per model: ``r`` against ``train_flops`` (log axis); models without FLOPs (the
    closed-form k-mer baseline) or without points are left out; ``ceiling``, where known, drawn
    as a dashed line (the oracle's r: the noise-free truth against the measured labels)."""
    fig, (ax,) = grid(1, 1)
    for name, curve in sorted(curves.items()):
        curve = curve.dropna(subset=["train_flops", "r"])
        if curve.empty:
            continue
        ax.plot(curve["train_flops"], curve["r"], marker="o", ms=3, color=colour(name), label=name)
    if ceiling is not None and np.isfinite(ceiling):
        ax.axhline(
            ceiling, color="black", ls="--", lw=1, label=f"oracle (noise-free truth) {ceiling:.3f}"
        )
    ax.set_xscale("log")
    ax.set_xlabel("training FLOPs")
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize="small", loc="upper left")
    ax.set_title(
        "Training curves: the same reads for every model, against the compute spent (replicate 1)"
    )
    fig.tight_layout()
    save(fig, path)

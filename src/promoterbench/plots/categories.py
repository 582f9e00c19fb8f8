"""The per-category heatmap: every entry on every official test category."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from promoterbench.plots import SLIDE, save
from promoterbench.testset import CATEGORIES

import matplotlib.pyplot as plt  # noqa: E402

LABELS = {"all": "All", "high": "High", "low": "Low", "native": "Native", "random": "Random",
          "challenging": "Challenging", "snv": "SNV", "motif_perturbation": "Motif\nperturb.",
          "motif_tiling": "Motif\ntiling"}  # fmt: skip


def category_heatmap(
    tables: dict[str, pd.DataFrame], order: list[str], split: str, path: str | os.PathLike
) -> None:
    """Pearson r² (top) and Spearman ρ (bottom) per entry (rows, leaderboard order) and category."""
    names = [n for n in order if split in set(tables[n]["split"])]
    cats = [c.name for c in CATEGORIES]
    header = [f"{LABELS[c.name]}\n×{c.weight:g}" for c in CATEGORIES]
    height = 1.6 + 0.42 * len(names)
    fig, axes = plt.subplots(2, 1, figsize=(SLIDE[0], 2 * height), layout="constrained")
    for ax, metric, title in zip(
        axes, ("pearson_r2", "spearman_rho"), ("Pearson r²", "Spearman ρ")
    ):
        values = np.array([
            tables[n][tables[n]["split"] == split].set_index("category").loc[cats, metric].to_numpy(float)
            for n in names
        ])  # fmt: skip
        image = ax.imshow(values, cmap="viridis", vmin=0, vmax=1, aspect="auto")
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=11,
                        color="white" if v < 0.6 else "black")  # fmt: skip
        ax.set_xticks(range(len(cats)), header)
        ax.tick_params(axis="x", labeltop=True, labelbottom=False, length=0)
        ax.set_yticks(range(len(names)), names)
        ax.set_ylabel(title, fontsize=13)
        for spine in ax.spines.values():
            spine.set_visible(False)
        fig.colorbar(image, ax=ax, fraction=0.02, pad=0.01)
    fig.suptitle(
        f"Per-category scores, {split} split, replicate 1 of each model "
        "(×: the category's weight in the official scores)"
    )
    save(fig, path)

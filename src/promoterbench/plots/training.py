"""Training curves: loss and validation correlation per epoch, one panel per model."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from promoterbench.plots import colour, grid, save

STYLES = {
    "train loss": {"marker": "o", "ls": "-"},
    "validation loss": {"marker": "s", "ls": "--", "alpha": 0.7},
    "validation r (right axis)": {"marker": "^", "ls": ":"},
}


def training_curves(histories: dict[str, pd.DataFrame], path: str | os.PathLike) -> None:
    """Train and validation loss (left axis) and validation Pearson r (right axis) per epoch.

    Only models trained in epochs are drawn (a history without an ``epoch`` column, such as the
    k-mer baseline's penalty search, is skipped). Teams that trained without a validation split
    (as their authors did) show the training loss only; losses are each team's own (L1, MSE, KL,
    ...), so compare shapes, not levels.
    """
    curves = {name: h for name, h in histories.items() if "epoch" in h.columns}
    fig, axes = grid(len(curves), 3)
    for ax, (name, h) in zip(axes, curves.items()):
        c = colour(name)
        ax.plot(h["epoch"], h["train_loss"], color=c, **STYLES["train loss"])
        if np.isfinite(h["val_loss"]).any():
            ax.plot(h["epoch"], h["val_loss"], color=c, **STYLES["validation loss"])
            right = ax.twinx()
            right.plot(
                h["epoch"], h["val_pearson_r"], color="black", **STYLES["validation r (right axis)"]
            )
            right.set_ylim(0, 1)
            right.set_ylabel("validation r")
            right.spines["right"].set_visible(True)
            ax.set_title(name, color=c)
        else:
            ax.set_title(f"{name} (no validation split, as trained)", color=c)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        ax.set_xticks(h["epoch"])
    handles = [Line2D([], [], color="black", **style) for style in STYLES.values()]
    fig.legend(handles, list(STYLES), loc="lower right", bbox_to_anchor=(0.98, 0.08), frameon=False)
    fig.suptitle("Training curves (each team's own loss: compare shapes, not levels)")
    fig.tight_layout()
    save(fig, path)

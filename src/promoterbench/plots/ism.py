"""In-silico mutagenesis heat maps: positions × bases, the effect of each substitution, the
reference base marked with a dot; and the true maps beside each model's (synthetic data)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from promoterbench.ism import BASES
from promoterbench.plots import SLIDE, grid, save

import matplotlib.pyplot as plt  # noqa: E402


def _matrix(table: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame, int]:
    """(4, positions) effects of one sequence's mutated positions (0 at the reference base), its
    reference bases there and the first position."""
    first = int(table["position"].min())
    effects = np.zeros((len(BASES), int(table["position"].max()) - first + 1))
    effects[table["alt"].map(BASES.index), table["position"] - first] = table["effect"]
    ref = table.drop_duplicates("position")[["position", "ref"]]
    return effects, ref[ref["ref"].isin(list(BASES))], first


def heatmap(ax: plt.Axes, table: pd.DataFrame, title: str) -> None:
    """One sequence's ISM map on ``ax`` (x: 1-based positions), colours symmetric about 0."""
    effects, ref, first = _matrix(table)
    limit = float(np.abs(effects).max()) or 1.0
    extent = (first - 0.5, first + effects.shape[1] - 0.5, len(BASES) - 0.5, -0.5)
    image = ax.imshow(effects, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto",
                      interpolation="nearest", extent=extent)  # fmt: skip
    ax.scatter(ref["position"], ref["ref"].map(BASES.index), s=3, c="black", marker="o")
    ax.set_yticks(range(len(BASES)), list(BASES))
    ax.set_title(title, fontsize=11, loc="left")
    ax.figure.colorbar(image, ax=ax, fraction=0.02, pad=0.01)


def sequence_maps(table: pd.DataFrame, folder: str | os.PathLike, model: str) -> list[Path]:
    """One PNG per sequence in ``folder``, named after its id."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, rows in table.groupby("id", sort=False):
        fig, ax = plt.subplots(figsize=(SLIDE[0], 2.6), layout="constrained")
        heatmap(ax, rows, f"{model}: ISM of {name} (effect = mutant − reference; dot: reference)")
        ax.set_xlabel("position (nt)")
        path = folder / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', str(name))}.png"
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
    return paths


def truth_beside_models(
    truth: pd.DataFrame,
    models: dict[str, pd.DataFrame],
    scores: dict[str, pd.DataFrame],
    ids: list[str],
    png: str | os.PathLike,
) -> None:
    """For each example sequence (a column), the true ISM map above each model's, with the
    model's r against the truth on that sequence."""
    names = list(models)
    fig, axes = grid(len(ids) * (len(names) + 1), len(ids), size=(SLIDE[0], 1.5 * (len(names) + 1)),
                     layout="constrained", sharex="col")  # fmt: skip
    for col, seq in enumerate(ids):
        heatmap(axes[col], truth[truth["id"] == seq], f"truth, test sequence {seq}")
        for row, name in enumerate(names, start=1):
            r = scores[name].set_index("id").loc[seq, "r_truth"]
            table = models[name]
            heatmap(axes[row * len(ids) + col], table[table["id"] == seq], f"{name} (r = {r:.2f})")
    fig.suptitle("In-silico mutagenesis: the true effects beside each model's (replicate 1)")
    save(fig, png)

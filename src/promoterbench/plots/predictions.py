"""What the models predict: measured vs predicted (per output for the other data sets), SNV
effects, and motif tiling profiles.

Density is drawn with hexagonal bins (log colour scale), so 71,103 points render in a second.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from promoterbench.plots import MEASURED, colour, grid, save
from promoterbench.scoring import correlations


def _density(ax, x: np.ndarray, y: np.ndarray, cmap: str) -> None:
    ax.hexbin(x, y, gridsize=45, bins="log", mincnt=1, cmap=cmap, linewidths=0)
    r, rho = correlations(x, y)
    ax.text(0.03, 0.96, f"r = {r:.3f}\nρ = {rho:.3f}", transform=ax.transAxes, va="top", fontsize=11,
            bbox={"boxstyle": "round", "fc": "white", "alpha": 0.8, "lw": 0})  # fmt: skip


def _panels(
    pairs: dict[str, tuple[np.ndarray, np.ndarray]],
    labels: tuple[str, str],
    cmap: str,
    title: str,
    path: str | os.PathLike,
    zero_lines: bool = False,
) -> None:
    """One density panel per entry of (x, y) values, four panels per row."""
    fig, axes = grid(len(pairs), 4)
    for ax, (name, (x, y)) in zip(axes, pairs.items()):
        _density(ax, x, y, cmap)
        if zero_lines:
            ax.axhline(0, color="grey", lw=0.5)
            ax.axvline(0, color="grey", lw=0.5)
        ax.set_title(name, color=colour(name))
        ax.set_xlabel(labels[0])
        ax.set_ylabel(labels[1])
    fig.suptitle(title)
    fig.tight_layout()
    save(fig, path)


def prediction_scatter(
    preds: dict[str, np.ndarray],
    truth: np.ndarray,
    index: np.ndarray,
    path: str | os.PathLike,
    split: str,
) -> None:
    """Measured (x) against predicted (y) expression of the split's test sequences, per entry."""
    values = {name: (truth[index], pred[index]) for name, pred in preds.items()}
    title = (
        f"Measured vs predicted expression, {len(index):,} test sequences ({split} split, "
        "replicate 1 of each model)"
    )
    _panels(values, ("measured", "predicted"), "Blues", title, path)


def output_scatter(
    preds: dict[str, np.ndarray],
    truth: np.ndarray,
    labels: list[str],
    path: str | os.PathLike,
    data: str,
) -> None:
    """Measured (x) against predicted (y) values of an other data set's test rows: a panel per
    model and output (``truth`` and each prediction (rows, outputs); ``labels`` name the
    outputs)."""
    values = {
        f"{name}: {label}": (truth[:, j], pred[:, j])
        for name, pred in preds.items()
        for j, label in enumerate(labels)
    }
    title = f"Measured vs predicted, {len(truth):,} {data} test rows (replicate 1 of each model)"
    _panels(values, ("measured", "predicted"), "Blues", title, path)


def snv_effects(
    preds: dict[str, np.ndarray],
    truth: np.ndarray,
    pairs: np.ndarray,
    path: str | os.PathLike,
    split: str,
) -> None:
    """Effect of single-nucleotide variants: measured vs predicted alt − ref, per entry."""
    alt, ref = pairs[:, 0], pairs[:, 1]
    values = {
        name: (truth[alt] - truth[ref], pred[alt] - pred[ref]) for name, pred in preds.items()
    }
    title = f"SNV effects, {len(pairs):,} variant pairs ({split} split, replicate 1 of each model)"
    _panels(
        values,
        ("measured alt − ref", "predicted alt − ref"),
        "Purples",
        title,
        path,
        zero_lines=True,
    )


def tiling_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Motif and position of every tiling pair from its tags (``<background>_<motif>[.RC]_<pos>``)."""
    rest = [a[len(r) + 1 :] for a, r in zip(rows["alt_tag"], rows["ref_tag"])]
    out = rows.copy()
    out["motif"] = [x.rsplit("_", 1)[0].removesuffix(".RC") for x in rest]
    out["position"] = [int(x.rsplit("_", 1)[1]) for x in rest]
    return out


def motif_tiling(
    preds: dict[str, np.ndarray], truth: np.ndarray, rows: pd.DataFrame, path: str | os.PathLike
) -> None:
    """Measured and predicted effect (alt − ref) of a motif along the sequence, one panel per motif
    (averaged over backgrounds and both orientations)."""
    table = tiling_table(rows)
    motifs = sorted(table["motif"].unique())
    fig, axes = grid(len(motifs), 3, sharey=True)
    series = {"measured": truth} | preds
    for ax, motif in zip(axes, motifs):
        part = table[table["motif"] == motif]
        for name, values in series.items():
            effect = values[part["alt_pos"].to_numpy()] - values[part["ref_pos"].to_numpy()]
            # put every entry on the measured scale: effects standardised by their own SD
            effect = effect / (np.std(values) or 1.0) * np.std(truth)
            mean = pd.Series(effect).groupby(part["position"].to_numpy()).mean()
            style = (
                {"color": MEASURED, "lw": 2.5, "zorder": 5}
                if name == "measured"
                else {"color": colour(name), "lw": 1.3}
            )
            ax.plot(mean.index, mean.to_numpy(), label=name, **style)
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_title(motif)
        ax.set_xlabel("motif start in the random region (nt)")
    axes[0].set_ylabel("effect (alt − ref)")
    axes[0].legend(loc="best", fontsize=9, ncol=2)
    fig.suptitle(
        "Motif tiling: measured and predicted effect along the sequence (test-scale units; "
        "replicate 1 of each model)"
    )
    fig.tight_layout()
    save(fig, path)

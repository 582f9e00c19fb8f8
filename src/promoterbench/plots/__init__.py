"""Figures of a run: one module per kind, a shared style, one colour per entry everywhere.

Every figure is saved as PNG (for the report and slides) and PDF (for papers), sized for a 16:9
slide (13.3 × 7.5 in) with fonts of at least 11 pt.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams.update(
    {
        "font.size": 12,
        "axes.titlesize": 13,
        "axes.labelsize": 12,
        "xtick.labelsize": 11,
        "ytick.labelsize": 11,
        "legend.fontsize": 11,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "savefig.dpi": 150,
        "savefig.bbox": "tight",
    }
)

SLIDE = (13.3, 7.5)
# Fixed colours for the known entries (colour-blind-safe Okabe-Ito and Tol hues); others get a
# stable colour from their name.
TEAM_COLOURS = {
    "oracle": "#444444",
    "autosome": "#0072B2",
    "camformers": "#E69F00",
    "noisy_chardonnay": "#CC79A7",
    "madlab": "#009E73",
    "wan_barton": "#D55E00",
    "kmer_ridge": "#999933",
}
_EXTRA = ["#56B4E9", "#882255", "#44AA99", "#AA4499", "#332288", "#117733", "#661100", "#88CCEE"]
MEASURED = "#000000"


def colour(name: str) -> str:
    """The colour of an entry, the same in every figure and every run."""
    return TEAM_COLOURS.get(name, _EXTRA[zlib.crc32(name.encode()) % len(_EXTRA)])


def save(fig: plt.Figure, png: str | os.PathLike) -> None:
    """Write the figure as PNG and as PDF beside it, then close it."""
    png = Path(png)
    fig.savefig(png)
    fig.savefig(png.with_suffix(".pdf"))
    plt.close(fig)


def grid(n: int, cols: int, size: tuple[float, float] = SLIDE, **kwargs) -> tuple[plt.Figure, list]:
    """A figure with ``n`` panels on a grid of ``cols`` columns (unused panels removed)."""
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=size, squeeze=False, **kwargs)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.remove()
    return fig, flat[:n]

"""Read lengths: the distribution, and which lengths each team's recipe keeps."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from promoterbench.plots import SLIDE, save

import matplotlib.pyplot as plt  # noqa: E402


def length_histogram(
    counts: pd.DataFrame, kept: dict[str, pd.Series], path: str | os.PathLike
) -> None:
    """Top: reads per length (log scale). Bottom: share of each length's reads a team keeps
    (recipes filter lengths, N, singletons, and subsample at ``scale: cpu``)."""
    lengths = counts["length"].to_numpy()
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(SLIDE[0], 3.5 + 0.45 * len(kept)), sharex=True,
        gridspec_kw={"height_ratios": [2, max(1, 0.35 * len(kept))]},
    )  # fmt: skip
    top.bar(lengths, counts["reads"], width=0.9, color="#777777")
    top.set_yscale("log")
    top.set_ylabel("reads")
    top.set_title(f"Read lengths: {counts['reads'].sum():,} reads, {len(lengths)} lengths")
    share = np.array([
        [kept[t].get(n, 0) / r for n, r in zip(lengths, counts["reads"])] for t in kept
    ])  # fmt: skip
    image = bottom.imshow(share, aspect="auto", cmap="Greens", vmin=0, vmax=1,
                          extent=(lengths.min() - 0.5, lengths.max() + 0.5, len(kept) - 0.5, -0.5))  # fmt: skip
    bottom.set_yticks(range(len(kept)), list(kept))
    bottom.set_xlabel("read length (nt)")
    bottom.set_title("share of each length kept by the team's data recipe (white: dropped)")
    fig.colorbar(image, ax=bottom, fraction=0.02, pad=0.01)
    fig.tight_layout()
    save(fig, path)

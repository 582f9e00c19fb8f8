"""The paired comparison matrix: how often each entry ranks above each other one."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from promoterbench.bootstrap import TIE_K, decided
from promoterbench.plots import SLIDE, save

import matplotlib.pyplot as plt  # noqa: E402  (after the Agg backend is chosen)


def pairwise_matrix(board: pd.DataFrame, pairs: pd.DataFrame, path: str | os.PathLike) -> None:
    """Entries × entries in leaderboard order: the share of paired bootstrap resamples in which the
    row's entry ranks above the column's; a cell whose Bayes factor K is below the tie threshold
    (neither is ahead in 3 of 4 resamples) is marked as a tie."""
    names = [n for n in board.sort_values("rank")["team"] if n in set(pairs["a"])]
    share = pairs.pivot(index="a", columns="b", values="share_a_above").loc[names, names]
    wins = pairs.pivot(index="a", columns="b", values="a_above").loc[names, names]
    size = min(SLIDE[1], 1.5 + 0.62 * len(names))
    fig, ax = plt.subplots(figsize=(SLIDE[0], max(size, 4.0)), layout="constrained")
    image = ax.imshow(share.to_numpy(float), cmap="RdBu", vmin=0, vmax=1, aspect="auto")
    for (i, j), value in np.ndenumerate(share.to_numpy(float)):
        if i == j:
            continue
        tie = not decided(wins.iat[i, j], wins.iat[j, i])
        ax.text(j, i, f"{value:.0%}" + ("\ntie" if tie else ""), ha="center", va="center",
                fontsize=10, color="black" if 0.25 < value < 0.75 else "white")  # fmt: skip
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("… ranks above this entry")
    ax.set_ylabel("share of resamples in which this entry …")
    fig.colorbar(image, ax=ax, fraction=0.03, pad=0.01)
    fig.suptitle(
        f"Paired bootstrap: how often the row ranks above the column (tie: Bayes factor K < {TIE_K:g}"
        " either way)"
    )
    save(fig, path)

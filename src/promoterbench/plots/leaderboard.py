"""The leaderboard chart: both ranking scores with their bootstrap intervals."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from promoterbench import bootstrap
from promoterbench.leaderboard import SCORE_TITLES
from promoterbench.plots import SLIDE, colour, save

import matplotlib.pyplot as plt  # noqa: E402  (after the Agg backend is chosen)


def leaderboard_chart(board: pd.DataFrame, path: str | os.PathLike) -> None:
    """A panel per ranking score (yeast: Score PearsonR², Score Spearman; other data sets: the
    means over their outputs of Pearson r and Spearman ρ): a dot per entry with its 95 %
    interval."""
    board = board.sort_values("rank", na_position="last").reset_index(drop=True)
    outputs = "score_pearson_r" in board
    scores = bootstrap.OUTPUT_SCORES if outputs else bootstrap.YEAST_SCORES
    fig, axes = plt.subplots(
        1, 2, figsize=(SLIDE[0], max(3.5, 1.2 + 0.55 * len(board))), sharey=True
    )
    y = np.arange(len(board))
    for ax, metric, title in zip(axes, scores, SCORE_TITLES[scores]):
        for i, row in board.iterrows():
            value, c = row[metric], colour(row["team"])
            lo, hi = row.get(f"{metric}_lo", np.nan), row.get(f"{metric}_hi", np.nan)
            if np.isfinite(lo) and np.isfinite(
                hi
            ):  # r² near 0 is biased up: the interval may sit above it
                ax.plot([lo, hi], [i, i], color=c, lw=2, marker="|", ms=12)
            ax.plot(value, i, "o", color=c, ms=8)
            right = hi if np.isfinite(hi) else value
            ax.annotate(f"{value:.3f}", (right, i), xytext=(7, 0), textcoords="offset points",
                        va="center", fontsize=10)  # fmt: skip
        ax.set_title(title)
        ax.set_xlim(min(0.0, np.nanmin(board.filter([metric, f"{metric}_lo"]).to_numpy())), 1)
        ax.grid(axis="x", alpha=0.3)
    labels = []
    for _, row in board.iterrows():
        rank = "–" if pd.isna(row["rank"]) else int(row["rank"])
        mean_rank = row.get("mean_rank", np.nan)
        extra = (
            f" (mean rank {mean_rank:.1f})" if np.isfinite(mean_rank) else f" ({row['split']} only)"
        )
        labels.append(f"{rank}. {row['team']}{extra}")
    axes[0].set_yticks(y, labels)
    axes[0].invert_yaxis()
    split, data = board.loc[board["rank"].notna(), "split"].iloc[0], board["data"].iloc[0]
    means = ", means over outputs" if outputs else ""
    fig.suptitle(
        f"Leaderboard — {data} data, {split} split (bars: 95 % bootstrap intervals{means})"
    )
    fig.tight_layout()
    save(fig, path)

"""Figures of a run (matplotlib, non-interactive)."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

METRIC_COLOURS = {"score_pearson_r2": "#3b6ea8", "score_spearman": "#e39b3a"}
METRIC_LABELS = {"score_pearson_r2": "Score PearsonR²", "score_spearman": "Score Spearman"}


def leaderboard_chart(board: pd.DataFrame, path: str | os.PathLike) -> None:
    """Horizontal bars of both weighted scores, best entry on top."""
    board = board.sort_values("rank")
    n = len(board)
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.6 * n))
    y = np.arange(n)
    height = 0.38
    for k, metric in enumerate(METRIC_COLOURS):
        values = board[metric].to_numpy(dtype=float)
        bars = ax.barh(
            y + (k - 0.5) * height,
            values,
            height,
            color=METRIC_COLOURS[metric],
            label=METRIC_LABELS[metric],
        )
        for bar, value in zip(bars, values):
            if np.isfinite(value):
                ax.text(bar.get_width() + 0.01, bar.get_y() + bar.get_height() / 2, f"{value:.3f}",
                        va="center", fontsize=10)  # fmt: skip
    labels = [
        f"{r}. {t}" + (" (ref.)" if k != "team" else "")
        for r, t, k in zip(board["rank"], board["team"], board["kind"])
    ]
    ax.set_yticks(y, labels, fontsize=11)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.12)
    ax.set_xlabel("weighted score (official DREAM 2022 formula)", fontsize=11)
    split, data = board["split"].iloc[0], board["data"].iloc[0]
    ax.set_title(f"Leaderboard — {data} data, {split} test split", fontsize=13)
    ax.legend(loc="lower right", fontsize=10, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)

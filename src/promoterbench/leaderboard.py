"""The leaderboard: one row per team, reference and external submission, ranked.

Ranking follows the evidence about the challenge (dream_anchors.md §1.4): both weighted scores
count, so entries are ordered by the mean of their rank on Score PearsonR² and their rank on Score
Spearman (ties broken by Score PearsonR²). The organisers' exact procedure is unpublished.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from promoterbench import scoring

NAME = r"[A-Za-z0-9_.\-]+"  # an entry's name: the {name} wildcard of the workflow


def external_names(folder: str | Path) -> list[str]:
    """Names of the submission JSONs in ``folder`` (file names without ``.json``); files whose
    name is not a valid entry name raise ValueError naming them."""
    names = sorted(p.stem for p in Path(folder).glob("*.json"))
    bad = [f"{Path(folder) / name}.json" for name in names if not re.fullmatch(NAME, name)]
    if bad:
        raise ValueError(
            f"{', '.join(map(repr, bad))}: names may use letters, digits, '.', '_', '-'; "
            "rename the file (its name is the entry's name on the leaderboard)"
        )
    return names


COLUMNS = [
    "rank", "team", "kind", "score_pearson_r2", "score_spearman", "all_pearson_r2", "all_spearman",
    "n_params", "train_flops", "steps", "still_learning", "train_seconds", "train_cpu_seconds", "split", "data",
]  # fmt: skip


def entry(name: str, evaluation: pd.DataFrame, split: str, info: dict) -> dict:
    """One leaderboard row from an evaluation table and training info (kind, n_params, ...)."""
    scored = split if split in set(evaluation["split"]) else str(evaluation["split"].iloc[0])
    r2, rho = scoring.scores(evaluation, scored)
    rows = evaluation[(evaluation["split"] == scored) & (evaluation["category"] == "all")].iloc[0]
    return {
        "team": name,
        "kind": info.get("kind", "team"),
        "score_pearson_r2": r2,
        "score_spearman": rho,
        "all_pearson_r2": float(rows["pearson_r2"]),
        "all_spearman": float(rows["spearman_rho"]),
        "n_params": info.get("n_params"),
        "train_flops": info.get("train_flops"),
        "steps": info.get("steps"),
        "still_learning": info.get("still_learning"),
        "train_seconds": info.get("train_seconds"),
        "train_cpu_seconds": info.get("train_cpu_seconds"),
        "split": scored,
    }


def rank(rows: list[dict], split: str, data: str) -> pd.DataFrame:
    """Order rows by the mean of their two score ranks; number them from 1.

    Entries that could only be scored on another split (e.g. a submission covering only the
    public leaderboard) are listed after the ranked ones, without a rank.
    """
    board = pd.DataFrame(rows)
    ranked = board["split"] == split
    r2 = board["score_pearson_r2"].where(ranked).fillna(-np.inf)
    rho = board["score_spearman"].where(ranked).fillna(-np.inf)
    board["_key"] = (
        r2.rank(ascending=False, method="min") + rho.rank(ascending=False, method="min")
    ) / 2
    board["_key"] = board["_key"].where(ranked, np.inf)
    board["_r2"] = board["score_pearson_r2"]
    board = board.sort_values(["_key", "_r2"], ascending=[True, False], kind="stable")
    n_ranked = int(ranked.sum())
    board.insert(
        0,
        "rank",
        pd.array(list(range(1, n_ranked + 1)) + [None] * (len(board) - n_ranked), dtype="Int64"),
    )
    board["data"] = data
    for column in ("n_params", "steps"):
        board[column] = board[column].astype("Int64")
    return board[COLUMNS].reset_index(drop=True)


INTERVAL_COLUMNS = [
    "score_pearson_r2_lo", "score_pearson_r2_hi", "score_spearman_lo", "score_spearman_hi",
    "mean_rank", "share_first",
]  # fmt: skip


def with_intervals(board: pd.DataFrame, bootstrap: pd.DataFrame) -> pd.DataFrame:
    """Add the bootstrap's 95 % intervals and mean ranks (entries it did not cover stay empty)."""
    merged = board.merge(bootstrap[["team"] + INTERVAL_COLUMNS], on="team", how="left")
    first = ["rank", "team", "kind", "score_pearson_r2", "score_pearson_r2_lo", "score_pearson_r2_hi",
             "score_spearman", "score_spearman_lo", "score_spearman_hi", "mean_rank", "share_first"]  # fmt: skip
    return merged[first + [c for c in merged.columns if c not in first]]


def build(
    evaluations: dict[str, str],
    summaries: dict[str, str],
    kinds: dict[str, str],
    split: str,
    data: str,
) -> pd.DataFrame:
    """Leaderboard from evaluation TSVs, training summaries (trained entries) and the kind of
    every other entry ('external' submissions; anything else is a 'reference')."""
    rows = []
    for name, path in evaluations.items():
        if name in summaries:
            info = json.loads(Path(summaries[name]).read_text())
        else:
            info = {"kind": kinds.get(name, "reference")}
        rows.append(entry(name, pd.read_csv(path, sep="\t"), split, info))
    return rank(rows, split, data)


def summary_text(board: pd.DataFrame, top: int = 10) -> str:
    """The leaderboard's first rows as a short text table (for the end of a run)."""
    lines = [f"{'rank':>4}  {'team':<22} {'Score PearsonR²':<24} {'Score Spearman':<24} mean rank"]

    def score(row: pd.Series, metric: str) -> str:
        lo, hi = row.get(f"{metric}_lo"), row.get(f"{metric}_hi")
        interval = f" [{lo:.3f}, {hi:.3f}]" if pd.notna(lo) and pd.notna(hi) else ""
        return f"{row[metric]:.3f}{interval}"

    for _, row in board.head(top).iterrows():
        rank = "–" if pd.isna(row["rank"]) else str(int(row["rank"]))
        mean_rank = f"{row['mean_rank']:.1f}" if pd.notna(row.get("mean_rank")) else ""
        lines.append(f"{rank:>4}  {row['team']:<22} {score(row, 'score_pearson_r2'):<24} "
                     f"{score(row, 'score_spearman'):<24} {mean_rank}")  # fmt: skip
    if len(board) > top:
        lines.append(f"      ... {len(board) - top} more")
    return "\n".join(lines)

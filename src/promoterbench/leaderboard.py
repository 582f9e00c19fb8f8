"""The leaderboard: one row per team, reference and external submission, ranked.

Ranking follows the evidence about the challenge (dream_anchors.md §1.4): both weighted scores
count, so entries are ordered by the mean of their rank on Score PearsonR² and their rank on Score
Spearman (ties broken by Score PearsonR²). The organisers' exact procedure is unpublished. The
other data sets' leaderboards (:mod:`promoterbench.output_scores`) rank their own two scores by the
same rule (:func:`order`) and share the intervals, comparisons and summary.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from promoterbench import bootstrap, scoring

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


# the titles of the two ranking scores: the yeast ones, an other data set's (means over outputs)
SCORE_TITLES = {
    bootstrap.YEAST_SCORES: ("Score PearsonR²", "Score Spearman"),
    bootstrap.OUTPUT_SCORES: ("Pearson r", "Spearman ρ"),
}
ORACLE = "oracle"  # the noise ceiling (synthetic data): ranked, but not a trained entry

COLUMNS = [
    "rank", "team", "kind", "score_pearson_r2", "score_pearson_r2_sd", "score_spearman",
    "score_spearman_sd", "replicates", "all_pearson_r2", "all_spearman", "n_params", "train_flops",
    "steps", "still_learning", "train_seconds", "train_cpu_seconds", "split", "data",
]  # fmt: skip


def mean_sd(values: list[float]) -> tuple[float, float]:
    """Mean and sample SD (NaN for a single value)."""
    arr = np.asarray(values, dtype=float)
    return float(arr.mean()), float(arr.std(ddof=1)) if len(arr) > 1 else float("nan")


def training(infos: list[dict]) -> dict:
    """Training columns of an entry from its replicates' summaries: mean costs, the first
    replicate's size and steps, and still learning when most replicates are."""
    if not infos:
        return {}

    def mean(key: str) -> float | None:
        values = [i.get(key) for i in infos]
        return None if None in values else float(np.mean(values))

    flagged = [i["still_learning"] for i in infos if i.get("still_learning") is not None]
    return {
        "kind": infos[0].get("kind", "team"),
        "n_params": infos[0].get("n_params"),
        "steps": infos[0].get("steps"),
        "train_flops": mean("train_flops"),
        "train_seconds": mean("train_seconds"),
        "train_cpu_seconds": mean("train_cpu_seconds"),
        "still_learning": 2 * sum(map(bool, flagged)) > len(flagged) if flagged else None,
    }


def entry(name: str, evaluations: list[pd.DataFrame], split: str, info: dict) -> dict:
    """One leaderboard row from the evaluation tables of an entry's replicates (mean and SD of
    each score) and its training info (kind, n_params, ...)."""
    first = evaluations[0]
    scored = split if split in set(first["split"]) else str(first["split"].iloc[0])
    r2, rho = zip(*(scoring.scores(table, scored) for table in evaluations))
    whole = [t[(t["split"] == scored) & (t["category"] == "all")].iloc[0] for t in evaluations]
    (r2_mean, r2_sd), (rho_mean, rho_sd) = mean_sd(r2), mean_sd(rho)
    return {
        "team": name,
        "kind": info.get("kind", "team"),
        "score_pearson_r2": r2_mean,
        "score_pearson_r2_sd": r2_sd,
        "score_spearman": rho_mean,
        "score_spearman_sd": rho_sd,
        "replicates": len(evaluations),
        "all_pearson_r2": float(np.mean([w["pearson_r2"] for w in whole])),
        "all_spearman": float(np.mean([w["spearman_rho"] for w in whole])),
        "n_params": info.get("n_params"),
        "train_flops": info.get("train_flops"),
        "steps": info.get("steps"),
        "still_learning": info.get("still_learning"),
        "train_seconds": info.get("train_seconds"),
        "train_cpu_seconds": info.get("train_cpu_seconds"),
        "split": scored,
    }


def rank(rows: list[dict], split: str, data: str) -> pd.DataFrame:
    """Order rows by the ranking rule of :func:`promoterbench.bootstrap.ranking_key` (mean of the
    two score ranks, then Score PearsonR²); number them from 1.

    Entries that could only be scored on another split (e.g. a submission covering only the
    public leaderboard) are listed after the ranked ones, without a rank.
    """
    board = pd.DataFrame(rows)
    board = order(board, (board["split"] == split).to_numpy(), bootstrap.YEAST_SCORES)
    board["data"] = data
    for column in ("n_params", "steps", "replicates"):
        board[column] = board[column].astype("Int64")
    return board[COLUMNS].reset_index(drop=True)


def order(board: pd.DataFrame, ranked: np.ndarray, scores: tuple[str, str]) -> pd.DataFrame:
    """``board`` sorted by the ranking rule on its two ``scores`` columns (mean of the two ranks,
    then the first score) with a ``rank`` column from 1; the rows not ``ranked`` follow, unranked.
    """
    first = board[scores[0]].where(ranked).to_numpy(dtype=float)
    second = board[scores[1]].where(ranked).to_numpy(dtype=float)
    key = np.where(ranked, bootstrap.ranking_key(first, second), np.inf)
    board = board.assign(_key=key, _first=board[scores[0]])
    board = board.sort_values(["_key", "_first"], ascending=[True, False], kind="stable")
    n_ranked = int(ranked.sum())
    board.insert(
        0,
        "rank",
        pd.array(list(range(1, n_ranked + 1)) + [None] * (len(board) - n_ranked), dtype="Int64"),
    )
    return board.drop(columns=["_key", "_first"]).reset_index(drop=True)


def interval_columns(scores: tuple[str, str] = bootstrap.YEAST_SCORES) -> list[str]:
    """The bootstrap summary's columns on the leaderboard (:func:`bootstrap.summarise`)."""
    return [f"{score}_{end}" for score in scores for end in ("lo", "hi")] + [
        "mean_rank",
        "share_first",
    ]


def first_columns(scores: tuple[str, str] = bootstrap.YEAST_SCORES) -> list[str]:
    """The leaderboard's leading columns: rank, entry, and each score with its SD and interval."""
    per_score = [f"{score}{end}" for score in scores for end in ("", "_sd", "_lo", "_hi")]
    return ["rank", "team", "kind", "replicates", *per_score, "mean_rank", "share_first"]


COMPARISON_COLUMNS = ["top_above_share", "k_vs_top", "tied_with_top", "above_next_share",
                      "k_vs_next"]  # fmt: skip


def with_intervals(
    board: pd.DataFrame, intervals: pd.DataFrame, scores: tuple[str, str] = bootstrap.YEAST_SCORES
) -> pd.DataFrame:
    """Add the bootstrap's 95 % intervals and mean ranks (entries it did not cover stay empty)."""
    merged = board.merge(intervals[["team"] + interval_columns(scores)], on="team", how="left")
    return _leading(merged, first_columns(scores))


def with_comparisons(
    board: pd.DataFrame, pairwise: pd.DataFrame, scores: tuple[str, str] = bootstrap.YEAST_SCORES
) -> pd.DataFrame:
    """Add each ranked entry's paired comparison with the top-ranked trained entry (every entry
    but the oracle) and with the next entry below: the share of resamples in which the one ranks
    above the other and the Bayes factor K (DREAM convention: K < 3, or 0/0, is a tie)."""
    pairs = pairwise.set_index(["a", "b"])
    ranked = board.loc[board["rank"].notna(), "team"].tolist()
    top = next((name for name in ranked if name != ORACLE), None)

    def compare(a: str | None, b: str | None) -> tuple[float, float]:
        if a is None or b is None or a == b or (a, b) not in pairs.index:
            return np.nan, np.nan
        return tuple(pairs.loc[(a, b), ["share_a_above", "bayes_factor"]])

    columns = {c: [] for c in COMPARISON_COLUMNS}
    for name in board["team"]:
        share, k = compare(top, name) if name != ORACLE else (np.nan, np.nan)
        columns["top_above_share"].append(share)
        columns["k_vs_top"].append(k)
        columns["tied_with_top"].append(None if np.isnan(share) else not k >= bootstrap.TIE_K)
        at = ranked.index(name) + 1 if name in ranked else len(ranked)
        share, k = compare(name, ranked[at] if at < len(ranked) else None)
        columns["above_next_share"].append(share)
        columns["k_vs_next"].append(k)
    return _leading(board.assign(**columns), first_columns(scores) + COMPARISON_COLUMNS)


def with_ism(board: pd.DataFrame, scores: dict[str, list[str]]) -> pd.DataFrame:
    """Add ``ism_r_truth``: per entry, the mean over its replicates of the mean over sequences of
    the Pearson r between its ISM and the true one (``scores``: each replicate's per-sequence
    table); empty for entries without one (the ensemble, external submissions)."""
    means = {
        name: float(np.mean([pd.read_csv(p, sep="\t")["r_truth"].mean() for p in paths]))
        for name, paths in scores.items()
    }
    return board.assign(ism_r_truth=board["team"].map(means).astype(float))


def _leading(board: pd.DataFrame, first: list[str]) -> pd.DataFrame:
    """``board`` with the columns ``first`` first, in that order."""
    return board[first + [c for c in board.columns if c not in first]]


def adjacent_verdicts(board: pd.DataFrame) -> list[str]:
    """For each pair of adjacent ranks, whether the bootstrap tells them apart (K ≥ 3)."""
    ranked = board[board["rank"].notna()].reset_index(drop=True)
    lines = []
    for i in range(len(ranked) - 1):
        k, share = ranked.loc[i, "k_vs_next"], ranked.loc[i, "above_next_share"]
        if pd.isna(share):
            continue
        verdict = "distinguished" if k >= bootstrap.TIE_K else "tie"
        lines.append(f"{ranked.loc[i, 'team']} above {ranked.loc[i + 1, 'team']}: "
                     f"{share:.1%} of resamples, K = {k:.3g} ({verdict})")  # fmt: skip
    return lines


def build(
    evaluations: dict[str, list[str]],
    summaries: dict[str, list[str]],
    kinds: dict[str, str],
    split: str,
    data: str,
) -> pd.DataFrame:
    """Leaderboard from each entry's replicate evaluation TSVs, the training summaries of its
    replicates (trained entries) and the kind of every other entry ('external' submissions;
    anything else is a 'reference')."""
    rows = []
    for name, paths in evaluations.items():
        infos = [json.loads(Path(p).read_text()) for p in summaries.get(name, [])]
        info = training(infos) or {"kind": kinds.get(name, "reference")}
        tables = [pd.read_csv(path, sep="\t") for path in paths]
        rows.append(entry(name, tables, split, info))
    return rank(rows, split, data)


def summary_text(board: pd.DataFrame, top: int = 10) -> str:
    """The leaderboard's first rows as a short text table (for the end of a run): the yeast
    scores, or an other data set's (:data:`bootstrap.OUTPUT_SCORES`) where it has them."""
    scores = bootstrap.OUTPUT_SCORES if "score_pearson_r" in board else bootstrap.YEAST_SCORES
    titles = SCORE_TITLES[scores]
    lines = [f"{'rank':>4}  {'team':<22} {titles[0]:<24} {titles[1]:<24} mean rank"]

    def score(row: pd.Series, metric: str) -> str:
        lo, hi = row.get(f"{metric}_lo"), row.get(f"{metric}_hi")
        interval = f" [{lo:.3f}, {hi:.3f}]" if pd.notna(lo) and pd.notna(hi) else ""
        return f"{row[metric]:.3f}{interval}"

    for _, row in board.head(top).iterrows():
        rank = "–" if pd.isna(row["rank"]) else str(int(row["rank"]))
        mean_rank = f"{row['mean_rank']:.1f}" if pd.notna(row.get("mean_rank")) else ""
        lines.append(f"{rank:>4}  {row['team']:<22} {score(row, scores[0]):<24} "
                     f"{score(row, scores[1]):<24} {mean_rank}")  # fmt: skip
    if len(board) > top:
        lines.append(f"      ... {len(board) - top} more")
    if "k_vs_next" in board:
        lines += ["paired bootstrap, adjacent ranks (K < 3 is a tie):"]
        lines += [f"  {line}" for line in adjacent_verdicts(board)]
    return "\n".join(lines)

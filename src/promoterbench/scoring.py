"""The official DREAM 2022 scoring (organisers' ``evaluation.py``, dream_anchors.md §1).

Per category: Pearson r, r² and Spearman ρ between measured and predicted expression; pair
categories use the difference within each (alt, ref) pair. Score PearsonR² is the weighted mean of
r², Score Spearman the weighted mean of ρ, with weights summing to 4.65.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from promoterbench import formats
from promoterbench.testset import CATEGORIES, SPLITS, TOTAL_WEIGHT, Split, TestDesign

METRIC_COLUMNS = [
    "split",
    "category",
    "kind",
    "n",
    "weight",
    "pearson_r",
    "pearson_r2",
    "spearman_rho",
]
SCORE_ROW = "score"  # the weighted-mean row of an evaluation table


class CoverageError(ValueError):
    """A submission lacks predictions needed for any split."""


def correlations(truth: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    """Pearson r and Spearman ρ (NaN when fewer than two values or one side is constant)."""
    if len(truth) < 2:
        return float("nan"), float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.ConstantInputWarning)
        r = stats.pearsonr(truth, pred)[0]
        rho = stats.spearmanr(truth, pred)[0]
    return float(r), float(rho)


def category_values(x: np.ndarray, members: np.ndarray, kind: str) -> np.ndarray:
    """The values a category scores along the last axis of ``x``: the members' values, or for
    pair categories ref − alt of every (alt, ref) pair, as the official code computes them."""
    if kind == "single":
        return x[..., members]
    return x[..., members[:, 1]] - x[..., members[:, 0]]


def category_table(
    pred: np.ndarray, truth: np.ndarray, design: TestDesign, split: Split
) -> pd.DataFrame:
    """Per-category metrics and the two weighted scores for one split."""
    rows = []
    for cat in CATEGORIES:
        members = design.select(cat.name, split)
        r, rho = correlations(
            category_values(truth, members, cat.kind), category_values(pred, members, cat.kind)
        )
        rows.append((split, cat.name, cat.kind, len(members), cat.weight, r, r * r, rho))
    table = pd.DataFrame(rows, columns=METRIC_COLUMNS)
    weights = table["weight"].to_numpy()
    score_r2 = float(np.dot(weights, table["pearson_r2"])) / TOTAL_WEIGHT
    score_rho = float(np.dot(weights, table["spearman_rho"])) / TOTAL_WEIGHT
    summary = (
        split,
        SCORE_ROW,
        "weighted",
        int(table["n"].iloc[0]),
        TOTAL_WEIGHT,
        np.nan,
        score_r2,
        score_rho,
    )
    return pd.concat([table, pd.DataFrame([summary], columns=METRIC_COLUMNS)], ignore_index=True)


def scorable_splits(pred: np.ndarray, design: TestDesign) -> list[Split]:
    """The splits whose every required index has a prediction."""
    have = np.isfinite(pred)
    return [s for s in SPLITS if have[design.required(s)].all()]


SPLIT_INDICES = {"public": "public leaderboard", "private": "private", "all": "test"}


def coverage_error(pred: np.ndarray, design: TestDesign, split: Split) -> CoverageError:
    """What a submission lacks for ``split``: how many indices, the first few and the remedy. A
    submission of public leaderboard indices only is told which of those it lacks."""
    have = np.isfinite(pred)
    if not (have & ~design.public).any():
        split = "public"
    missing = np.flatnonzero(design.required(split) & ~have)
    return CoverageError(
        f"{missing.size} {SPLIT_INDICES[split]} index(es) have no prediction, first: "
        f"{', '.join(map(str, missing[:5]))}; predict every test index, or exactly the "
        f"{int(design.public.sum())} public leaderboard indices to be scored on the public split"
    )


def undefined_correlations(pred: np.ndarray, design: TestDesign, split: Split) -> str | None:
    """A note naming the categories of ``split`` whose predictions are constant, where Pearson r
    and Spearman ρ are undefined (NaN); None when there are none."""
    constant = [
        cat.name
        for cat in CATEGORIES
        if len(values := category_values(pred, design.select(cat.name, split), cat.kind)) > 1
        and np.ptp(values) == 0
    ]
    if not constant:
        return None
    return (
        f"{split} split: the predictions are constant in {', '.join(constant)}, so Pearson r and "
        "Spearman rho are undefined there (nan), and so are the weighted scores"
    )


def check(pred: np.ndarray, design: TestDesign, split: Split) -> tuple[Split, list[str]]:
    """The verdict on predictions for ``split``, which ``score``, ``validate`` and the workflow's
    evaluate rule all take from here: the split they are scored on and notes.

    A submission covering ``split`` is scored on it; one predicting exactly the public leaderboard
    indices is scored on ``public`` instead, with a note; anything else raises CoverageError
    naming how many indices are missing and the first few. A note also names the categories
    whose predictions are constant (their correlations are undefined).
    """
    if len(pred) != design.n:
        raise ValueError(f"expected {design.n} predictions, got {len(pred)}")
    notes = []
    scored = split
    if split not in scorable_splits(pred, design):
        if not np.array_equal(np.isfinite(pred), design.public):
            raise coverage_error(pred, design, split)
        scored = "public"
        notes.append(
            f"submission predicts {int(design.public.sum())} of {design.n} test sequences: "
            f"scored on public only (not {split})"
        )
    notes += filter(None, [undefined_correlations(pred, design, scored)])
    return scored, notes


def evaluate(
    pred: np.ndarray, truth: np.ndarray, design: TestDesign, split: Split
) -> tuple[pd.DataFrame, list[str]]:
    """Metrics of the split :func:`check` scores the predictions on, and its notes."""
    if len(truth) != design.n:
        raise ValueError(f"expected {design.n} truth values, got {len(truth)}")
    scored, notes = check(pred, design, split)
    return category_table(pred, truth, design, scored), notes


def check_submission(
    path: str | os.PathLike, design: TestDesign, split: Split
) -> tuple[np.ndarray, Split, list[str]]:
    """The predictions of the submission file at ``path``, read and :func:`check`-ed; every
    error names the file."""
    pred = formats.read_submission(path, design.n)
    try:
        return (pred, *check(pred, design, split))
    except CoverageError as err:
        raise CoverageError(f"{path}: {err}") from None


def score_submission(
    path: str | os.PathLike, truth: np.ndarray, design: TestDesign, split: Split
) -> tuple[pd.DataFrame, list[str]]:
    """Metrics of the submission file at ``path`` (see :func:`check_submission`)."""
    pred, scored, notes = check_submission(path, design, split)
    return category_table(pred, truth, design, scored), notes


def scores(table: pd.DataFrame, split: Split) -> tuple[float, float]:
    """(Score PearsonR², Score Spearman) of one split from an evaluation table."""
    row = table[(table["split"] == split) & (table["category"] == SCORE_ROW)]
    if row.empty:
        raise KeyError(f"no {split} scores in this table")
    return float(row["pearson_r2"].iloc[0]), float(row["spearman_rho"].iloc[0])

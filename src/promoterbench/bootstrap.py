"""How sure is the ranking? A bootstrap of the test set, stratified by category.

Each resample draws, for every category, as many members as it has, with replacement, from the
split's members — single indices, or (alt, ref) pairs as units — and recomputes every entry's
Pearson r² and Spearman ρ per category, the two weighted scores, and the ranking (mean of the two
score ranks, as the leaderboard does). The organisers' exact ranking procedure is unpublished;
this is the workflow's own. Intervals are bootstrap percentiles; r² near 0 is biased upwards under
resampling, so for a model without signal the interval can lie above its point estimate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from promoterbench.scoring import category_values
from promoterbench.testset import CATEGORIES, TOTAL_WEIGHT, Split, TestDesign

CELLS_PER_CHUNK = 20_000_000  # entries x resamples x members held at once (float32: 80 MB)


def _corr(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson r along the last axis (x: (..., n), y broadcastable)."""
    x = x - x.mean(axis=-1, keepdims=True)
    y = y - y.mean(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (x * y).sum(-1) / np.sqrt((x * x).sum(-1) * (y * y).sum(-1))


def category_samples(
    preds: np.ndarray,
    truth: np.ndarray,
    members: np.ndarray,
    kind: str,
    resamples: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """(r², ρ) of every entry in every resample of one category: two (entries, resamples) arrays."""
    y_all = category_values(truth, members, kind).astype(np.float32)
    x_all = category_values(preds, members, kind).astype(np.float32)  # (entries, n)
    n = len(y_all)
    r2 = np.full((len(preds), resamples), np.nan)
    rho = np.full_like(r2, np.nan)
    if n < 2:
        return r2, rho
    chunk = max(1, CELLS_PER_CHUNK // (len(preds) * n))
    for lo in range(0, resamples, chunk):
        idx = rng.integers(0, n, size=(min(chunk, resamples - lo), n))
        y, x = y_all[idx], x_all[:, idx]  # (b, n), (entries, b, n)
        r2[:, lo : lo + len(idx)] = _corr(x, y[None]) ** 2
        ranks_y = stats.rankdata(y, axis=-1)
        ranks_x = stats.rankdata(x, axis=-1)
        rho[:, lo : lo + len(idx)] = _corr(ranks_x, ranks_y[None])
    return r2, rho


def resample(
    preds: dict[str, np.ndarray],
    truth: np.ndarray,
    design: TestDesign,
    split: Split,
    resamples: int,
    seed: int,
) -> pd.DataFrame:
    """Both weighted scores and the rank of every entry in every resample (long table)."""
    names = list(preds)
    matrix = np.stack([preds[n] for n in names])
    rng = np.random.default_rng(seed)
    score_r2 = np.zeros((len(names), resamples))
    score_rho = np.zeros_like(score_r2)
    for cat in CATEGORIES:
        r2, rho = category_samples(
            matrix, truth, design.select(cat.name, split), cat.kind, resamples, rng
        )
        score_r2 += cat.weight * r2
        score_rho += cat.weight * rho
    score_r2 /= TOTAL_WEIGHT
    score_rho /= TOTAL_WEIGHT
    rank = _rank(score_r2, score_rho)
    return pd.DataFrame(
        {
            "resample": np.tile(np.arange(resamples), len(names)),
            "team": np.repeat(names, resamples),
            "score_pearson_r2": score_r2.ravel(),
            "score_spearman": score_rho.ravel(),
            "rank": rank.ravel(),
        }
    )


def _rank(score_r2: np.ndarray, score_rho: np.ndarray) -> np.ndarray:
    """Per resample (column): order by the mean of the two score ranks, ties by Score PearsonR²."""
    r2 = np.nan_to_num(score_r2, nan=-np.inf)
    rho = np.nan_to_num(score_rho, nan=-np.inf)
    key = (
        stats.rankdata(-r2, axis=0, method="min") + stats.rankdata(-rho, axis=0, method="min")
    ) / 2
    order = np.lexsort((-r2, key), axis=0)  # primary: key, then higher r²
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(1, len(r2) + 1)[:, None], axis=0)
    return rank


def summarise(samples: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Per entry: the interval of both scores, mean rank and the share of resamples ranked first."""
    lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
    grouped = samples.groupby("team", sort=False)
    out = pd.DataFrame(
        {
            "score_pearson_r2_lo": grouped["score_pearson_r2"].quantile(lo),
            "score_pearson_r2_hi": grouped["score_pearson_r2"].quantile(hi),
            "score_spearman_lo": grouped["score_spearman"].quantile(lo),
            "score_spearman_hi": grouped["score_spearman"].quantile(hi),
            "mean_rank": grouped["rank"].mean(),
            "share_first": grouped["rank"].apply(lambda r: float((r == 1).mean())),
        }
    )
    return out.reset_index()

"""How sure is the ranking? A paired bootstrap of the test set and of the training replicates.

Each resample draws, for every category, as many members as it has, with replacement, from the
split's members — single test sequences, or (alt, ref) pairs as units — and, for every entry with
several training replicates, one of them at random. The same draw of test members serves every
entry, so entries are compared on the same resampled test set (a paired bootstrap). In every
resample the statistic is exactly the scorer's (:mod:`promoterbench.scoring`): per category
Pearson r² and Spearman ρ (average ranks of the resampled values, ties included), the two
weighted scores, and the leaderboard's ranking rule (mean of the two score ranks, ties by Score
PearsonR²).

A resample is a vector of counts (how often each member was drawn), so both correlations are
weighted sums over the members: the Pearson sums are matrix products, and the ranks of the
resampled values follow from the counts in sorted order without sorting again. Predictions are
standardised per category in float64 first — an affine map, to which both correlations are blind —
so predictions with a large offset or a tiny spread lose no precision.

Intervals are percentiles of the resampled scores. For an entry with replicates they are the
interval of one training run scored on a new test set (both sources of variation); the point
estimate beside them is the mean over replicates. A percentile interval can exclude its point
estimate only where the statistic is biased under resampling: r² of predictions unrelated to the
measurements is larger in nearly every resample than in the sample itself (the resampled r
scatters around the sample's r ≈ 0, and its square cannot be negative).
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from promoterbench.scoring import category_values
from promoterbench.testset import CATEGORIES, TOTAL_WEIGHT, Split, TestDesign

CELLS_PER_CHUNK = 4_000_000  # resamples x members held at once (float64: 32 MB an array)
FLAT = 1e-12  # a resample's variance, relative to its category's, below which it is constant
# Scores closer than this are equal (the leaderboard prints four decimals). An affine map of the
# predictions that costs float64 digits (8.5 + 1e-6 x merges values 2e-9 apart) moves the
# scorer's own values by ~1e-9, so affine copies of a submission tie in every resample.
TOLERANCE = 1e-8
TIE_K = 3.0  # Bayes factor below which two entries count as tied (DREAM challenge convention)


def _standardised(x: np.ndarray) -> np.ndarray:
    """(x − mean) / SD along the last axis, in float64 (constant rows become NaN)."""
    x = np.asarray(x, dtype=np.float64)
    x = x - x.mean(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return x / np.sqrt((x * x).mean(axis=-1, keepdims=True))


def _pearson(
    sx: np.ndarray, sy: np.ndarray, sxx: np.ndarray, syy: np.ndarray, sxy: np.ndarray, n: float
) -> np.ndarray:
    """Pearson r from the weighted sums of x, y, x², y² and xy over samples of size ``n``.

    The values are standardised over the whole category, so a variance below :data:`FLAT` of
    the category's is a sample of (nearly) one value: r is undefined there, as the scorer says."""
    mx, my = sx / n, sy / n
    vx, vy = sxx / n - mx * mx, syy / n - my * my
    flat = (vx < FLAT) | (vy < FLAT)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(flat, np.nan, (sxy / n - mx * my) / np.sqrt(vx * vy))


class _Ranker:
    """Average ranks (as scipy's rankdata) of one vector's values in weighted samples of it."""

    def __init__(self, values: np.ndarray):
        self.order = np.argsort(values, kind="stable")
        ordered = values[self.order]
        new = np.r_[True, ordered[1:] != ordered[:-1]]
        self.starts = np.flatnonzero(new)  # first sorted position of each distinct value
        self.group = np.cumsum(new) - 1  # distinct value of each sorted position
        self.centre = (len(values) + 1) / 2  # the mean rank of any sample of len(values)

    def ranks(self, w: np.ndarray) -> np.ndarray:
        """Rank of every member in each sample (b, n), centred on the mean rank: a member drawn
        c times after L smaller draws takes the ranks L+1..L+c, on average L + (c+1)/2."""
        counts = np.add.reduceat(w[:, self.order], self.starts, axis=1)
        group_rank = np.cumsum(counts, axis=1) - (counts - 1) / 2 - self.centre
        out = np.empty_like(w)
        out[:, self.order] = group_rank[:, self.group]
        return out


class _Category:
    """One category's values, standardised and sorted once, scored in weighted samples."""

    def __init__(self, preds: np.ndarray, truth: np.ndarray, members: np.ndarray, kind: str):
        self.y = _standardised(category_values(truth, members, kind))
        self.x = _standardised(category_values(preds, members, kind))  # (rows, n)
        self.y_ranker = _Ranker(self.y)
        self.x_rankers = [_Ranker(row) for row in self.x]

    def scores(self, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(r², ρ) of every row in every sample: ``counts`` (samples, members) says how often
        each member is drawn. Two (rows, samples) arrays."""
        r, rho = self.correlations(counts)
        return r * r, rho

    def correlations(self, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(r, ρ) of every row in every sample (see :meth:`scores`)."""
        x, y, w = self.x, self.y, counts.astype(np.float64)
        n = float(len(y))
        r = _pearson(x @ w.T, w @ y, (x * x) @ w.T, w @ (y * y), (x * y) @ w.T, n)
        ry = self.y_ranker.ranks(w)
        wry = w * ry
        rho = np.empty_like(r)
        for i, ranker in enumerate(self.x_rankers):
            rx = ranker.ranks(w)
            wrx = w * rx
            rho[i] = _pearson(
                wrx.sum(-1), wry.sum(-1), (wrx * rx).sum(-1), (wry * ry).sum(-1),
                (wrx * ry).sum(-1), n,
            )  # fmt: skip
        return r, rho


def category_scores(
    preds: np.ndarray, truth: np.ndarray, members: np.ndarray, kind: str, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(r², ρ) of every row of ``preds`` in every weighted sample of one category: ``counts``
    (samples, members) says how often each member is drawn. Two (rows, samples) arrays."""
    return _Category(preds, truth, members, kind).scores(counts)


def category_samples(
    preds: np.ndarray,
    truth: np.ndarray,
    members: np.ndarray,
    kind: str,
    resamples: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """(r², ρ) of every row of ``preds`` in ``resamples`` resamples of one category."""
    n = len(members)
    r2 = np.full((len(preds), resamples), np.nan)
    rho = np.full_like(r2, np.nan)
    if n < 2:
        return r2, rho
    category = _Category(preds, truth, members, kind)  # standardised and sorted once
    chunk = max(1, CELLS_PER_CHUNK // n)
    for lo in range(0, resamples, chunk):
        b = min(chunk, resamples - lo)
        draws = rng.integers(0, n, size=(b, n)) + n * np.arange(b)[:, None]
        counts = np.bincount(draws.ravel(), minlength=b * n).reshape(b, n)
        r2[:, lo : lo + b], rho[:, lo : lo + b] = category.scores(counts)
    return r2, rho


def _weighted(
    design: TestDesign, split: Split, per_category: Callable[[np.ndarray, str], tuple]
) -> tuple[np.ndarray, np.ndarray]:
    """Score PearsonR² and Score Spearman from ``per_category(members, kind)``'s (r², ρ)."""
    score_r2 = score_rho = 0.0
    for cat in CATEGORIES:
        r2, rho = per_category(design.select(cat.name, split), cat.kind)
        score_r2 = score_r2 + cat.weight * r2
        score_rho = score_rho + cat.weight * rho
    return score_r2 / TOTAL_WEIGHT, score_rho / TOTAL_WEIGHT


def point_scores(
    preds: np.ndarray, truth: np.ndarray, design: TestDesign, split: Split
) -> tuple[np.ndarray, np.ndarray]:
    """The two weighted scores of every row of ``preds`` on the test set itself (every member
    drawn once): what the scorer reports, through the bootstrap's own arithmetic."""

    def once(members: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
        if len(members) < 2:
            return np.full(len(preds), np.nan), np.full(len(preds), np.nan)
        counts = np.ones((1, len(members)), np.int64)
        r2, rho = category_scores(preds, truth, members, kind, counts)
        return r2[:, 0], rho[:, 0]

    return _weighted(design, split, once)


def resample(
    preds: Mapping[str, Sequence[np.ndarray]],
    truth: np.ndarray,
    design: TestDesign,
    split: Split,
    resamples: int,
    seed: int,
) -> pd.DataFrame:
    """Both weighted scores and the rank of every entry in every resample (long table).

    ``preds`` maps each entry to the test predictions of its replicates (one or more). The test
    members are drawn from one generator and the replicates from another, both seeded by
    ``seed``: adding an entry or a replicate leaves every other entry's test draws as they were.
    """
    runs = np.stack([p for ps in preds.values() for p in ps])  # (entry-replicates, N)
    test_rng = np.random.default_rng([seed, 0])
    run_r2, run_rho = _weighted(
        design,
        split,
        lambda members, kind: category_samples(runs, truth, members, kind, resamples, test_rng),
    )
    return _draw_replicates(preds, run_r2, run_rho, seed, YEAST_SCORES)


YEAST_SCORES = ("score_pearson_r2", "score_spearman")  # the official weighted scores
OUTPUT_SCORES = ("score_pearson_r", "score_spearman")  # other data sets: means over outputs


def resample_outputs(
    preds: Mapping[str, Sequence[np.ndarray]], truth: np.ndarray, resamples: int, seed: int
) -> pd.DataFrame:
    """:func:`resample` for a data set whose test rows have one measurement per output
    (``truth`` (N, outputs), each replicate's predictions alike): every resample draws N test
    rows with replacement, the same rows for every output and every entry, and scores each entry
    by the mean over outputs of Pearson r and of Spearman ρ (:data:`OUTPUT_SCORES`), ranked by
    the same rule as the yeast scores."""
    runs = np.stack([p for ps in preds.values() for p in ps])  # (runs, N, outputs)
    n, outputs = truth.shape
    members = np.arange(n)
    categories = [_Category(runs[:, :, j], truth[:, j], members, "single") for j in range(outputs)]
    run_r = np.full((len(runs), resamples), np.nan)
    run_rho = np.full_like(run_r, np.nan)
    rng = np.random.default_rng([seed, 0])
    chunk = max(1, CELLS_PER_CHUNK // max(n, 1))
    for lo in range(0, resamples, chunk):
        b = min(chunk, resamples - lo)
        draws = rng.integers(0, n, size=(b, n)) + n * np.arange(b)[:, None]
        counts = np.bincount(draws.ravel(), minlength=b * n).reshape(b, n)
        r, rho = zip(*(category.correlations(counts) for category in categories))
        run_r[:, lo : lo + b], run_rho[:, lo : lo + b] = np.mean(r, 0), np.mean(rho, 0)
    return _draw_replicates(preds, run_r, run_rho, seed, OUTPUT_SCORES)


def _draw_replicates(
    preds: Mapping[str, Sequence], run_a: np.ndarray, run_b: np.ndarray, seed: int, names
) -> pd.DataFrame:
    """The long table of :func:`resample` from every run's two scores in every resample
    (runs, resamples): one replicate per entry drawn per resample, then the ranks."""
    entries = list(preds)
    resamples = run_a.shape[1]
    replicate_rng = np.random.default_rng([seed, 1])
    first = np.cumsum([0] + [len(preds[e]) for e in entries[:-1]])
    drawn = np.stack(
        [f + replicate_rng.integers(0, len(preds[e]), resamples) for f, e in zip(first, entries)]
    )  # (entries, resamples): the run each entry contributes to each resample
    score_a = np.take_along_axis(run_a, drawn, 0)
    score_b = np.take_along_axis(run_b, drawn, 0)
    rank = _rank(score_a, score_b)
    return pd.DataFrame(
        {
            "resample": np.tile(np.arange(resamples), len(entries)),
            "team": np.repeat(entries, resamples),
            "replicate": (drawn - first[:, None] + 1).ravel(),
            names[0]: score_a.ravel(),
            names[1]: score_b.ravel(),
            "rank": rank.ravel(),
        }
    )


def _score_ranks(score: np.ndarray) -> np.ndarray:
    """1 + the number of entries whose score is higher by more than :data:`TOLERANCE` (axis 0)."""
    score = np.nan_to_num(score, nan=-np.inf)  # a missing score ranks last
    return 1 + (score[None] > score[:, None] + TOLERANCE).sum(axis=1)


def ranking_key(score_r2: np.ndarray, score_rho: np.ndarray) -> np.ndarray:
    """The leaderboard's ranking key along axis 0 (lower ranks higher): the mean of an entry's
    rank on Score PearsonR² and on Score Spearman."""
    return (_score_ranks(score_r2) + _score_ranks(score_rho)) / 2


def _rank(score_r2: np.ndarray, score_rho: np.ndarray) -> np.ndarray:
    """Per resample (column): the rank by :func:`ranking_key`, then by Score PearsonR²; entries
    equal in both share a rank (a tie is no win)."""
    key = ranking_key(score_r2, score_rho)
    r2 = np.nan_to_num(score_r2, nan=-np.inf)
    better = (key[None] < key[:, None]) | (
        (key[None] == key[:, None]) & (r2[None] > r2[:, None] + TOLERANCE)
    )
    return 1 + better.sum(axis=1)  # better[i, j]: entry j ranks above entry i


def summarise(
    samples: pd.DataFrame, level: float = 0.95, scores: tuple[str, str] = YEAST_SCORES
) -> pd.DataFrame:
    """Per entry: the interval of both ``scores``, mean rank and the share of resamples ranked
    first."""
    lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
    grouped = samples.groupby("team", sort=False)
    intervals = {}
    for score in scores:
        intervals[f"{score}_lo"] = grouped[score].quantile(lo)
        intervals[f"{score}_hi"] = grouped[score].quantile(hi)
    out = pd.DataFrame(
        {
            **intervals,
            "mean_rank": grouped["rank"].mean(),
            "share_first": grouped["rank"].apply(lambda r: float((r == 1).mean())),
        }
    )
    return out.reset_index()


def higher(score: str) -> str:
    """The pairwise table's column of the share of resamples in which a's ``score`` is higher."""
    return f"share_a_higher_{score.removeprefix('score_')}"


def pairwise(samples: pd.DataFrame, scores: tuple[str, str] = YEAST_SCORES) -> pd.DataFrame:
    """For every ordered pair of entries (a, b): in how many resamples a ranks above b and b above
    a, the share of the first, the Bayes factor K = #(a above b) / #(b above a) (infinite when b
    never ranks above a), and the shares of resamples in which a's two ``scores`` (Score
    PearsonR² and Score Spearman) are each higher than b's (by more than :data:`TOLERANCE`):
    ``share_a_higher_`` and the score's name without ``score_``."""
    wide = samples.pivot(index="team", columns="resample")
    names = list(dict.fromkeys(samples["team"]))
    rank, first, second = (wide[c].loc[names].to_numpy() for c in ("rank", *scores))
    above = (rank[:, None] < rank[None]).sum(-1)
    a, b = np.meshgrid(np.arange(len(names)), np.arange(len(names)), indexing="ij")
    off = a != b
    with np.errstate(divide="ignore", invalid="ignore"):
        k = above / above.T
    table = pd.DataFrame(
        {
            "a": np.array(names)[a[off]],
            "b": np.array(names)[b[off]],
            "a_above": above[off],
            "b_above": above.T[off],
            "share_a_above": above[off] / rank.shape[1],
            "bayes_factor": k[off],
            higher(scores[0]): _higher(first)[off],
            higher(scores[1]): _higher(second)[off],
        }
    )
    return table


def decided(a_above: int, b_above: int) -> bool:
    """Whether the paired bootstrap tells two entries apart: the Bayes factor is at least
    :data:`TIE_K` one way or the other (no resample with either ahead is a tie)."""
    return max(a_above, b_above) > 0 and max(a_above, b_above) >= TIE_K * min(a_above, b_above)


def _higher(score: np.ndarray) -> np.ndarray:
    """(entries, entries): the share of resamples in which row's score exceeds column's."""
    return (score[:, None] > score[None] + TOLERANCE).mean(-1)

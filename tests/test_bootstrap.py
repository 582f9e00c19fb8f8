"""The bootstrap behind the leaderboard's intervals and mean ranks."""

from __future__ import annotations

import numpy as np
import pytest

from promoterbench import bootstrap, formats, scoring, testset


@pytest.fixture(scope="module")
def world(small_world):
    design = testset.TestDesign.from_dir(small_world)
    _, truth = formats.read_official_txt(small_world / testset.TEST_FILE)
    rng = np.random.default_rng(4)
    preds = {
        "perfect": truth.copy(),
        "good": truth + rng.normal(0, 0.3, len(truth)),
        "poor": truth + rng.normal(0, 1.5, len(truth)),
        "random": rng.normal(0, 1, len(truth)),
    }
    return design, truth, preds


def test_same_seed_same_intervals_other_seed_other_samples(world):
    design, truth, preds = world
    a = bootstrap.summarise(bootstrap.resample(preds, truth, design, "private", 60, seed=1))
    b = bootstrap.summarise(bootstrap.resample(preds, truth, design, "private", 60, seed=1))
    c = bootstrap.summarise(bootstrap.resample(preds, truth, design, "private", 60, seed=2))
    assert a.equals(b)
    assert not a["score_pearson_r2_lo"].equals(c["score_pearson_r2_lo"])


def test_point_estimates_lie_inside_their_intervals(world):
    design, truth, preds = world
    summary = bootstrap.summarise(
        bootstrap.resample(preds, truth, design, "private", 200, seed=3)
    ).set_index("team")
    for name in ("good", "poor"):
        table, _ = scoring.evaluate(preds[name], truth, design, ("private",))
        r2, rho = scoring.scores(table, "private")
        row = summary.loc[name]
        assert row["score_pearson_r2_lo"] < r2 < row["score_pearson_r2_hi"], name
        assert row["score_spearman_lo"] < rho < row["score_spearman_hi"], name


def test_predictions_equal_to_the_truth_rank_first_in_every_resample(world):
    design, truth, preds = world
    samples = bootstrap.resample(preds, truth, design, "private", 100, seed=5)
    assert (samples.loc[samples["team"] == "perfect", "rank"] == 1).all()
    summary = bootstrap.summarise(samples).set_index("team")
    assert (
        summary.loc["perfect", "share_first"] == 1.0 and summary.loc["perfect", "mean_rank"] == 1.0
    )
    assert (
        summary.loc["good", "mean_rank"]
        < summary.loc["poor", "mean_rank"]
        < summary.loc["random", "mean_rank"]
    )
    assert summary.loc["perfect", "score_pearson_r2_lo"] == pytest.approx(1.0)


def test_pairs_are_resampled_as_units():
    """A pair category draws whole (alt, ref) pairs: differences stay paired."""
    truth = np.arange(10, dtype=float)
    pred = truth.copy()
    pairs = np.array([[1, 0], [3, 2], [5, 4], [9, 6]])
    r2, rho = bootstrap.category_samples(
        pred[None], truth, pairs, "pair", 30, np.random.default_rng(0)
    )
    finite = np.isfinite(r2)
    assert np.allclose(r2[finite], 1.0) and np.allclose(rho[np.isfinite(rho)], 1.0)

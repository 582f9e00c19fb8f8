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
        "perfect": [truth.copy()],
        "good": [truth + rng.normal(0, 0.3, len(truth))],
        "poor": [truth + rng.normal(0, 1.5, len(truth))],
        "random": [rng.normal(0, 1, len(truth))],
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
        table, _ = scoring.evaluate(preds[name][0], truth, design, "private")
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
    pairs = np.array([[1, 0], [4, 2], [8, 5], [9, 3]])  # differences 1, 2, 3, 6
    r2, rho = bootstrap.category_samples(
        pred[None], truth, pairs, "pair", 30, np.random.default_rng(0)
    )
    # every resample of these draws has two distinct pairs at least: a correlation, no NaN
    assert r2.shape == rho.shape == (1, 30)
    assert np.allclose(r2, 1.0) and np.allclose(rho, 1.0)


def _scorer(pred, truth, design, split="private"):
    table, _ = scoring.evaluate(pred, truth, design, split)
    return scoring.scores(table, split)


def _variants(truth, seed=7):
    """Predictions the scorer accepts, some of them hard on floating point."""
    rng = np.random.default_rng(seed)
    good = truth + rng.normal(0, 0.5, len(truth))
    return {
        "good": good,
        "near_constant": 8.5 + 1e-6 * (good - good.mean()),
        "affine": 1e-3 * good + 1000.0,
        "large_offset": good + 1e8,
        "negative": -good,
        "unrelated": rng.normal(0, 1, len(truth)),
    }


def test_the_statistic_on_the_test_set_itself_is_the_scorers(world):
    """Every member drawn once, the bootstrap's arithmetic gives the evaluate rule's scores."""
    design, truth, _ = world
    variants = _variants(truth)
    r2, rho = bootstrap.point_scores(np.stack(list(variants.values())), truth, design, "private")
    for i, (name, pred) in enumerate(variants.items()):
        want_r2, want_rho = _scorer(pred, truth, design)
        assert r2[i] == pytest.approx(want_r2, rel=1e-9), name
        assert rho[i] == pytest.approx(want_rho, rel=1e-9), name


def test_each_resample_scores_exactly_as_the_scorer_would_score_it():
    """The weighted sums over draw counts equal scipy's Pearson r and Spearman rho (average ranks,
    ties from repeated draws included) on the resampled values themselves."""
    from scipy import stats

    rng = np.random.default_rng(3)
    truth = np.round(rng.normal(size=40), 1)  # ties in the truth as well
    preds = np.stack([truth + rng.normal(0, 1, 40), np.round(-truth + rng.normal(0, 2, 40))])
    members = np.arange(40)
    idx = rng.integers(0, 40, size=(25, 40))
    counts = np.stack([np.bincount(i, minlength=40) for i in idx])
    r2, rho = bootstrap.category_scores(preds, truth, members, "single", counts)
    for row, pred in enumerate(preds):
        for b, draw in enumerate(idx):
            assert r2[row, b] == pytest.approx(stats.pearsonr(truth[draw], pred[draw])[0] ** 2)
            assert rho[row, b] == pytest.approx(stats.spearmanr(truth[draw], pred[draw])[0])


def test_affine_copies_have_the_same_intervals_and_tie_in_every_resample(world):
    design, truth, _ = world
    v = _variants(truth)
    entries = {name: [v[name]] for name in ("good", "near_constant", "affine", "large_offset")}
    entries["unrelated"] = [v["unrelated"]]
    samples = bootstrap.resample(entries, truth, design, "private", 200, seed=9)
    summary = bootstrap.summarise(samples).set_index("team")
    interval = ["score_pearson_r2_lo", "score_pearson_r2_hi", "score_spearman_lo",
                "score_spearman_hi", "mean_rank"]  # fmt: skip
    assert np.isfinite(summary.loc["good", interval].to_numpy(float)).all()  # not NaN = NaN
    for copy in ("near_constant", "affine", "large_offset"):
        np.testing.assert_allclose(summary.loc[copy, interval], summary.loc["good", interval],
                                   rtol=1e-8, err_msg=copy)  # fmt: skip
    pairs = bootstrap.pairwise(samples).set_index(["a", "b"])
    assert pairs.loc[("good", "unrelated"), "a_above"] == 200
    for copy in ("near_constant", "affine", "large_offset"):
        tie = pairs.loc[("good", copy)]
        assert tie["a_above"] == tie["b_above"] == 0 and np.isnan(tie["bayes_factor"])
        against_third = ["a_above", "share_a_higher_pearson_r2", "share_a_higher_spearman"]
        assert (pairs.loc[(copy, "unrelated"), against_third]
                == pairs.loc[("good", "unrelated"), against_third]).all()  # fmt: skip


def test_a_near_constant_copy_keeps_its_point_estimate_inside_its_interval(world):
    """The old float32 bootstrap flattened 8.5 + 1e-6 x to a few distinct values."""
    design, truth, _ = world
    pred = _variants(truth)["near_constant"]
    r2, rho = _scorer(pred, truth, design)
    row = bootstrap.summarise(
        bootstrap.resample({"copy": [pred]}, truth, design, "private", 200, seed=2)
    ).iloc[0]
    assert row["score_pearson_r2_lo"] < r2 < row["score_pearson_r2_hi"]
    assert row["score_spearman_lo"] < rho < row["score_spearman_hi"]


def test_r2_of_unrelated_predictions_lies_above_its_point_estimate_in_every_resample():
    """The one way a percentile interval of r² excludes its point estimate: the resampled r
    scatters around a sample r of 0, and its square is never below 0."""
    rng = np.random.default_rng(0)
    truth = rng.normal(size=500)
    pred = rng.normal(size=500)
    pred -= (
        (pred - pred.mean())
        @ (truth - truth.mean())
        / ((truth - truth.mean()) ** 2).sum()
        * (truth - truth.mean())
    )  # exactly uncorrelated with the truth in the sample
    point = bootstrap.category_scores(pred[None], truth, np.arange(500), "single",
                                      np.ones((1, 500), int))[0][0, 0]  # fmt: skip
    assert point < 1e-20
    r2, _ = bootstrap.category_samples(
        pred[None], truth, np.arange(500), "single", 200, np.random.default_rng(1)
    )
    assert (r2 > point).all() and np.quantile(r2, 0.025) > point


def test_replicates_are_drawn_one_per_resample_and_widen_the_interval(world):
    """Known answer: an entry whose two replicates are the truth and a poor model scores 1.0
    exactly in the resamples that drew replicate 1, about half of them."""
    design, truth, preds = world
    samples = bootstrap.resample(
        {"mixed": [truth.copy(), preds["poor"][0]], "good": preds["good"]},
        truth, design, "private", 400, seed=4,
    )  # fmt: skip
    mixed = samples[samples["team"] == "mixed"]
    assert set(mixed["replicate"]) == {1, 2}
    assert np.allclose(mixed.loc[mixed["replicate"] == 1, "score_pearson_r2"], 1.0)
    assert (mixed.loc[mixed["replicate"] == 2, "score_pearson_r2"] < 0.9).all()
    assert 0.4 < (mixed["replicate"] == 1).mean() < 0.6
    row = bootstrap.summarise(samples).set_index("team").loc["mixed"]
    assert row["score_pearson_r2_hi"] == pytest.approx(1.0) and row["score_pearson_r2_lo"] < 0.9


def test_test_draws_do_not_depend_on_the_other_entries(world):
    """Adding an entry, or replicates of another entry, leaves an entry's resamples as they were."""
    design, truth, preds = world
    alone = bootstrap.resample({"good": preds["good"]}, truth, design, "private", 50, seed=6)
    three_poor = [preds["poor"][0], preds["random"][0], preds["poor"][0] + 1]
    crowd = bootstrap.resample(
        {"poor": three_poor, "good": preds["good"]}, truth, design, "private", 50, seed=6
    )
    assert len(alone) == 50 and np.isfinite(alone["score_pearson_r2"]).all()
    np.testing.assert_allclose(  # the same draws; only BLAS's summation order may differ
        alone["score_pearson_r2"], crowd.loc[crowd["team"] == "good", "score_pearson_r2"],
        rtol=1e-12,
    )  # fmt: skip


def test_pairwise_shares_add_up_and_give_the_bayes_factor(world):
    design, truth, preds = world
    samples = bootstrap.resample(preds, truth, design, "private", 300, seed=8)
    pairs = bootstrap.pairwise(samples)
    assert len(pairs) == 4 * 3  # every ordered pair of distinct entries
    assert ((pairs["a_above"] + pairs["b_above"]) == 300).all()  # no ties between these entries
    assert np.allclose(pairs["share_a_above"], pairs["a_above"] / 300)
    by = pairs.set_index(["a", "b"])
    assert by.loc[("perfect", "good"), "bayes_factor"] == np.inf  # good never ranks first
    assert by.loc[("good", "perfect"), "bayes_factor"] == 0
    wide = samples.pivot(index="resample", columns="team", values="rank")
    assert by.loc[("good", "poor"), "a_above"] == (wide["good"] < wide["poor"]).sum()
    finite = pairs[(pairs["b_above"] > 0)]
    assert np.allclose(finite["bayes_factor"], finite["a_above"] / finite["b_above"])
    r2 = samples.pivot(index="resample", columns="team", values="score_pearson_r2")
    assert by.loc[("poor", "random"), "share_a_higher_pearson_r2"] == pytest.approx(
        (r2["poor"] > r2["random"] + bootstrap.TOLERANCE).mean()
    )

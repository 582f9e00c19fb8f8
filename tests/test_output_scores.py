"""Scores of the other data sets per output, their leaderboard rows and the predictions files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from promoterbench import leaderboard, output_scores


def test_each_output_and_their_mean_are_scored_as_scipy_does():
    rng = np.random.default_rng(3)
    truth = rng.normal(size=(200, 2))
    pred = truth + rng.normal(scale=[0.5, 2.0], size=(200, 2))
    table = output_scores.evaluate(truth, pred, ["Dev", "Hk"]).set_index("output")
    for j, label in enumerate(["Dev", "Hk"]):
        assert table.loc[label, "pearson_r"] == pytest.approx(
            stats.pearsonr(truth[:, j], pred[:, j])[0]
        )
        assert table.loc[label, "spearman_rho"] == pytest.approx(
            stats.spearmanr(truth[:, j], pred[:, j])[0]
        )
    assert table.loc["Dev", "pearson_r"] > table.loc["Hk", "pearson_r"]  # less noise, higher r
    assert table.loc["mean", "pearson_r"] == pytest.approx(
        table.loc[["Dev", "Hk"], "pearson_r"].mean()
    )
    assert (table["n"] == 200).all()
    with pytest.raises(ValueError, match="predictions for"):
        output_scores.evaluate(truth, pred[:, :1], ["Dev", "Hk"])


def test_a_predictions_file_out_of_step_with_the_test_rows_is_named(tmp_path):
    path = tmp_path / "rep1.tsv"
    pd.DataFrame({"id": ["a", "c", "b"], "mean_value": [0.1, 0.2, 0.3]}).to_csv(
        path, sep="\t", index=False
    )
    with pytest.raises(
        ValueError, match=r"rep1.tsv: 3 predictions for 3 test rows; line 3 is not the test row 'b'"
    ):
        output_scores.read_predictions(path, ["a", "b", "c"], ("mean_value",))
    with pytest.raises(ValueError, match="no column Dev_log2_enrichment"):
        output_scores.read_predictions(path, ["a", "c", "b"], ("Dev_log2_enrichment",))
    pred = output_scores.read_predictions(path, ["a", "c", "b"], ("mean_value",))
    assert pred.shape == (3, 1) and pred[:, 0].tolist() == [0.1, 0.2, 0.3]


def test_rows_are_ranked_by_both_mean_scores_and_only_anchors_carry_published_figures(tmp_path):
    rng = np.random.default_rng(5)
    truth = rng.normal(size=(300, 2))
    evaluations, summaries = {}, {}
    for name, noise in (("kmer_ridge", 3.0), ("deepstarr", 0.3), ("dream_rnn", 1.0)):
        path = tmp_path / f"{name}.tsv"
        pred = truth + rng.normal(scale=noise, size=truth.shape)
        output_scores.evaluate(truth, pred, ["Dev", "Hk"]).to_csv(path, sep="\t", index=False)
        evaluations[name], summaries[name] = [str(path)], []
    board = output_scores.build(evaluations, summaries, "deepstarr").set_index("team")
    assert board.index.tolist() == ["deepstarr", "dream_rnn", "kmer_ridge"]  # least noise first
    assert board["rank"].tolist() == [1, 2, 3]
    figures, _ = output_scores.PUBLISHED[("deepstarr", "deepstarr")]
    assert board.loc["deepstarr", "published_pearson_r_Dev"] == figures["Dev"]
    assert board.loc["deepstarr", "published_source"].startswith("published, not measured here")
    assert board.loc[["dream_rnn", "kmer_ridge"], "published_pearson_r_Hk"].isna().all()
    assert "Pearson r" in leaderboard.summary_text(board.reset_index())

"""The leaderboard: replicates averaged, ranked by the rule the bootstrap uses, compared in pairs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from promoterbench import bootstrap, formats, leaderboard, scoring, testset


@pytest.fixture(scope="module")
def world(small_world):
    design = testset.TestDesign.from_dir(small_world)
    _, truth = formats.read_official_txt(small_world / testset.TEST_FILE)
    return design, truth


def _evaluation(tmp_path, name, pred, truth, design):
    table, _ = scoring.evaluate(pred, truth, design, "private")
    path = tmp_path / f"{name}.tsv"
    table.to_csv(path, sep="\t", index=False)
    return str(path)


def test_a_replicated_entry_shows_the_mean_and_sd_of_its_replicates(tmp_path, world):
    design, truth = world
    rng = np.random.default_rng(1)
    reps = [truth + rng.normal(0, s, len(truth)) for s in (0.4, 0.6, 0.8)]
    paths = [_evaluation(tmp_path, f"m{k}", p, truth, design) for k, p in enumerate(reps)]
    summaries = []
    for k, flag in enumerate((True, True, False)):
        path = tmp_path / f"summary{k}.json"
        path.write_text(json.dumps({"kind": "team", "n_params": 10, "steps": 5, "train_flops": 1e9,
                                    "train_seconds": 2.0 + k, "train_cpu_seconds": 1.0,
                                    "still_learning": flag}))  # fmt: skip
        summaries.append(str(path))
    oracle = _evaluation(tmp_path, "oracle", truth, truth, design)
    board = leaderboard.build(
        {"model": paths, "oracle": [oracle]}, {"model": summaries}, {}, "private", "synthetic"
    ).set_index("team")
    r2 = [scoring.scores(pd.read_csv(p, sep="\t"), "private")[0] for p in paths]
    model = board.loc["model"]
    assert model["replicates"] == 3 and board.loc["oracle", "replicates"] == 1
    assert model["score_pearson_r2"] == pytest.approx(np.mean(r2))
    assert model["score_pearson_r2_sd"] == pytest.approx(np.std(r2, ddof=1))
    assert np.isnan(board.loc["oracle", "score_pearson_r2_sd"])
    assert model["train_seconds"] == pytest.approx(3.0) and model["still_learning"]  # 2 of 3
    assert board.loc["oracle", "kind"] == "reference" and model["kind"] == "team"


def _board_and_pairs(design, truth, seed=5):
    rng = np.random.default_rng(seed)
    preds = {
        "oracle": [truth.copy()],
        "a": [truth + rng.normal(0, 0.5, len(truth))],
        "a_twin": [truth + rng.normal(0, 0.5, len(truth))],  # as good as a: a tie
        "c": [truth + rng.normal(0, 3.0, len(truth))],
    }
    samples = bootstrap.resample(preds, truth, design, "private", 300, seed=1)
    rows = []
    for name, (pred,) in preds.items():
        table, _ = scoring.evaluate(pred, truth, design, "private")
        rows.append(leaderboard.entry(name, [table], "private", {}))
    board = leaderboard.rank(rows, "private", "synthetic")
    board = leaderboard.with_intervals(board, bootstrap.summarise(samples))
    return leaderboard.with_comparisons(board, bootstrap.pairwise(samples)), samples


def test_each_entry_is_compared_with_the_top_trained_entry_and_the_next_one(world):
    design, truth = world
    board, samples = _board_and_pairs(design, truth)
    board = board.set_index("team")
    top = board.index[1]  # the oracle ranks first but is not a trained entry
    assert board.index[0] == "oracle" and top in {"a", "a_twin"}
    assert pd.isna(board.loc["oracle", "k_vs_top"]) and pd.isna(board.loc[top, "k_vs_top"])
    twin = ({"a", "a_twin"} - {top}).pop()
    wide = samples.pivot(index="resample", columns="team", values="rank")
    above = (wide[top] < wide[twin]).sum()
    assert board.loc[twin, "top_above_share"] == pytest.approx(above / 300)
    assert board.loc[twin, "k_vs_top"] == pytest.approx(above / (wide[twin] < wide[top]).sum())
    assert board.loc[twin, "k_vs_top"] < bootstrap.TIE_K and board.loc[twin, "tied_with_top"]
    assert board.loc["c", "k_vs_top"] == np.inf and not board.loc["c", "tied_with_top"]
    assert pd.isna(board.loc["c", "k_vs_next"])  # the last entry has none below
    assert board.loc["oracle", "k_vs_next"] == np.inf  # the truth never ranks below a model


def test_the_end_of_run_summary_says_which_adjacent_ranks_are_distinguished(world):
    design, truth = world
    board, _ = _board_and_pairs(design, truth)
    lines = leaderboard.adjacent_verdicts(board)
    assert len(lines) == 3
    assert lines[0].startswith("oracle above ") and lines[0].endswith("(distinguished)")
    assert lines[-1].endswith("c: 100.0% of resamples, K = inf (distinguished)")
    text = leaderboard.summary_text(board)
    assert "adjacent ranks" in text and lines[1] in text


def test_point_ranking_uses_the_bootstraps_rule(world):
    """Scores within the tolerance are equal: the better Spearman decides, not float noise."""
    rows = [
        {"team": "x", "score_pearson_r2": 0.5 + 1e-12, "score_spearman": 0.60, "split": "private"},
        {"team": "y", "score_pearson_r2": 0.5, "score_spearman": 0.61, "split": "private"},
    ]
    for row in rows:
        row.update({c: None for c in leaderboard.COLUMNS if c not in row and c != "rank"})
    board = leaderboard.rank(rows, "private", "synthetic")
    assert board["team"].tolist() == ["y", "x"]

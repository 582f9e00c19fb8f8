"""Official scoring: a hand-built test design, and the real Camformers public submission."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import CAMFORMERS_SUBMISSION, needs_shared
from promoterbench import formats, scoring, testset

N = 40
SINGLES = {
    "high": list(range(0, 8)),
    "low": list(range(8, 16)),
    "native": list(range(16, 24)),
    "random": list(range(24, 40)),
    "challenging": list(range(2, 40, 5)),
}
PAIRS = {
    "snv": [(1, 0), (2, 0), (3, 0), (4, 0), (9, 8), (10, 8), (11, 8), (12, 8), (17, 16), (18, 16)],
    "motif_perturbation": [(25, 24), (26, 24), (27, 24), (28, 24), (29, 24), (30, 24), (31, 24)],
    "motif_tiling": [(33, 32), (34, 32), (35, 32), (36, 32), (37, 32), (38, 32), (39, 32)],
}
PUBLIC_SINGLES = {"high": [5, 6, 7], "low": [13, 14, 15], "native": [21, 22, 23],
                  "random": [37, 38, 39], "challenging": [7, 17, 27]}  # fmt: skip
PUBLIC_PAIRS = {
    "snv": [(1, 0), (9, 8), (17, 16)],
    "motif_perturbation": [(25, 24), (26, 24), (27, 24)],
    "motif_tiling": [(33, 32), (34, 32), (35, 32)],
}


# dream_anchors.md §1.3, typed in independently of the package
OFFICIAL_WEIGHTS = {"all": 1.0, "high": 0.3, "low": 0.3, "native": 0.3, "random": 0.3,
                    "challenging": 0.5, "snv": 1.25, "motif_perturbation": 0.3, "motif_tiling": 0.4}  # fmt: skip


def pearson(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    dx, dy = x - x.mean(), y - y.mean()
    return float((dx * dy).sum() / np.sqrt((dx**2).sum() * (dy**2).sum()))


def spearman(x, y):
    return pearson(np.argsort(np.argsort(x)), np.argsort(np.argsort(y)))


@pytest.fixture
def truth_dir(tmp_path):
    truth = np.random.default_rng(7).normal(0, 1, N)
    seqs = [("ACGT" * 28)[:110]] * N
    formats.write_official_txt(tmp_path / testset.TEST_FILE, seqs, truth)
    (tmp_path / testset.SUBSET_DIR).mkdir()
    (tmp_path / testset.PUBLIC_DIR).mkdir()
    public = set()
    for cat in testset.CATEGORIES[1:]:
        csv_path = tmp_path / testset.SUBSET_DIR / cat.csv
        json_path = tmp_path / testset.PUBLIC_DIR / cat.json
        if cat.kind == "single":
            rows = [(f"t{i}", seqs[i], i) for i in SINGLES[cat.name]]
            values = {str(i): float(truth[i]) for i in PUBLIC_SINGLES[cat.name]}
            public |= set(PUBLIC_SINGLES[cat.name])
        else:
            rows = [("a", "r", seqs[a], seqs[r], a, r) for a, r in PAIRS[cat.name]]
            values = {f"{a},{r}": [truth[a], truth[r]] for a, r in PUBLIC_PAIRS[cat.name]}
            public |= {i for p in PUBLIC_PAIRS[cat.name] for i in p}
        testset.write_subset_csv(csv_path, cat.name, rows)
        testset.write_public_json(json_path, values)
    ground = {str(i): float(truth[i]) for i in sorted(public)}
    testset.write_public_json(tmp_path / testset.PUBLIC_DIR / testset.GROUND_JSON, ground)
    return tmp_path, truth


def expected_scores(pred, truth, split):
    public = _ground()
    r2, rho = {}, {}
    for name, members in [("all", list(range(N)))] + list(SINGLES.items()):
        if split == "public":
            members = sorted(public) if name == "all" else PUBLIC_SINGLES[name]
        elif split == "private":
            members = [i for i in members if i not in public]
        r2[name] = pearson(truth[members], pred[members]) ** 2
        rho[name] = spearman(truth[members], pred[members])
    for name, pairs in PAIRS.items():
        if split == "public":
            pairs = PUBLIC_PAIRS[name]
        elif split == "private":
            pairs = [p for p in pairs if p not in PUBLIC_PAIRS[name]]
        dt = [truth[a] - truth[r] for a, r in pairs]
        dp = [pred[a] - pred[r] for a, r in pairs]
        r2[name], rho[name] = pearson(dt, dp) ** 2, spearman(dt, dp)
    weights = OFFICIAL_WEIGHTS
    return (
        sum(weights[c] * r2[c] for c in weights) / 4.65,
        sum(weights[c] * rho[c] for c in weights) / 4.65,
        r2,
    )


def _ground():
    out = set()
    for v in PUBLIC_SINGLES.values():
        out |= set(v)
    for v in PUBLIC_PAIRS.values():
        out |= {i for p in v for i in p}
    return out


@pytest.mark.parametrize("split", ["all", "private", "public"])
def test_weighted_scores_match_hand_computation(truth_dir, split):
    path, truth = truth_dir
    design = testset.TestDesign.from_dir(path)
    rng = np.random.default_rng(3)
    pred = truth * 0.5 + rng.normal(0, 0.6, N)
    table, notes = scoring.evaluate(pred, truth, design, split)
    assert notes == []
    score_r2, score_rho = scoring.scores(table, split)
    want_r2, want_rho, per_cat = expected_scores(pred, truth, split)
    assert score_r2 == pytest.approx(want_r2, abs=1e-12)
    assert score_rho == pytest.approx(want_rho, abs=1e-12)
    got = table.set_index("category")["pearson_r2"]
    for name, value in per_cat.items():
        assert got[name] == pytest.approx(value, abs=1e-12), name


def test_private_split_drops_public_indices_and_only_identical_public_pairs(truth_dir):
    design = testset.TestDesign.from_dir(truth_dir[0])
    public = _ground()
    # single categories lose every public index, including members of public pairs (0, 1)
    assert set(design.select("high", "private")) == {2, 3, 4}
    assert not public & set(design.select("all", "private"))
    private_snv = {tuple(p) for p in design.select("snv", "private").tolist()}
    # (1, 0) is a public pair; (2, 0) shares index 0 with it but stays private
    assert private_snv == set(PAIRS["snv"]) - set(PUBLIC_PAIRS["snv"])
    assert design.public.sum() == len(public)


def test_categories_and_weights_are_official():
    assert {c.name: c.weight for c in testset.CATEGORIES} == OFFICIAL_WEIGHTS
    assert testset.TOTAL_WEIGHT == pytest.approx(4.65)


def test_submission_covering_only_public_is_scored_on_public(truth_dir):
    path, truth = truth_dir
    design = testset.TestDesign.from_dir(path)
    pred = np.full(N, np.nan)
    ground = sorted(_ground())
    pred[ground] = truth[ground] + np.linspace(0, 1, len(ground))
    for split in ("private", "all"):
        table, notes = scoring.evaluate(pred, truth, design, split)
        assert set(table["split"]) == {"public"}
        assert notes == [
            f"submission predicts {len(ground)} of {N} test sequences: scored on public only "
            f"(not {split})"
        ]
    pred[ground[0]] = np.nan
    with pytest.raises(
        scoring.CoverageError, match=f"1 public leaderboard index.*first: {ground[0]}"
    ):
        scoring.evaluate(pred, truth, design, "private")


def test_a_submission_missing_private_indices_is_not_scored_on_private(truth_dir, tmp_path):
    path, truth = truth_dir
    design = testset.TestDesign.from_dir(path)
    pred = truth + np.linspace(0, 1, N)
    missing = [4, 11, 19, 30, 31, 36]  # private indices (none is public)
    pred[missing] = np.nan
    submission = tmp_path / "partial.json"
    formats.write_submission(submission, pred, np.flatnonzero(np.isfinite(pred)))
    for split, what in [("private", "private"), ("all", "test")]:
        with pytest.raises(scoring.CoverageError) as err:
            scoring.score_submission(submission, truth, design, split)
        assert str(err.value) == (
            f"{submission}: 6 {what} index(es) have no prediction, first: 4, 11, 19, 30, 31; "
            f"predict every test index, or exactly the {len(_ground())} public leaderboard "
            "indices to be scored on the public split"
        )
    table, notes = scoring.score_submission(submission, truth, design, "public")
    assert set(table["split"]) == {"public"} and notes == []


def test_score_cli_fails_on_private_when_private_indices_are_missing(truth_dir, tmp_path):
    path, truth = truth_dir
    pred = truth.copy()
    pred[[4, 11]] = np.nan
    formats.write_submission(tmp_path / "partial.json", pred, np.flatnonzero(np.isfinite(pred)))
    out = subprocess.run(
        [sys.executable, "-m", "promoterbench", "score", str(tmp_path / "partial.json"),
         "--truth-dir", str(path), "--split", "private"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert out.returncode == 2 and out.stdout == ""
    assert f"{tmp_path / 'partial.json'}: " in out.stderr
    assert "2 private index(es) have no prediction, first: 4, 11" in out.stderr


def test_constant_predictions_say_the_correlation_is_undefined(truth_dir):
    path, truth = truth_dir
    design = testset.TestDesign.from_dir(path)
    pred = truth.copy()
    pred[SINGLES["high"]] = 5.0
    table, notes = scoring.evaluate(pred, truth, design, "all")
    assert notes == [
        "all split: the predictions are constant in high, so Pearson r and Spearman rho are "
        "undefined there (nan), and so are the weighted scores"
    ]
    assert np.isnan(table.set_index("category").loc["high", "pearson_r"])
    _, notes = scoring.evaluate(np.zeros(N), truth, design, "public")
    assert notes[0].startswith(
        "public split: the predictions are constant in all, high, low, native, random, "
        "challenging, snv, motif_perturbation, motif_tiling, so"
    )


@needs_shared()
def test_camformers_public_submission_reproduces_published_scores(real_truth_dir):
    design = testset.TestDesign.from_dir(real_truth_dir)
    _, truth = formats.read_official_txt(real_truth_dir / testset.TEST_FILE)
    pred = formats.read_submission(CAMFORMERS_SUBMISSION, design.n)
    table, _ = scoring.evaluate(pred, truth, design, "public")
    score_r2, score_rho = scoring.scores(table, "public")
    # the team's published public-leaderboard figures
    assert round(score_r2, 3) == 0.763
    assert round(score_rho, 3) == 0.823
    all_row = table[table["category"] == "all"].iloc[0]
    assert round(all_row["pearson_r"], 3) == 0.962 and round(all_row["spearman_rho"], 3) == 0.967
    assert design.public.sum() == 9045


@needs_shared()
def test_score_cli_prints_table_and_scores(real_truth_dir):
    out = subprocess.run(
        [sys.executable, "-m", "promoterbench", "score", str(CAMFORMERS_SUBMISSION),
         "--truth-dir", str(real_truth_dir), "--split", "public"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    lines = out.stdout.splitlines()
    assert lines[0].split("\t")[:3] == ["split", "category", "kind"]
    assert "# public\tScore PearsonR^2\t0.7632" in lines
    assert "# public\tScore Spearman\t0.8234" in lines
    assert len([line for line in lines if line.startswith("public\t")]) == 10


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"1": 0.5,', "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"1": NaN}', "NaN is not a finite number"),
        ('{"1": "high"}', "not finite numbers, first: 1='high'"),
        ('{"1": true}', "not finite numbers"),
        ('{"1": 0.5, "1": 0.7}', "1 duplicate index"),
        ('{"x1": 0.5}', "not integer test indices"),
        ('{"-1": 0.5}', "not integer test indices"),
        ('{"40": 0.5, "99": 1}', "2 index(es) outside the test set 0..39, first: 40, 99"),
    ],
)
def test_bad_submissions_fail_clearly(tmp_path, content, message):
    path = tmp_path / "sub.json"
    path.write_text(content)
    with pytest.raises(formats.FormatError) as err:
        formats.read_submission(path, N)
    assert str(path) in str(err.value) and message in str(err.value)


def test_submission_round_trip(tmp_path):
    pred = np.linspace(-1, 1, N)
    formats.write_submission(tmp_path / "s.json", pred)
    assert json.loads((tmp_path / "s.json").read_text())["3"] == pytest.approx(pred[3])
    np.testing.assert_allclose(formats.read_submission(tmp_path / "s.json", N), pred)

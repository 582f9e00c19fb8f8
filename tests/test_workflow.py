"""The whole workflow through Snakemake on a tiny configuration."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from workflow_helpers import REPO, copy_workflow, memory_overruns, planned_jobs, snakemake

TEAMS = {"wan_barton", "noisy_chardonnay", "madlab", "camformers", "autosome"}

pytestmark = pytest.mark.workflow


FIGURES = (
    "leaderboard",
    "pairwise",
    "categories",
    "predictions",
    "snv_effects",
    "motif_tiling",
    "training_curves",
    "read_lengths",
    "ism",
)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("run"))
    run = snakemake(workdir, "results/leaderboard.tsv")
    (workdir / "run.out").write_text(run.stdout + run.stderr)
    return workdir


def test_leaderboard_ranks_oracle_first_and_lists_every_entry(tiny_run):
    board = pd.read_csv(tiny_run / "results" / "leaderboard.tsv", sep="\t")
    assert board["team"].iloc[0] == "oracle"
    assert set(board["team"]) == TEAMS | {"oracle", "kmer_ridge", "ensemble"}
    assert list(board["rank"]) == list(range(1, 9))
    scores = board[["score_pearson_r2", "score_spearman", "all_pearson_r2", "all_spearman"]]
    assert np.isfinite(scores.to_numpy()).all()
    assert (board["split"] == "private").all() and (board["data"] == "synthetic").all()
    trained = board.set_index("team").loc[sorted(TEAMS | {"kmer_ridge"})]
    assert (trained["n_params"] > 0).all() and (trained["train_seconds"] > 0).all()


def test_the_ensemble_is_the_mean_of_the_teams_standardised_predictions(tiny_run):
    predictions = tiny_run / "results" / "synthetic" / "predictions"
    members = pd.concat(
        [pd.read_csv(predictions / t / "rep1.tsv", sep="\t")["prediction"].rename(t)
         for t in sorted(TEAMS | {"kmer_ridge"})], axis=1,
    )  # fmt: skip
    expected = ((members - members.mean()) / members.std(ddof=0)).mean(axis=1)
    ensemble = pd.read_csv(predictions / "ensemble" / "rep1.tsv", sep="\t")["prediction"]
    np.testing.assert_allclose(ensemble, expected, rtol=1e-6, atol=1e-6)
    board = pd.read_csv(tiny_run / "results" / "leaderboard.tsv", sep="\t").set_index("team")
    assert board.loc["ensemble", "kind"] == "reference"


def test_every_job_left_a_log_and_a_benchmark(tiny_run):
    results = tiny_run / "results" / "synthetic"
    logs = {
        p.relative_to(results / "logs").with_suffix("") for p in (results / "logs").rglob("*.log")
    }
    benches = {
        p.relative_to(results / "benchmarks").with_suffix("")
        for p in (results / "benchmarks").rglob("*.tsv")
    }
    assert logs == benches
    assert {str(p) for p in logs} >= {"simulate", "ingest", "bin_by_length", "split/camformers",
                                      "train/camformers/rep1", "predict/camformers/rep1",
                                      "evaluate/oracle/rep1", "leaderboard", "plot_leaderboard"}  # fmt: skip
    train_log = (results / "logs" / "train" / "camformers" / "rep1.log").read_text()
    assert "epoch 1 done" in train_log and "samples/s" in train_log


def test_outputs_follow_the_data_contracts(tiny_run):
    results = tiny_run / "results" / "synthetic"
    split = pd.read_parquet(results / "teams" / "camformers" / "split.parquet")
    assert list(split.columns) == ["read_id", "fold"] and set(split["fold"]) == {"train", "val"}
    assert len(split) == 2000
    selection = pd.read_csv(results / "teams" / "camformers" / "selection.tsv", sep="\t")
    dropped_and_kept = selection[~selection["outcome"].str.startswith("kept_")]["reads"].sum()
    assert dropped_and_kept == 4000  # every read is counted: kept or under its drop reason
    preds = pd.read_csv(results / "predictions" / "camformers" / "rep1.tsv", sep="\t")
    n_test = sum(
        1
        for _ in open(
            tiny_run / "resources" / "synthetic" / "filtered_test_data_with_MAUDE_expression.txt"
        )
    )
    assert list(preds.columns) == ["index", "prediction"] and len(preds) == n_test
    assert (
        tiny_run / "results" / "synthetic" / "figures" / "leaderboard.png"
    ).stat().st_size > 10_000
    assert not (results / "checkpoints" / "camformers" / "rep1").exists()  # removed once saved


def test_every_figure_is_a_slide_sized_png_and_a_pdf(tiny_run):
    from matplotlib.image import imread

    figures = tiny_run / "results" / "synthetic" / "figures"
    for name in FIGURES:
        png = imread(figures / f"{name}.png")
        height, width = png.shape[:2]
        assert 1600 <= width <= 2200 and 400 <= height <= 2200, (name, width, height)
        assert png[..., :3].std() > 0.05, name  # not a blank canvas
        assert (figures / f"{name}.pdf").stat().st_size > 5_000, name


def test_predict_command_reproduces_the_predict_rule_bit_for_bit(tiny_run):
    test = tiny_run / "resources" / "synthetic" / "filtered_test_data_with_MAUDE_expression.txt"
    for team in sorted(TEAMS | {"kmer_ridge"}):
        out = tiny_run / f"predict-{team}.tsv"
        cmd = [sys.executable, "-m", "promoterbench", "predict", f"results/synthetic/models/{team}",
               str(test), "-o", str(out), "--device", "cpu"]  # fmt: skip
        subprocess.run(cmd, cwd=tiny_run, check=True, capture_output=True)
        rule = tiny_run / "results" / "synthetic" / "predictions" / team / "rep1.tsv"
        expected = pd.read_csv(rule, sep="\t", dtype=str)["prediction"]
        assert pd.read_csv(out, sep="\t", dtype=str)["prediction"].equals(expected), team


def test_leaderboard_scores_each_models_ism_against_the_truth(tiny_run):
    board = pd.read_csv(tiny_run / "results" / "leaderboard.tsv", sep="\t").set_index("team")
    ism = tiny_run / "results" / "synthetic" / "ism"
    drawn = pd.read_csv(ism / "sequences.tsv", sep="\t")
    assert len(drawn) == 24 and set(drawn["category"]) == {"random", "native"}
    assert board.loc["oracle", "ism_r_truth"] == 1.0  # its ISM is the truth
    assert np.isnan(board.loc["ensemble", "ism_r_truth"])  # no single model to mutate
    for team in TEAMS | {"kmer_ridge"}:
        scores = pd.read_csv(ism / team / "rep1.tsv", sep="\t")
        assert len(scores) == 24
        assert board.loc[team, "ism_r_truth"] == pytest.approx(scores["r_truth"].mean(), abs=1e-4)
        effects = pd.read_parquet(ism / team / "rep1.parquet")
        assert len(effects) == 3 * 80 * len(drawn)  # the variable part of each read
        assert effects["position"].between(18, 97).all()


def test_leaderboard_has_bootstrap_intervals_and_mean_ranks(tiny_run):
    board = pd.read_csv(tiny_run / "results" / "leaderboard.tsv", sep="\t")
    assert board["mean_rank"].notna().all()
    assert (board["score_pearson_r2_lo"] <= board["score_pearson_r2_hi"]).all()
    assert (board["score_spearman_lo"] <= board["score_spearman_hi"]).all()
    assert board.set_index("team").loc["oracle", "mean_rank"] == 1.0


def test_leaderboard_compares_every_entry_in_pairs(tiny_run):
    """One replicate each (the default): no SD; K against the top trained entry and the next."""
    board = pd.read_csv(tiny_run / "results" / "leaderboard.tsv", sep="\t").set_index("team")
    assert (board["replicates"] == 1).all() and board["score_pearson_r2_sd"].isna().all()
    pairs = pd.read_csv(tiny_run / "results" / "synthetic" / "pairwise.tsv", sep="\t")
    assert len(pairs) == len(board) * (len(board) - 1)
    top = board.index[1]  # the oracle ranks first and is not a trained entry
    assert board.loc[board.index[2:], "k_vs_top"].notna().all()
    assert board.loc[["oracle", top], "k_vs_top"].isna().all()
    assert board.loc[board.index[:-1], "k_vs_next"].notna().all()
    assert "paired bootstrap, adjacent ranks" in (tiny_run / "run.out").read_text()


def test_raising_the_replicates_plans_only_the_new_replicates(tiny_run):
    (tiny_run / "three.yaml").write_text("replicates: 3\n")
    out = snakemake(tiny_run, "-n", "results/leaderboard.tsv", configs=("tiny.yaml", "three.yaml"))
    jobs = planned_jobs(out.stdout)
    trained = {(w["team"], w["rep"]) for rule, w in jobs if rule == "train"}
    assert trained == {(t, r) for t in TEAMS for r in ("2", "3")}  # not kmer_ridge, not rep 1
    assert {w["rep"] for rule, w in jobs if rule in {"predict", "ensemble"}} == {"2", "3"}
    scored = {(w["name"], w["rep"]) for rule, w in jobs if rule == "evaluate"}
    assert scored == {(n, r) for n in TEAMS | {"ensemble"} for r in ("2", "3")}
    assert not {rule for rule, _ in jobs} & {"split", "simulate", "ingest", "oracle"}


def test_every_job_declares_the_memory_it_used(tiny_run):
    """resources: mem_mb covers each job's measured peak RSS (what --resources mem_mb=... and
    SLURM rely on)."""
    assert memory_overruns(tiny_run, "results/leaderboard.tsv") == []


def test_a_run_ends_with_a_summary(tiny_run):
    out = (tiny_run / "run.out").read_text()
    assert "promoterbench: synthetic data, private split, scale cpu" in out
    assert "figures: results/synthetic/figures/*.png" in out


def test_report_bundles_the_run(tiny_run):
    out = snakemake(tiny_run, "--report", "report.html")
    report = (tiny_run / "report.html").read_text()
    assert out.returncode == 0 and len(report) > 100_000
    assert "bootstrap resamples of the test set" in report and "leaderboard.tsv" in report


def test_second_run_has_nothing_to_do(tiny_run):
    out = snakemake(tiny_run, "-n", "results/leaderboard.tsv")
    assert "Nothing to be done" in out.stdout + out.stderr


def test_changing_one_team_reruns_only_that_team(tiny_run):
    (tiny_run / "changed.yaml").write_text("teams: {camformers: {train: {lr: 0.002}}}\n")
    out = snakemake(
        tiny_run, "-n", "results/leaderboard.tsv", configs=("tiny.yaml", "changed.yaml")
    )
    jobs = planned_jobs(out.stdout)
    chain = {
        (rule, w.get("team", w.get("name")))
        for rule, w in jobs
        if rule in {"split", "train", "predict", "evaluate", "ism"}
    }
    assert chain == {
        ("split", "camformers"),
        ("train", "camformers"),
        ("predict", "camformers"),
        ("evaluate", "camformers"),
        ("ism", "camformers"),
        ("evaluate", "ensemble"),  # camformers is one of its members
    }
    others = {rule for rule, _ in jobs} - {"split", "train", "predict", "evaluate", "ism"}
    summaries = {"ensemble", "bootstrap", "leaderboard", "publish_leaderboard", "plot_leaderboard",
                 "plot_pairwise", "plot_categories", "plot_predictions", "plot_training",
                 "plot_lengths", "plot_ism"}  # fmt: skip
    # the ensemble, the leaderboard, its bootstrap and the figures: nothing of other teams
    assert others == summaries
    assert "params have changed" in out.stdout


def test_lint_is_clean():
    out = subprocess.run(
        [sys.executable, "-m", "snakemake", "--lint"], cwd=REPO, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_snakefiles_are_snakefmt_formatted():
    files = [str(REPO / "Snakefile")] + [
        str(p) for p in (REPO / "workflow" / "rules").glob("*.smk")
    ]
    out = subprocess.run(
        [sys.executable, "-m", "snakefmt", "--check", *files], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr

"""The real-data path end to end on the challenge fixture (read from ../shared, never copied in)."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from conftest import CAMFORMERS_SUBMISSION, SHARED, needs_shared
from workflow_helpers import REPO, copy_workflow, planned_jobs, snakemake

pytestmark = [pytest.mark.workflow, needs_shared()]
CONFIGS = ("dream2022.yaml", "source.yaml")
TEAMS = {"wan_barton", "noisy_chardonnay", "madlab", "camformers", "autosome", "kmer_ridge"}
EXTERNAL = "camformers_public_leaderboard_submission"


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("dream2022"))
    shutil.copy(REPO / "tests" / "data" / "dream2022.yaml", workdir)
    (workdir / "source.yaml").write_text(
        f'dream2022: {{base_url: "{(SHARED / "zenodo").as_uri()}"}}\n'
    )
    (workdir / "submissions").mkdir()
    shutil.copy(CAMFORMERS_SUBMISSION, workdir / "submissions")
    snakemake(workdir, "results/leaderboard.tsv", configs=CONFIGS)
    return workdir


def test_the_real_training_reads_are_ingested(real_run):
    qc = dict(pd.read_csv(real_run / "results/dream2022/qc/ingest.tsv", sep="\t").values)
    assert qc["lines"] == qc["kept"] == 7369 and qc["rejected"] == 0
    assert qc["min_length"] == 87 and qc["max_length"] == 135 and qc["kept_with_n"] == 31
    assert (real_run / "resources/dream2022/train_sequences.txt").stat().st_size == (
        SHARED / "zenodo" / "train_sequences.txt"
    ).stat().st_size
    assert not list((real_run / "resources/dream2022").glob("*.part"))


def test_every_team_predicts_the_whole_test_set(real_run):
    for team in TEAMS:
        preds = pd.read_csv(real_run / f"results/dream2022/predictions/{team}/rep1.tsv", sep="\t")
        assert len(preds) == 71_103 and np.isfinite(preds["prediction"]).all(), team
    board = pd.read_csv(real_run / "results/leaderboard.tsv", sep="\t")
    assert set(board["team"]) == TEAMS | {EXTERNAL, "ensemble"}
    assert (board.loc[board["team"] != EXTERNAL, "split"] == "private").all()
    # the public-only submission is listed, not ranked; the ensemble of the teams is
    assert board["rank"].notna().sum() == len(TEAMS) + 1


def test_external_submission_scores_its_published_public_figures(real_run):
    row = (
        pd.read_csv(real_run / "results/leaderboard.tsv", sep="\t").set_index("team").loc[EXTERNAL]
    )
    assert row["kind"] == "external" and row["split"] == "public"
    assert round(row["score_pearson_r2"], 3) == 0.763 and round(row["score_spearman"], 3) == 0.823
    log = (real_run / f"results/dream2022/logs/evaluate/{EXTERNAL}/rep1.log").read_text()
    assert "scored on public only" in log


def test_rerun_downloads_nothing_and_a_public_board_ranks_the_submission(real_run):
    dry = snakemake(real_run, "-n", "results/leaderboard.tsv", configs=CONFIGS)
    assert "Nothing to be done" in dry.stdout + dry.stderr
    public = ("split: public\n",)
    (real_run / "public.yaml").write_text(public[0])
    plan = planned_jobs(
        snakemake(
            real_run, "-n", "results/leaderboard.tsv", configs=CONFIGS + ("public.yaml",)
        ).stdout
    )
    split_rules = {
        "evaluate",  # its verdict on a submission is that of `score --split` (config split)
        "bootstrap",
        "leaderboard",
        "plot_leaderboard",
        "plot_pairwise",
        "plot_categories",
        "plot_predictions",
    }
    assert {rule for rule, _ in plan} == split_rules | {"publish_leaderboard"}  # no retraining
    snakemake(real_run, "results/leaderboard.tsv", configs=CONFIGS + ("public.yaml",))
    board = pd.read_csv(real_run / "results/leaderboard.tsv", sep="\t").set_index("team")
    assert board["rank"].notna().all() and (board["split"] == "public").all()
    assert round(board.loc[EXTERNAL, "score_pearson_r2"], 3) == 0.763

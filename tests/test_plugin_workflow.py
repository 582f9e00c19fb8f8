"""A user's own teams through the whole workflow on the tiny config: a model file in a folder
outside the repository, named in the config, and a package installed with pip whose entry point
declares another; both trained, predicted, scored, ranked and drawn like the built-in teams."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from plugin_helpers import FILE_TEAM, PACKAGE, PACKAGE_TEAM, TINY_OVERRIDES, model_file, package
from plugin_helpers import pip_install
from workflow_helpers import TINY, copy_workflow, planned_jobs, snakemake

pytestmark = pytest.mark.workflow
USER_TEAMS = {FILE_TEAM, PACKAGE_TEAM}
CHAIN = {"split", "train", "predict", "evaluate"}  # a trained entry's jobs
SNAKEMAKE_ARGS = ("--replace-workflow-config",)  # these teams only, not also the default's
CONFIGS = ("plugins.yaml",)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """(working directory, the environment with the package installed): the tiny config's data
    with the built-in kmer_ridge and the two user teams, run to the leaderboard."""
    lab = tmp_path_factory.mktemp("lab")  # outside the repository and the working directory
    env = pip_install(package(lab), tmp_path_factory.mktemp("site"))
    workdir = copy_workflow(tmp_path_factory.mktemp("run"))
    path = os.path.relpath(model_file(lab), workdir)  # relative to the working directory
    config = yaml.safe_load(TINY.read_text()) | {"teams": {
        "kmer_ridge": {"model": {"k": 4}},
        FILE_TEAM: {"class": f"{path}:MyCnn", **TINY_OVERRIDES},
        PACKAGE_TEAM: TINY_OVERRIDES,
    }}  # fmt: skip
    (workdir / "plugins.yaml").write_text(yaml.safe_dump(config))
    snakemake(workdir, *SNAKEMAKE_ARGS, "results/leaderboard.tsv", configs=CONFIGS, env=env)
    return workdir, env


def dry_run(run, env=None):
    workdir, installed = run
    return snakemake(workdir, *SNAKEMAKE_ARGS, "-n", "results/leaderboard.tsv", configs=CONFIGS,
                     env=env or installed, check=False)  # fmt: skip


def test_user_teams_are_trained_scored_and_ranked_as_the_users(run):
    board = pd.read_csv(run[0] / "results" / "leaderboard.tsv", sep="\t").set_index("team")
    assert set(board.index) == USER_TEAMS | {"kmer_ridge", "ensemble", "oracle"}
    users = board.loc[sorted(USER_TEAMS)]
    assert (users["kind"] == "user").all() and board.loc["kmer_ridge", "kind"] == "reference"
    assert users["rank"].notna().all() and (users["n_params"] > 0).all()
    assert users["still_learning"].notna().all()  # measured on the common probe
    assert np.isfinite(users[["score_pearson_r2", "score_spearman"]].to_numpy()).all()


def test_user_teams_are_on_the_figures(run):
    summary = snakemake(run[0], *SNAKEMAKE_ARGS, "--detailed-summary", configs=CONFIGS,
                        env=run[1]).stdout  # fmt: skip
    rows = [line.split("\t") for line in summary.splitlines()]
    column = rows[0].index("input-file(s)")
    inputs = {row[0]: row[column] for row in rows[1:] if len(row) > column}
    for figure in ("training_curves", "predictions", "categories"):
        drawn_from = inputs[f"results/synthetic/figures/{figure}.png"]
        assert all(f"/{team}" in drawn_from for team in USER_TEAMS), (figure, drawn_from)


def test_teams_lists_them_with_where_they_come_from(run):
    workdir, env = run
    out = subprocess.run(
        [sys.executable, "-m", "promoterbench", "teams", "--scale", "cpu", "--configfile",
         "plugins.yaml"], cwd=workdir, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rows = [line.split("\t") for line in out.splitlines()]
    origin = {row[0]: row[-1] for row in rows[1:]}
    assert origin[FILE_TEAM].startswith("file ../lab") and origin[FILE_TEAM].endswith("/my_cnn.py")
    assert origin[PACKAGE_TEAM] == f"package {PACKAGE} 0.3.0"


def test_a_second_run_has_nothing_to_do(run):
    out = dry_run(run)
    assert out.returncode == 0 and "Nothing to be done" in out.stdout + out.stderr


def test_without_the_package_its_team_is_unknown_before_any_job(run):
    out = dry_run(run, env=dict(os.environ))
    assert out.returncode != 0
    assert f"config teams: unknown team(s) {PACKAGE_TEAM}; known:" in out.stdout + out.stderr


def test_tune_plans_learning_rate_trials_of_the_user_teams(run):
    workdir, env = run
    out = snakemake(workdir, *SNAKEMAKE_ARGS, "-n", "tune", configs=CONFIGS, env=env)
    trials = {w["team"] for rule, w in planned_jobs(out.stdout) if rule == "tune_trial"}
    assert trials == USER_TEAMS  # kmer_ridge, solved in closed form, has no learning rate


def test_a_second_replicate_trains_the_user_teams_again(run):
    workdir, env = run
    out = snakemake(workdir, *SNAKEMAKE_ARGS, "-n", "results/leaderboard.tsv", "--config",
                    "replicates=2", configs=CONFIGS, env=env)  # fmt: skip
    trained = {(w["team"], w["rep"]) for rule, w in planned_jobs(out.stdout) if rule == "train"}
    assert trained == {(team, "2") for team in USER_TEAMS}  # kmer_ridge is deterministic


def test_editing_the_model_file_reruns_only_its_chain(run):
    workdir, _ = run
    config = yaml.safe_load((workdir / "plugins.yaml").read_text())
    path = workdir / config["teams"][FILE_TEAM]["class"].rpartition(":")[0]
    path.write_text(path.read_text() + "# edited\n")
    jobs = planned_jobs(dry_run(run).stdout)
    chain = {(rule, w.get("team", w.get("name"))) for rule, w in jobs if rule in CHAIN}
    assert chain == {(rule, FILE_TEAM) for rule in CHAIN} | {("evaluate", "ensemble")}

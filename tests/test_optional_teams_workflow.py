"""The teams the default run leaves out (bhi, unlock_dna and the three Prix Fixe models) through
Snakemake on the tiny data: a few steps each, trained, predicted and scored, every job within the
memory it declares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from workflow_helpers import TINY, copy_workflow, memory_overruns, snakemake

pytestmark = pytest.mark.workflow

OPTIONAL = ("bhi", "unlock_dna", "dream_cnn", "dream_rnn", "dream_attn")
STEPS = 3
FEW_STEPS = {
    "recipe": {"max_reads": 300},
    "train": {"batch_size": 32, "max_epochs": 1, "max_steps": STEPS, "max_val_reads": 64},
}
TARGETS = tuple(f"results/synthetic/evaluation/{team}/rep1.tsv" for team in OPTIONAL)
ARGS = ("--replace-workflow-config",)  # these teams only, not also the tiny config's
CONFIGS = ("optional.yaml",)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("run"))
    config = yaml.safe_load(TINY.read_text()) | {"teams": {t: FEW_STEPS for t in OPTIONAL}}
    (workdir / "optional.yaml").write_text(yaml.safe_dump(config))
    snakemake(workdir, *ARGS, *TARGETS, configs=CONFIGS)
    return workdir


@pytest.mark.parametrize("team", OPTIONAL)
def test_each_team_trains_its_few_steps_and_is_scored(run, team):
    results = run / "results" / "synthetic"
    history = pd.read_csv(results / "models" / team / "rep1" / "history.tsv", sep="\t")
    assert list(history["steps"]) == [STEPS]
    assert np.isfinite(history["train_loss"]).all()
    n_test = len((run / "resources" / "synthetic" / "filtered_test_data_with_MAUDE_expression.txt")
                 .read_text().splitlines())  # fmt: skip
    predictions = pd.read_csv(results / "predictions" / team / "rep1.tsv", sep="\t")
    assert len(predictions) == n_test and np.isfinite(predictions["prediction"]).all()
    evaluation = pd.read_csv(results / "evaluation" / team / "rep1.tsv", sep="\t")
    score = evaluation.set_index("category").loc["score", ["pearson_r2", "spearman_rho"]]
    assert np.isfinite(score.to_numpy(float)).all()


def test_every_job_declares_the_memory_it_used(run):
    """resources: mem_mb covers each job's measured peak RSS, the new teams' train and predict
    jobs among them."""
    assert memory_overruns(run, *TARGETS, configs=CONFIGS, args=ARGS) == []
    benchmarks = {p.relative_to(run).as_posix() for p in run.glob("results/*/benchmarks/**/*.tsv")}
    for team in OPTIONAL:
        for rule in ("train", "predict"):
            assert f"results/synthetic/benchmarks/{rule}/{team}/rep1.tsv" in benchmarks

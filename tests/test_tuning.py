"""`snakemake tune`: learning-rate trials under the budget, scored on validation reads only."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from promoterbench import tuning
from promoterbench.teams import get_team
from promoterbench.teams.base import Reads
from workflow_helpers import copy_workflow, planned_jobs, snakemake


def test_a_trial_scales_the_teams_own_learning_rate_setting():
    camformers = get_team("camformers").settings("cpu", {"train": {"lr": 0.002}})
    assert tuning.lr_key(camformers) == "lr"
    assert tuning.trial_overrides({"train": {"lr": 0.002}}, camformers, 3.0) == {
        "train": {"lr": pytest.approx(0.006)}
    }
    autosome = get_team("autosome").settings("cpu")
    assert tuning.lr_key(autosome) == "max_lr"  # one-cycle: its peak
    trial = tuning.trial_overrides({}, autosome, 0.5)["train"]["max_lr"]
    assert trial == pytest.approx(autosome["train"]["max_lr"] * 0.5)
    with pytest.raises(ValueError, match="no learning-rate setting"):
        tuning.trial_overrides({}, get_team("unlock_dna").settings("cpu"), 2.0)  # Noam


def test_a_team_without_validation_holds_out_a_fixed_tenth_of_its_training_reads():
    reads = Reads.random(200)
    train, val = tuning.hold_out(reads, seed=7)
    assert len(val) == 20 and len(train) == 180
    assert not set(train.read_id) & set(val.read_id)
    assert np.array_equal(tuning.hold_out(reads, seed=7)[1].read_id, val.read_id)


def _trial(factor, r, replicate=1):
    return {"team": "t", "factor": factor, "replicate": replicate, "seed": replicate,
            "setting": "lr", "value": factor, "val_r": r, "val_rho": r, "steps": 5,
            "train_flops": 1.0, "train_reads": 9, "val_reads": 1}  # fmt: skip


def test_the_table_marks_the_best_validation_r():
    table = tuning.table([_trial(f, r) for f, r in ((3.0, 0.2), (0.3, 0.4), (1.0, 0.1))])
    assert table["factor"].tolist() == [0.3, 1.0, 3.0]
    assert table["chosen"].tolist() == [True, False, False]
    assert table["seeds"].tolist() == [1, 1, 1] and table["val_r_sd"].isna().all()


def test_with_several_seeds_the_table_chooses_by_the_mean():
    """Factor 3 has the single best trial, factor 1 the best mean over its seeds."""
    trials = [_trial(1.0, r, k) for k, r in enumerate((0.30, 0.32, 0.31), 1)]
    trials += [_trial(3.0, r, k) for k, r in enumerate((0.35, 0.10, 0.20), 1)]
    table = tuning.table(trials).set_index("factor")
    assert table["chosen"].to_dict() == {1.0: True, 3.0: False}
    assert table.loc[1.0, "val_r"] == pytest.approx(0.31)
    assert table.loc[3.0, "val_r_sd"] == pytest.approx(np.std([0.35, 0.10, 0.20], ddof=1))
    assert table["seeds"].tolist() == [3, 3]


@pytest.mark.workflow
def test_the_tune_target_runs_trials_on_validation_reads_only(tmp_path):
    copy_workflow(tmp_path)
    (tmp_path / "tune.yaml").write_text(
        "tune: {factors: [0.5, 2.0]}\n"
        "teams:\n"
        "  camformers: {recipe: {max_reads: 1000}, train: {max_epochs: 1}}\n"
        "  autosome: {recipe: {max_reads: 500}, train: {steps_per_epoch: 3, max_epochs: 1}}\n"
        "  unlock_dna: {}\n"  # Noam: no learning-rate setting, so no trials
    )
    configs = ("tiny.yaml", "tune.yaml")
    planned = {
        rule for rule, _ in planned_jobs(snakemake(tmp_path, "-n", "tune", configs=configs).stdout)
    }
    assert {"tune_trial", "tuning_table"} <= planned
    assert not planned & {"predict", "evaluate", "extract_ids", "train"}  # no test set, no probe
    (tmp_path / "seeds.yaml").write_text("tune: {replicates: 3}\n")
    seeded = planned_jobs(
        snakemake(tmp_path, "-n", "tune", configs=configs + ("seeds.yaml",)).stdout
    )
    trials = {(w["team"], w["factor"], w["rep"]) for rule, w in seeded if rule == "tune_trial"}
    assert len(trials) == 5 * 2 * 3  # the five tunable teams, two factors, three seeds each
    assert {rep for _, _, rep in trials} == {"1", "2", "3"}
    snakemake(tmp_path, "tune", configs=configs)
    tuning_dir = tmp_path / "results/synthetic/tuning"
    tiny = {"wan_barton", "noisy_chardonnay", "madlab", "camformers", "autosome"}  # + tune.yaml's
    assert {p.stem for p in tuning_dir.glob("*.tsv")} == tiny  # not kmer_ridge (closed form)
    for team, key in (("camformers", "lr"), ("autosome", "max_lr")):
        preset = get_team(team).settings("cpu")["train"][key]
        table = pd.read_csv(tuning_dir / f"{team}.tsv", sep="\t")
        assert table["factor"].tolist() == [0.5, 2.0] and table["setting"].eq(key).all()
        assert table["value"].tolist() == pytest.approx([preset * 0.5, preset * 2.0])
        assert table["chosen"].sum() == 1 and table["val_r"].notna().all()
    split = json.loads((tuning_dir / "trials/autosome/0.5/rep1.json").read_text())
    assert split["val_reads"] == round(0.1 * (split["train_reads"] + split["val_reads"]))

"""train.max_steps and train.max_val_reads: a run stops early or validates on fewer reads
without changing the recipe."""

from __future__ import annotations

import logging

import numpy as np

from promoterbench.teams import get_team
from promoterbench.teams.base import FitContext, Reads


def test_max_steps_stops_mid_epoch_on_the_recipes_schedule(tmp_path):
    team = get_team("autosome")  # OneCycle, stepped every batch: the schedule shows in the lr
    train = {"batch_size": 32, "steps_per_epoch": 5, "max_epochs": 4, "max_steps": 7}
    settings = team.settings("cpu", {"train": train})
    reads = Reads.random(200)
    fitted = team.fit(
        reads, reads.take(np.arange(0)), settings, FitContext(checkpoint_dir=tmp_path)
    )
    assert fitted.history["epoch"].tolist() == [1, 2]  # the second epoch ends after 2 of 5 steps
    assert fitted.history["steps"].tolist() == [5, 7]
    assert fitted.state["steps"] == 7 and fitted.state["planned_steps"] == 20
    # the learning rate after 7 steps of the whole 4 x 5-step one-cycle schedule
    model = team.build_model(settings)
    optimizer = team.optimizer(model, settings)
    scheduler, _ = team.scheduler(optimizer, settings, 5)
    for _ in range(7):
        optimizer.step()
        scheduler.step()
    assert fitted.history["lr"].iloc[-1] == optimizer.param_groups[0]["lr"]


def test_max_val_reads_validates_on_a_fixed_subset(caplog):
    team = get_team("camformers")
    settings = team.settings("cpu", {"train": {"max_epochs": 1, "max_val_reads": 50}})
    train, val = Reads.random(300, 1), Reads.random(200, 2)
    with caplog.at_level(logging.INFO):
        fitted = team.fit(train, val, settings, FitContext())
    assert "validating on 50 of the 200 validation reads (train.max_val_reads)" in caplog.text
    assert np.isfinite(fitted.history["val_pearson_r"]).all()


def test_limits_are_settings_of_every_torch_team_only():
    for name in ("wan_barton", "noisy_chardonnay", "madlab", "camformers", "autosome"):
        train = get_team(name).settings("paper")["train"]
        assert train["max_steps"] is None and train["max_val_reads"] is None, name
    assert "max_steps" not in get_team("kmer_ridge").settings("paper")["train"]

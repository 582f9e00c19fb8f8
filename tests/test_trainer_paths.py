"""The Trainer's paths that one-epoch runs never reach: early stopping and the best epoch's
weights, the plateau schedule, bf16 on the CPU, a checkpoint of other settings, the
accelerator's random generator in checkpoints, non-finite losses, and MadLab's redraw of a
runaway network."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from promoterbench import runtime, training
from promoterbench.teams import get_team, madlab
from promoterbench.teams.base import FitContext
from test_recipe_gaps import killed_after_epoch
from test_teams import random_reads

TEAM = "noisy_chardonnay"  # the quickest torch team to train
TRAIN, VAL = random_reads(300, 3), random_reads(60, 4)


def scripted_validation(monkeypatch, losses, rs):
    """Validation returns these losses and Pearson r, epoch by epoch (rho = r, R² = r²)."""
    values = iter(zip(losses, rs))

    def validate(self, model, val, params):
        loss, r = next(values)
        return loss, r, r, r * r

    monkeypatch.setattr(training.Trainer, "_validate", validate)


def weights_after_each_epoch(monkeypatch) -> list[dict]:
    """Records the model's weights at the end of every training epoch."""
    saved, train_epoch = [], training.Trainer._train_epoch

    def recorded(self, state, train, epoch):
        out = train_epoch(self, state, train, epoch)
        saved.append({k: v.clone() for k, v in state.model.state_dict().items()})
        return out

    monkeypatch.setattr(training.Trainer, "_train_epoch", recorded)
    return saved


def test_early_stopping_keeps_the_best_epochs_weights(monkeypatch):
    team = get_team(TEAM)
    settings = team.settings("cpu", {"train": {"max_epochs": 8, "patience": 2, "monitor": "r"}})
    scripted_validation(monkeypatch, [1.0] * 8, [0.1, 0.5, 0.3, 0.2, 0.9, 0.9, 0.9, 0.9])
    saved = weights_after_each_epoch(monkeypatch)
    fitted = team.fit(TRAIN, VAL, settings, FitContext())
    assert list(fitted.history["epoch"]) == [1, 2, 3, 4]  # two epochs without a better r
    assert fitted.state["best_epoch"] == 2
    for name, value in fitted.state["model"].items():
        assert torch.equal(value, saved[1][name]), name
    assert not all(torch.equal(saved[1][k], saved[3][k]) for k in saved[1])


def test_the_plateau_schedule_cuts_the_rate_when_validation_stalls(monkeypatch):
    team = get_team("camformers")
    overrides = {"train": {"max_epochs": 4, "patience": None, "plateau_patience": 1},
                 "recipe": {"max_reads": None}}  # fmt: skip
    settings = team.settings("cpu", overrides)
    scripted_validation(monkeypatch, [1.0] * 4, [0.5] * 4)
    lr = team.fit(TRAIN, VAL, settings, FitContext()).history["lr"].to_numpy()
    first = float(settings["train"]["lr"])
    factor = float(settings["train"]["plateau_factor"])
    # epoch 1 sets the best loss; epochs 2 and 3 do not improve it: past a patience of 1, cut
    np.testing.assert_allclose(lr, [first, first, first, first * factor])


def test_bf16_on_the_cpu_trains_with_other_numbers_and_the_same_ones_twice():
    team = get_team(TEAM)
    settings = team.settings("cpu", {"train": {"max_epochs": 1}})
    runs = {p: team.fit(TRAIN, VAL, settings, FitContext(precision=p)) for p in ("fp32", "bf16")}
    again = team.fit(TRAIN, VAL, settings, FitContext(precision="bf16"))
    bf16 = runs["bf16"].history["train_loss"]
    assert np.isfinite(bf16).all()
    assert bf16.iloc[0] != runs["fp32"].history["train_loss"].iloc[0]  # autocast took effect
    assert again.history["train_loss"].equals(bf16)


def test_a_checkpoint_of_other_settings_is_ignored(tmp_path, caplog):
    team = get_team(TEAM)
    checkpoints = tmp_path / "checkpoints"
    one = team.settings("cpu", {"train": {"max_epochs": 1}})
    other = team.settings("cpu", {"train": {"max_epochs": 1, "lr": 0.01}})
    team.fit(TRAIN, VAL, one, FitContext(checkpoint_dir=checkpoints))
    assert (checkpoints / "last.pt").exists()
    with caplog.at_level(logging.INFO):
        resumed = team.fit(TRAIN, VAL, other, FitContext(checkpoint_dir=checkpoints))
    assert "it belongs to other settings or data" in caplog.text
    fresh = team.fit(TRAIN, VAL, other, FitContext())
    assert resumed.history.drop(columns=["seconds", "samples_per_s"]).equals(
        fresh.history.drop(columns=["seconds", "samples_per_s"])
    )


def test_a_checkpoint_keeps_the_accelerators_generator_and_a_resumed_run_restores_it(
    monkeypatch, tmp_path
):
    """On a GPU, dropout and Unlock_DNA's masks draw from the device's own generator, which the
    CPU's state does not cover (test_cuda.py resumes bit for bit there). Here a stand-in state
    numbered by the checkpoint that took it: the killed run's is the one restored."""
    taken, restored = iter(range(1, 100)), []
    monkeypatch.setattr(runtime, "rng_state", lambda device: torch.tensor([next(taken)]))
    monkeypatch.setattr(runtime, "set_rng_state", lambda device, state: restored.append(state))
    team = get_team(TEAM)
    settings = team.settings("cpu", {"train": {"max_epochs": 2, "patience": None}})
    context = FitContext(checkpoint_dir=tmp_path / "checkpoints")
    with killed_after_epoch(monkeypatch, 1):
        team.fit(TRAIN, VAL, settings, context)
    assert training.load(tmp_path / "checkpoints" / "last.pt")["device_rng"].tolist() == [1]
    resumed = team.fit(TRAIN, VAL, settings, context)
    assert list(resumed.history["epoch"]) == [1, 2]
    assert [state.tolist() for state in restored] == [[1]]


def test_a_non_finite_epoch_loss_fails_at_once(monkeypatch, tmp_path):
    team = get_team(TEAM)
    settings = team.settings("cpu", {"train": {"max_epochs": 3}})
    loss = type(team).loss
    monkeypatch.setattr(type(team), "loss", lambda *a: loss(*a) * float("inf"))
    with pytest.raises(FloatingPointError, match="noisy_chardonnay: epoch 1 ended with training"):
        team.fit(TRAIN, VAL, settings, FitContext(checkpoint_dir=tmp_path / "checkpoints"))
    assert not (tmp_path / "checkpoints" / "last.pt").exists()  # no checkpoint of the bad epoch


def test_madlab_redraws_a_network_that_runs_away(monkeypatch, caplog):
    team = get_team("madlab")
    settings = team.settings("cpu")
    verdicts = iter([True, True, False])
    monkeypatch.setattr(madlab, "runs_away", lambda model, length: next(verdicts))
    torch.manual_seed(5)
    with caplog.at_level(logging.INFO):
        chosen = team.build_model(settings)
    assert "initial draw 3 used (2 ran away)" in caplog.text
    monkeypatch.setattr(madlab, "runs_away", lambda model, length: False)
    torch.manual_seed(5)
    draws = [team.build_model(settings) for _ in range(3)]
    for name, value in chosen.state_dict().items():
        assert torch.equal(value, draws[2].state_dict()[name]), name
    monkeypatch.setattr(madlab, "runs_away", lambda model, length: True)
    with pytest.raises(RuntimeError, match=f"madlab: {madlab.MAX_DRAWS} initial draws in a row"):
        team.build_model(settings)


def test_a_real_runaway_is_seen():
    """runs_away itself: a network whose output is scaled far past RUNAWAY is one."""
    team = get_team("madlab")
    settings = team.settings("cpu")
    model = team.build_model(settings)
    length = settings["recipe"]["input_length"]
    assert not madlab.runs_away(model, length)
    with torch.no_grad():
        model.out.weight.mul_(1e6)
        model.out.bias.fill_(1e6)
    assert madlab.runs_away(model, length)

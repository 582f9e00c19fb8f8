"""Model files and checkpoints load with weights_only=True; an unreadable checkpoint is moved
next to the checkpoint folder and training starts afresh."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from promoterbench import training
from promoterbench.teams import get_team
from promoterbench.teams.base import FitContext
from test_teams import random_reads

TEAM = "noisy_chardonnay"  # the quickest torch team to train


def fit(checkpoints):
    team = get_team(TEAM)
    settings = team.settings("cpu", {"train": {"max_epochs": 1}})
    train, val = random_reads(300, 3), random_reads(60, 4)
    return team.fit(train, val, settings, FitContext(checkpoint_dir=checkpoints))


class Payload:
    """Unpickling this runs code: it writes ``path``."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def unreadable(checkpoint, tmp_path):
    """(kind, content, reason logged): the checkpoint cut short, and one whose unpickling would
    run code."""
    whole = checkpoint.read_bytes()
    unsafe = tmp_path / "unsafe.pt"
    torch.save({"epoch": 1, "model": Payload(tmp_path / "ran")}, unsafe)
    return [
        (
            "truncated",
            whole[: len(whole) // 2],
            "cannot be read (RuntimeError: PytorchStreamReader",
        ),
        ("unsafe", unsafe.read_bytes(), "it holds more than tensors and plain values"),
    ]


def test_an_unreadable_checkpoint_is_moved_aside_and_training_starts_afresh(tmp_path, caplog):
    checkpoints = tmp_path / "checkpoints"
    fresh = fit(checkpoints).history
    checkpoint = checkpoints / "last.pt"
    for kind, content, reason in unreadable(checkpoint, tmp_path):
        checkpoint.write_bytes(content)
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            again = fit(checkpoints).history
        assert f"{checkpoint} cannot be read (" in caplog.text and reason in caplog.text, kind
        aside = tmp_path / "checkpoints.last.pt.corrupt"
        assert f"moved it to {aside} (kept), training starts afresh" in caplog.text
        assert aside.read_bytes() == content
        assert again.drop(columns=["seconds", "samples_per_s"]).equals(
            fresh.drop(columns=["seconds", "samples_per_s"])
        ), kind
    assert not (tmp_path / "ran").exists()  # the unsafe checkpoint's code never ran


def test_a_checkpoint_holds_only_what_weights_only_loads(tmp_path):
    fit(tmp_path)
    saved = training.load(tmp_path / "last.pt")
    assert saved["epoch"] == 1 and saved["history"][0]["epoch"] == 1


def test_kmer_ridge_model_round_trips_through_a_safe_load(tmp_path):
    team = get_team("kmer_ridge")
    settings = team.settings("cpu", {"model": {"k": 3}})
    train, val = random_reads(600, 1), random_reads(100, 2)
    fitted = team.fit(train, val, settings, FitContext())
    torch.save({"team": team.name, "settings": settings, "state": fitted.state}, tmp_path / "m.pt")
    saved = training.load(tmp_path / "m.pt")
    np.testing.assert_array_equal(
        team.predict(saved["state"], val.sequence, saved["settings"], FitContext()),
        team.predict(fitted.state, val.sequence, settings, FitContext()),
    )


def test_an_unsafe_model_file_is_refused_naming_it(tmp_path):
    torch.save({"team": "kmer_ridge", "state": Payload(tmp_path / "ran")}, tmp_path / "model.pt")
    with pytest.raises(training.UnreadableFile) as err:
        training.load(tmp_path / "model.pt")
    assert str(err.value).startswith(f"{tmp_path / 'model.pt'} cannot be read (UnpicklingError")
    assert not (tmp_path / "ran").exists()

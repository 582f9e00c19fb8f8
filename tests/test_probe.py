"""The common probe: simulated apart from the training reads, measured without touching training,
and the "still learning" flag read off its curve."""

from __future__ import annotations

import filecmp

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import SMALL_SIZES
from promoterbench import formats
from promoterbench.probe import Probe, last_quarter_rise, still_learning
from promoterbench.simulate import PROBE_FILE, write_world
from promoterbench.simulate.design import CategorySizes
from promoterbench.teams import get_team
from promoterbench.teams.base import FitContext, Reads


def test_the_probe_is_extra_reads_of_the_same_world_and_leaves_the_training_file_alone(tmp_path):
    sizes = CategorySizes(**SMALL_SIZES)
    write_world(tmp_path / "none", seed=5, train_reads=2000, sizes=sizes, probe_reads=0)
    write_world(tmp_path / "some", seed=5, train_reads=2000, sizes=sizes, probe_reads=1500)
    train = [tmp_path / d / "train_sequences.txt" for d in ("none", "some")]
    assert filecmp.cmp(*train, shallow=False)
    probe = Probe.read(tmp_path / "some" / PROBE_FILE, points=20)
    assert len(probe.labels) == 1500
    sequences, _ = formats.read_official_txt(train[1])
    assert not set(probe.sequences.to_pylist()) & set(sequences.to_pylist())
    # measured labels are a noisy read-out of the noise-free expression, as the training labels
    assert 0.5 < probe.ceiling() < 0.99


def test_measuring_the_probe_changes_nothing_in_training():
    team = get_team("camformers")
    settings = team.settings("cpu", {"train": {"batch_size": 32, "max_epochs": 2}})
    reads, other = Reads.random(300, seed=1), Reads.random(60, seed=2)
    rng = np.random.default_rng(0)
    probe = Probe(other.sequence, other.expression, other.expression + rng.normal(size=60), 4)
    val = reads.take(np.arange(40))
    measured = team.fit(reads, val, settings, FitContext(probe=probe))
    plain = team.fit(reads, val, settings, FitContext())
    assert measured.history["train_loss"].tolist() == plain.history["train_loss"].tolist()
    for name, tensor in plain.state["model"].items():
        assert torch.equal(tensor, measured.state["model"][name]), name
    # 2 epochs of 9 steps: measured every ceil(18 / 4) = 5 steps and at the end
    assert measured.probe["steps"].tolist() == [5, 10, 15, 18]
    assert measured.probe[["probe_r", "probe_r_truth"]].notna().all().all()
    assert plain.probe.empty


def curve(steps, r):
    return pd.DataFrame({"steps": steps, "probe_r": r, "probe_r_truth": r})


def test_still_learning_is_a_rise_over_the_last_quarter_of_the_steps():
    steps = [10, 20, 30, 40, 50, 60, 70, 80]
    rising = curve(steps, [0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.53])
    assert last_quarter_rise(rising) == pytest.approx(0.53 - 0.45)  # from step 60 = 0.75 × 80
    assert still_learning(rising, 0.01) is True
    assert still_learning(rising, 0.1) is False
    flat = curve(steps, [0.1, 0.3, 0.4, 0.45, 0.5, 0.5, 0.505, 0.5])
    assert still_learning(flat, 0.01) is False
    assert still_learning(curve([80], [0.5]), 0.01) is None
    assert still_learning(curve([], []), 0.01) is None

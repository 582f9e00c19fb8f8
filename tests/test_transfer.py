"""Batches onto the device: staged reads give the same batches as host copies; the one-hot table
is made once per device; torch.compile and the fused optimiser only where asked for."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from promoterbench import transfer
from promoterbench.teams import REGISTRY, get_team
from promoterbench.teams.base import FitContext, Reads
from promoterbench.teams.torch_team import one_hot, one_hot_table
from promoterbench.training import Trainer

TORCH_TEAMS = [n for n in sorted(REGISTRY) if n != "kmer_ridge"]
CPU = torch.device("cpu")


def encoded(team, settings, n=64):
    data = team.encode(Reads.random(n, 1), settings)
    return data, team.fit_target(data, data, settings)


@pytest.mark.parametrize("name", TORCH_TEAMS)
def test_batches_gathered_from_staged_reads_equal_the_host_copies(name):
    """Staging (CUDA only in training) gathers on the device what the host path copies: the same
    inputs and targets bit for bit; here staged on the CPU."""
    team = get_team(name)
    settings = team.settings("cpu")
    host, params = encoded(team, settings)
    staged, _ = encoded(team, settings)
    transfer.stage(staged, CPU)
    assert set(staged.staged) == {"codes", "target"}
    idx = np.random.default_rng(2).permutation(len(host))[:16]

    def same(a, b):
        if isinstance(a, tuple):
            return all(same(x, y) for x, y in zip(a, b, strict=True))
        return a.dtype == b.dtype and torch.equal(a, b)

    assert same(team.inputs(staged, idx, CPU, settings), team.inputs(host, idx, CPU, settings))
    assert same(team.targets(staged, idx, params, CPU), team.targets(host, idx, params, CPU))


def test_staging_takes_a_quarter_of_the_gpu_memory_a_step_leaves_at_most(monkeypatch):
    team = get_team("camformers")
    data = team.encode(Reads.random(1000, 1), team.settings("cpu"))
    size = transfer.staged_bytes(data)
    assert size == data.codes.nbytes + data.target.nbytes == 1000 * (110 + 4)
    assert not transfer.should_stage(data, CPU, 0.0)  # the reads are in host memory already
    cuda, step_mb = torch.device("cuda"), 100.0
    free = step_mb * 2**20 + 4 * size  # no GPU needed: the free memory is what this says
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device: (free, 0))
    assert transfer.should_stage(data, cuda, step_mb)
    assert not transfer.should_stage(data, cuda, step_mb + 0.01)


def test_the_one_hot_table_is_made_once_per_device():
    codes = torch.tensor([[0, 1, 2, 3, 4]])
    one_hot_table.cache_clear()  # earlier tests may have made this table already
    first, second = one_hot(codes, 0.25, "AGCT"), one_hot(codes, 0.25, "AGCT")
    after = one_hot_table.cache_info()
    assert (after.misses, after.hits) == (1, 1)
    assert torch.equal(first, second) and first[0, :, 4].tolist() == [0.25] * 4
    assert one_hot_table(0.25, "AGCT", CPU) is one_hot_table(0.25, "AGCT", CPU)


def test_the_speed_ups_are_off_unless_asked_for():
    for name in TORCH_TEAMS:
        train = get_team(name).settings("paper")["train"]
        assert train["compile"] is False and train["fused_optimizer"] is False, name
    team = get_team("camformers")
    data, _ = encoded(team, team.settings("cpu"))
    state = Trainer(team, team.settings("cpu"), FitContext()).setup(data, data)
    assert state.forward is state.model and not state.optimizer.defaults.get("fused")


def small(name, **train):
    team = get_team(name)
    limits = {"batch_size": 16, "max_epochs": 1, "max_steps": 4}
    return team, team.settings("cpu", {"train": limits | train})


@pytest.mark.parametrize("name", ["camformers", "noisy_chardonnay", "autosome", "wan_barton"])
def test_the_fused_optimiser_is_used_when_asked_for(name):
    team, settings = small(name, fused_optimizer=True)
    fitted = team.fit(Reads.random(120, 1), Reads.random(40, 2), settings, FitContext())
    assert fitted.history["epoch"].tolist() == [1]
    assert np.isfinite(fitted.history[["train_loss", "val_loss"]].to_numpy(float)).all()
    data, _ = encoded(team, settings)
    state = Trainer(team, settings, FitContext()).setup(data, data)
    assert state.optimizer.defaults["fused"] is True


def test_a_fused_optimiser_where_there_is_none_is_refused_naming_it():
    team, settings = small("madlab", fused_optimizer=True)
    data, _ = encoded(team, settings)
    with pytest.raises(ValueError, match=r"madlab: train.fused_optimizer .*\(RMSprop\) has no"):
        Trainer(team, settings, FitContext()).setup(data, data)


def test_compile_trains_through_the_compiled_forward_and_saves_the_modules_weights(monkeypatch):
    """torch.compile itself takes minutes on these CPUs: here it is replaced by a wrapper that
    counts the calls; benchmarks/gpu_check.sh times the real one on a GPU."""
    calls = []

    class Compiled(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, x):
            calls.append(len(x))
            return self.model(x)

    monkeypatch.setattr(torch, "compile", Compiled)
    team, settings = small("camformers", compile=True, max_steps=3)
    fitted = team.fit(Reads.random(120, 1), Reads.random(40, 2), settings, FitContext())
    assert calls == [16, 16, 16]  # the training steps; validation runs the module itself
    plain = team.build_model(settings).state_dict()
    assert fitted.state["model"].keys() == plain.keys()


@pytest.mark.parametrize("name", ["camformers", "unlock_dna", "autosome"])
def test_training_on_staged_reads_ends_bit_identical(name, monkeypatch, caplog):
    """The trainer's staging path, taken on the CPU here: the same losses and weights."""
    team, settings = small(name, max_epochs=2, max_steps=None, steps_per_epoch=3)
    train, val = Reads.random(64, 1), Reads.random(32, 2)
    plain = team.fit(train, val, settings, FitContext())
    monkeypatch.setattr(transfer, "should_stage", lambda data, device, step_mb: True)
    with caplog.at_level("INFO"):
        staged = team.fit(train, val, settings, FitContext())
    assert "training reads staged on cpu" in caplog.text
    assert "validation reads staged on cpu" in caplog.text
    columns = ["steps", "train_loss", "val_loss", "val_pearson_r"]
    assert len(plain.history) == 2 and plain.history[columns].equals(staged.history[columns])
    for key, tensor in plain.state["model"].items():
        assert torch.equal(tensor, staged.state["model"][key]), key

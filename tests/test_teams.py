"""Teams: published sizes, data recipes on crafted reads, encodings, and that they learn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import torch

from promoterbench import filters
from promoterbench import sequences as sq
from promoterbench.settings import SettingsError
from promoterbench.teams import REGISTRY, get_team
from promoterbench.teams.base import FitContext, Reads

PAPER_PARAMS = {"camformers": 16_611_073}


@pytest.mark.parametrize("name", sorted(PAPER_PARAMS))
def test_paper_scale_has_the_published_parameter_count(name):
    team = get_team(name)
    assert team.n_params(team.settings("paper")) == PAPER_PARAMS[name]


def crafted_meta(rows):
    """rows: (length, n_count, expression)."""
    frame = pd.DataFrame(rows, columns=["length", "n_count", "expression"])
    frame.insert(0, "read_id", np.arange(1, len(rows) + 1))
    frame["is_integer"] = frame["expression"] == np.floor(frame["expression"])
    return frame


def test_camformers_recipe_keeps_exactly_the_documented_reads():
    team = get_team("camformers")
    meta = crafted_meta([
        (110, 0, 11), (107, 3, 9.5), (113, 0, 4), (106, 0, 8), (114, 1, 2),
        (110, 4, 12), (120, 5, 3), (87, 0, 7),
    ])  # fmt: skip
    reason = team.select(meta, team.settings("paper"), np.random.default_rng(0))
    assert reason.tolist() == [
        "", "", "", "length outside 107-113", "length outside 107-113",
        "more than 3 N", "more than 3 N", "length outside 107-113",
    ]  # fmt: skip


def test_camformers_pads_3_prime_with_n_and_keeps_the_first_110_nt():
    team = get_team("camformers")
    settings = team.settings("paper")
    short = "A" * 108
    long = "C" * 110 + "GG"
    codes = team.encode_sequences(pa.array([short, long]), settings)
    assert codes.shape == (2, 110)
    assert sq.decode(codes) == ["A" * 108 + "NN", "C" * 110]


def test_subsampling_and_split_are_seeded_and_exact():
    reason = filters.reasons(1000)
    filters.subsample(reason, 300, np.random.default_rng(1))
    assert (reason == filters.KEPT).sum() == 300
    again = filters.subsample(filters.reasons(1000), 300, np.random.default_rng(1))
    assert (again == reason).all()
    fold = filters.random_split(300, 0.1, np.random.default_rng(2))
    assert (fold == "val").sum() == 30


def test_overrides_only_accept_existing_settings():
    team = get_team("camformers")
    assert team.settings("cpu", {"train": {"lr": 0.002}})["train"]["lr"] == 0.002
    with pytest.raises(
        SettingsError, match="teams.camformers: unknown setting 'train.learning_rate'"
    ):
        team.settings("cpu", {"train": {"learning_rate": 0.002}})
    with pytest.raises(SettingsError, match="unknown scale"):
        team.settings("huge")


def random_reads(n, seed=0, motif="TTACCCGG"):
    """Reads whose label counts a motif: a learnable signal."""
    rng = np.random.default_rng(seed)
    codes = sq.random_codes(rng, (n, 110))
    seqs = sq.decode(codes)
    y = np.array([s.count(motif) * 3.0 + s.count("GGGG") for s in seqs]) + rng.normal(0, 0.3, n)
    return Reads(
        read_id=np.arange(n), sequence=pa.array(seqs), expression=y, is_integer=np.zeros(n, bool),
        length=np.full(n, 110), n_count=np.zeros(n, int),
    )  # fmt: skip


def test_kmer_ridge_recovers_a_kmer_signal():
    team = get_team("kmer_ridge")
    settings = team.settings("cpu", {"model": {"k": 4}})
    train, val = random_reads(3000, 1, motif="ACGT"), random_reads(500, 2, motif="ACGT")
    fitted = team.fit(train, val, settings, FitContext())
    pred = team.predict(fitted.state, val.sequence, settings, FitContext())
    assert np.corrcoef(pred, val.expression)[0, 1] > 0.9
    assert fitted.history["val_pearson_r"].max() > 0.9


@pytest.mark.parametrize("name", [n for n in sorted(REGISTRY) if n != "kmer_ridge"])
def test_torch_team_overfits_a_fixed_batch(name):
    team = get_team(name)
    settings = team.settings("cpu")
    torch.manual_seed(0)
    reads = random_reads(64, motif="GG")  # labels vary from read to read
    data = team.encode(reads, settings)
    model = team.build_model(settings)
    params = team.fit_target(data)
    optimizer = team.optimizer(model, settings["train"])
    idx = np.arange(len(data))
    losses = []
    model.train()
    cpu = torch.device("cpu")
    for _ in range(40):
        output = model(team.inputs(data, idx, cpu))
        loss = team.loss(output, team.targets(data, idx, params, cpu))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize("name", [n for n in sorted(REGISTRY) if n != "kmer_ridge"])
def test_torch_team_trains_one_epoch_and_predicts(name, tmp_path):
    team = get_team(name)
    settings = team.settings("cpu", {"train": {"max_epochs": 1}})
    train, val = random_reads(600, 3), random_reads(100, 4)
    fitted = team.fit(train, val, settings, FitContext(checkpoint_dir=tmp_path))
    assert list(fitted.history["epoch"]) == [1]
    assert np.isfinite(fitted.history[["train_loss", "val_loss", "val_pearson_r"]].to_numpy()).all()
    pred = team.predict(fitted.state, val.sequence, settings, FitContext())
    assert pred.shape == (100,) and np.isfinite(pred).all()

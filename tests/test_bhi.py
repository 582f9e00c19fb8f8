"""BHI (DeepGXP): vector fill, strands, target, schedule, shift TTA and post-processing."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pyarrow as pa
import pytest
import torch
from scipy import stats
from torch import nn

from conftest import RAW, needs_shared
from promoterbench import sequences as sq
from promoterbench import training
from promoterbench.teams import get_team
from promoterbench.teams.base import FitContext, Reads
from promoterbench.teams.bhi import (
    VECTOR_3,
    VECTOR_5,
    Conjoined,
    fill_sides,
    filled,
    postprocess,
    shifted,
)
from promoterbench.teams.torch_team import one_hot
from promoterbench.training import Trainer

# data.py's vectors and infer_txt's shift scaffolds, as the team wrote them
TEAM_LEFT = "GCTAGCAGGAATGATGCAAAAGGTTCCCGATTCGAAC"
TEAM_RIGHT = "TCTTAATTAAAAAAAGATAGAAAACATTAGGAGTGTAACACAAGACTTTCGGATCCTGAGCAGGCAAGATAAACGA"
CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def team():
    return get_team("bhi")


def reads(seqs: list[str], labels=None) -> Reads:
    n = len(seqs)
    labels = np.arange(n, dtype=float) if labels is None else np.asarray(labels, float)
    return Reads(read_id=np.arange(n), sequence=pa.array(seqs), expression=labels,
                 is_integer=np.zeros(n, bool), length=np.array([len(s) for s in seqs]),
                 n_count=np.array([s.count("N") for s in seqs]))  # fmt: skip


def test_vectors_are_the_teams_and_the_plasmids():
    assert VECTOR_3 == TEAM_RIGHT
    assert VECTOR_5.endswith(TEAM_LEFT)


@needs_shared()
def test_vectors_flank_the_insert_in_the_plasmid():
    plasmid = json.loads((RAW / "plasmid.json").read_text())
    insert = plasmid.index("N" * 80)
    assert plasmid[insert - len(sq.FLANK5) - len(VECTOR_5) : insert] == VECTOR_5 + sq.FLANK5
    after = plasmid[insert + 80 :]
    assert after.startswith(sq.FLANK3 + VECTOR_3)


def test_fill_sides_follow_the_teams_draw():
    length = np.array([103] * 30_000 + [110, 125])
    left = fill_sides(length, 110, np.random.default_rng(5))
    assert left[-2:].tolist() == [0, 0]  # nothing to fill
    counts = {side: np.mean(left[:-2] == n) for side, n in (("3'", 0), ("5'", 7), ("both", 3))}
    assert sum(counts.values()) == pytest.approx(1)
    # u < 0.333 -> 3'; else a second u > 0.666 -> 5'; else both
    assert counts["3'"] == pytest.approx(0.333, abs=0.012)
    assert counts["5'"] == pytest.approx(0.667 * 0.334, abs=0.012)
    assert counts["both"] == pytest.approx(0.667 * 0.666, abs=0.012)
    again = fill_sides(length, 110, np.random.default_rng(5))
    assert np.array_equal(left, again)


def test_short_reads_are_filled_with_vector_and_long_reads_keep_110(team):
    read = "ACGTN" * 20 + "GAT"  # 103 nt: 7 to fill
    long = "C" * 110 + "GG"
    settings = team.settings("paper")
    data = team.encode(reads([read, read, read, long]), settings)
    data.extras["left"] = np.array([0, 7, 3, 0])
    codes = filled(data.codes, data.extras["length"], data.extras["left"], 110)
    assert sq.decode(codes) == [
        read + TEAM_RIGHT[:7],
        TEAM_LEFT[-7:] + read,
        TEAM_LEFT[-3:] + read + TEAM_RIGHT[:4],  # the 3' side gets the larger half
        "C" * 110,
    ]
    x = team.inputs(data, np.arange(4), CPU, settings)
    assert x.shape == (4, 4, 110)
    assert x[0, :, 4].tolist() == [0, 0, 0, 0]  # N
    assert x[0, :, 0].tolist() == [1, 0, 0, 0]  # A


def test_every_epoch_redraws_the_fill_from_the_trainers_generator(team):
    settings = team.settings("cpu", {"train": {"batch_size": 4}})
    data = team.encode(reads(["ACGT" * 25] * 64), settings)  # 100 nt: 10 to fill
    first = team.batches(data, settings, np.random.default_rng(1))
    left1 = data.extras["left"].copy()
    team.batches(data, settings, np.random.default_rng(2))
    assert not np.array_equal(left1, data.extras["left"])
    again = team.batches(data, settings, np.random.default_rng(1))
    assert np.array_equal(left1, data.extras["left"])
    assert len(first) == len(again) == 64 // 4
    assert all(np.array_equal(a, b) for a, b in zip(first, again))


def test_a_resumed_run_ends_bit_identical(team, tmp_path, monkeypatch):
    settings = team.settings(
        "cpu",
        {
            "model": {"channels": 8, "lstm_units": 4, "dense": [8]},
            "train": {"batch_size": 16, "max_epochs": 2},
        },
    )
    rng = np.random.default_rng(0)
    seqs = [sq.decode(sq.random_codes(rng, (1, int(n))))[0] for n in rng.integers(95, 115, 64)]
    train = reads(seqs, rng.normal(11, 2, 64))
    save = training.Trainer._checkpoint

    def keep_first(self, state, key):
        save(self, state, key)
        if state.epoch == 1:
            shutil.copy(tmp_path / "whole" / "last.pt", tmp_path / "epoch1.pt")

    monkeypatch.setattr(training.Trainer, "_checkpoint", keep_first)
    whole = team.fit(train, reads([]), settings, FitContext(checkpoint_dir=tmp_path / "whole"))
    monkeypatch.undo()
    (tmp_path / "resumed").mkdir()
    shutil.copy(tmp_path / "epoch1.pt", tmp_path / "resumed" / "last.pt")
    resumed = team.fit(train, reads([]), settings, FitContext(checkpoint_dir=tmp_path / "resumed"))
    assert len(resumed.history) == 2
    for name, tensor in whole.state["model"].items():
        assert torch.equal(tensor, resumed.state["model"][name]), name


def test_both_strands_and_the_mean_of_their_huber_losses(team):
    settings = team.settings("cpu")
    model = team.build_model(settings).eval()
    data = team.encode(reads(["ACGGT" * 22, "TTGCA" * 22]), settings)
    with torch.no_grad():
        out = model(team.inputs(data, np.arange(2), CPU, settings))
        rc = one_hot(torch.from_numpy(sq.reverse_complement(data.codes)))
        assert torch.allclose(out[:, 1:], model.net(rc), atol=1e-6)
    target = torch.tensor([0.3, -4.0])  # one residual beyond δ = 1: the linear part counts
    huber = nn.HuberLoss(delta=1.0)
    expected = (huber(out[:, 0], target) + huber(out[:, 1], target)) / 2
    assert team.loss(out, target, settings) == pytest.approx(float(expected), rel=1e-6)
    params = {"center": 11.0, "std": 2.0}
    assert torch.allclose(team.prediction(out, params), out.mean(1) * 2 + 11)


def test_target_is_centred_on_bin_11_and_scaled_by_the_training_sd(team):
    settings = team.settings("cpu")
    train = team.encode(reads(["A" * 110] * 4, [8.0, 11.0, 12.0, 15.0]), settings)
    val = team.encode(reads(["A" * 110] * 2, [0.0, 17.0]), settings)
    params = team.fit_target(train, val, settings)
    sd = np.std([8.0, 11.0, 12.0, 15.0])  # population SD, training labels only
    y = team.targets(train, np.arange(4), params, CPU)
    np.testing.assert_allclose(y.numpy(), (np.array([8, 11, 12, 15]) - 11) / sd, rtol=1e-6)


def test_cosine_schedule_reaches_zero_at_the_last_step(team):
    settings = team.settings("paper")
    optimizer = team.optimizer(nn.Linear(2, 1), settings)
    assert isinstance(optimizer, torch.optim.AdamW)
    assert optimizer.defaults["lr"] == 1.5e-3 and optimizer.defaults["weight_decay"] == 0.01
    scheduler, step_on = team.scheduler(optimizer, settings, steps_per_epoch=4)
    assert step_on == "batch"
    lrs = []
    for _ in range(15 * 4):
        optimizer.step()
        scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
    assert lrs[29] == pytest.approx(1.5e-3 / 2)
    assert lrs[-2] > 0 and lrs[-1] == pytest.approx(0.0, abs=1e-12)


def test_postprocess_is_the_teams_normal_cdf():
    z = np.array([-2.0, 0.0, 0.062, 1.5])
    expected = stats.norm.cdf(z, loc=0.06201038511068657, scale=1)
    np.testing.assert_allclose(postprocess(z), expected, rtol=1e-12)


class Recorder(nn.Module):
    """A fixed linear read-out that keeps every input it sees."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.randn(4, 110, generator=torch.Generator().manual_seed(0))
        self.seen: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append(x.clone())
        return (x * self.weight).sum((1, 2))[:, None]


def infer_shift(seq: str, shift: int) -> str:
    """infer_txt.py's DDPDatasetShift._get_shifted_sequence."""
    if shift < 0:
        return "CGATTCGAAC"[shift:] + seq[:shift]
    return seq[shift:] + "TCTTAATTAA"[:shift]


def test_a_short_read_is_shifted_within_its_length_then_filled():
    read = "ACGTTGCA" * 13 + "AC"  # 106 nt
    length = np.array([len(read)])
    for shift in range(-2, 3):
        moved = shifted(sq.encode([read], 112), length, shift)
        codes = filled(moved, length, np.array([0]), 110)  # 3' fill after the shifted read
        assert sq.decode(codes) == [infer_shift(read, shift) + TEAM_RIGHT[:4]], shift


def test_test_time_averages_five_shifts_and_their_reverse_complements(team):
    settings = team.settings("cpu")
    rng = np.random.default_rng(3)
    seqs = sq.decode(sq.random_codes(rng, (1, 110))) + sq.decode(sq.random_codes(rng, (1, 112)))
    recorder = Recorder()
    model = Conjoined(recorder)
    params = {"center": 11.0, "std": 2.0}
    trainer = Trainer(team, settings, FitContext())
    pred = team.predict_encoded(trainer, model, team.encode_test(pa.array(seqs), settings), params)
    assert len(recorder.seen) == 10  # one batch per view, forward then reverse complement
    outputs = []
    for i, shift in enumerate(range(-2, 3)):
        views = sq.encode([infer_shift(s, shift)[:110] for s in seqs], 110)
        forward = one_hot(torch.from_numpy(views))
        backward = one_hot(torch.from_numpy(sq.reverse_complement(views)))
        assert torch.equal(recorder.seen[2 * i], forward), shift
        assert torch.equal(recorder.seen[2 * i + 1], backward), shift
        outputs += [recorder(forward), recorder(backward)]
    z = torch.cat(outputs, dim=1).mean(1).numpy()
    expected = stats.norm.cdf(z, loc=0.06201038511068657, scale=1)
    np.testing.assert_allclose(pred, expected, rtol=1e-5)

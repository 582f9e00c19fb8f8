"""Recipe details checked against the teams' submitted code: training passes, sampling across
"epochs", N encoding, read selection, Keras initialisers."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import torch
import torch.nn.functional as F

from conftest import SHARED, needs_shared
from promoterbench import sequences as sq
from promoterbench import training
from promoterbench.sampling import PassStream
from promoterbench.teams import get_team
from promoterbench.teams.base import FitContext, Reads
from promoterbench.teams.madlab import MultiScaleNet
from promoterbench.teams.torch_team import variance_scaling_
from test_teams import random_reads


def test_wan_barton_passes_follow_faithful_to_and_the_users_own_value_wins():
    team = get_team("wan_barton")
    passes = {f: team.settings("paper", {"faithful_to": f})["train"]["max_epochs"]
              for f in ("code", "report")}  # fmt: skip
    assert passes == {"code": 131, "report": 101}  # range(130 + 1); report's 100 epochs, 0..100
    assert team.settings("paper")["train"]["max_epochs"] == 131  # the default is the code
    assert team.settings("cpu", {"faithful_to": "report"})["train"]["max_epochs"] == 3
    chosen = team.settings("paper", {"faithful_to": "report", "train": {"max_epochs": 7}})
    assert chosen["train"]["max_epochs"] == 7


def counts(batches: list[np.ndarray], n: int) -> np.ndarray:
    return np.bincount(np.concatenate(batches), minlength=n)


def test_the_loader_stream_runs_on_across_epochs_as_autosomes_dataloader_wrapper():
    """30 reads, batch 8: a pass is 8+8+8+6; the slot on which a pass runs out yields nothing."""
    stream = PassStream(30, np.random.default_rng(0))
    epochs = [stream.batches(6, 8, "loader") for _ in range(5)]  # 30 slots
    assert [len(b) for epoch in epochs for b in epoch] == [8, 8, 8, 6] * 6
    assert [len(e) for e in epochs] == [5, 5, 5, 5, 4]  # slots 5, 10, …, 30 restart the loader
    flat = [b for epoch in epochs for b in epoch]
    for p in range(6):  # every pass is a permutation of the reads
        assert sorted(np.concatenate(flat[4 * p : 4 * p + 4]).tolist()) == list(range(30))


def test_the_straddling_stream_is_tf_datas_repeat_then_batch():
    stream = PassStream(30, np.random.default_rng(0))
    batches = [b for _ in range(3) for b in stream.batches(5, 8, "straddle")]  # 120 = 4 passes
    assert [len(b) for b in batches] == [8] * 15
    flat = np.concatenate(batches)
    for p in range(4):
        assert sorted(flat[30 * p : 30 * (p + 1)].tolist()) == list(range(30))


def test_autosome_sees_every_read_once_per_pass_across_its_short_epochs():
    """Fresh permutations every epoch left reads unseen or seen often; one stream sees every read
    once per pass."""
    team = get_team("autosome")
    settings = team.settings("cpu", {"train": {"batch_size": 10, "steps_per_epoch": 7}})
    data = training.Encoded(np.zeros((97, 1), np.uint8), np.zeros(97, np.float32))
    stream = PassStream(len(data), np.random.default_rng(1))
    seen = counts([b for _ in range(9) for b in team.batches(data, settings, None, stream)], 97)
    # a pass is 10 batches (9 × 10 + 7) and a restart: 63 slots = 5 passes and 8 batches more
    assert set(seen.tolist()) == {5, 6} and (seen == 6).sum() == 80


def test_a_stream_restored_from_its_state_draws_the_same_batches():
    rng = np.random.default_rng(5)
    stream = PassStream(23, rng)
    stream.batches(4, 8, "loader")  # mid-pass
    saved, rng_state = stream.state_dict(), rng.bit_generator.state
    expected = stream.batches(9, 8, "loader")
    rng2 = np.random.default_rng(0)
    rng2.bit_generator.state = rng_state
    restored = PassStream(23, rng2)
    restored.load_state_dict(saved)
    assert [b.tolist() for b in restored.batches(9, 8, "loader")] == [b.tolist() for b in expected]


class Killed(Exception):
    pass


@contextlib.contextmanager
def killed_after_epoch(monkeypatch: pytest.MonkeyPatch, epoch: int) -> Iterator[None]:
    """Within: training checkpoints as usual and then dies (:class:`Killed`) once ``epoch`` ends,
    as a killed job would; afterwards checkpoints are saved as usual again."""
    save = training.Trainer._checkpoint

    def dies_after_epoch(self, state, key):
        save(self, state, key)
        if state.epoch == epoch:
            raise Killed

    monkeypatch.setattr(training.Trainer, "_checkpoint", dies_after_epoch)
    with pytest.raises(Killed):
        yield
    monkeypatch.setattr(training.Trainer, "_checkpoint", save)


def test_autosome_resumed_mid_pass_ends_bit_identical(tmp_path, monkeypatch):
    team = get_team("autosome")
    # 260 reads → 520 strands, batch 64: a pass is 9 batches (8 + a short one); 4-batch epochs
    settings = team.settings("cpu", {"recipe": {"max_reads": None},
                                     "train": {"batch_size": 64, "steps_per_epoch": 4, "max_epochs": 5}})  # fmt: skip
    train = random_reads(260, 3)
    whole = team.fit(
        train, train.take(np.arange(0)), settings, FitContext(checkpoint_dir=tmp_path / "a")
    )

    with killed_after_epoch(monkeypatch, 3):
        team.fit(
            train, train.take(np.arange(0)), settings, FitContext(checkpoint_dir=tmp_path / "b")
        )
    assert training.load(tmp_path / "b" / "last.pt")["stream"]["position"] not in (0, 520)
    resumed = team.fit(
        train, train.take(np.arange(0)), settings, FitContext(checkpoint_dir=tmp_path / "b")
    )
    assert resumed.history["train_loss"].tolist() == whole.history["train_loss"].tolist()
    for name, tensor in whole.state["model"].items():
        assert torch.equal(tensor, resumed.state["model"][name]), name


def team_seq2tensor(sequence: str) -> torch.Tensor:
    """autosome's Seq2Tensor as submitted (train.py): 0.25 written into an integer one-hot."""
    codes = {"A": 0, "T": 3, "G": 1, "C": 2, "N": 4}
    code = F.one_hot(torch.tensor([codes[b] for b in sequence]), num_classes=5)
    code[code[:, 4] == 1] = 0.25
    return code[:, :4].float().transpose(0, 1)


def test_autosome_code_inputs_equal_the_teams_seq2tensor_with_n():
    team = get_team("autosome")
    settings = team.settings("paper")
    read = sq.FLANK5 + "ACGTN" * 16 + sq.FLANK3
    reads = Reads(np.arange(1), pa.array([read]), np.array([7.0]), np.array([True]),
                  np.array([len(read)]), np.array([16]))  # fmt: skip
    x = team.inputs(team.encode(reads, settings), np.arange(1), torch.device("cpu"), settings)
    context = (sq.PLASMID_UPSTREAM + read[len(sq.FLANK5) :])[-150:]
    assert torch.equal(x[0, :4], team_seq2tensor(context))
    assert x[0, :4].sum(0).min() == 0  # N columns are all zeros


@needs_shared()
def test_noisy_chardonnays_read_count_fits_110_nt_without_n():
    """The report kept 5,511,002 of 6,739,258 reads; on the real rows, dropping reads with N too
    lands nearer that share than keeping them."""
    rows = pd.read_csv(SHARED / "train_subset.tsv", sep="\t", header=None, names=["seq", "e"])
    length, has_n = rows["seq"].str.len(), rows["seq"].str.contains("N")
    reported = 5_511_002 / 6_739_258
    share = {"110": (length == 110).mean(), "110 no N": ((length == 110) & ~has_n).mean()}
    assert abs(share["110 no N"] - reported) < abs(share["110"] - reported), share
    team = get_team("noisy_chardonnay")
    meta = pd.DataFrame({"read_id": np.arange(len(rows)), "length": length,
                         "n_count": rows["seq"].str.count("N"), "expression": rows["e"]})  # fmt: skip
    meta["is_integer"] = meta["expression"] % 1 == 0
    kept = team.select(meta, team.settings("paper"), np.random.default_rng(0)) == ""
    assert kept.mean() == pytest.approx(share["110 no N"])


def sd_of(init, shape, seed=0) -> float:
    torch.manual_seed(seed)
    return float(init(torch.empty(shape)).std())


def test_keras_he_normal_has_variance_two_over_fan_in_after_truncation():
    fan_in = 4 * 15
    sd = sd_of(lambda t: variance_scaling_(t, 2.0, fan_in), (200_000,))
    assert sd == pytest.approx(math.sqrt(2 / fan_in), rel=0.01)  # not 0.88 of it
    torch.manual_seed(0)
    draw = variance_scaling_(torch.empty(100_000), 2.0, fan_in)
    assert draw.abs().max() <= 2 * math.sqrt(2 / fan_in) / 0.87962566103423978


def test_madlab_initialisers_follow_keras_and_sonnet():
    team = get_team("madlab")
    settings = team.settings("paper", {"faithful_to": "report"})
    torch.manual_seed(0)
    net = MultiScaleNet(**settings["model"], length=110, trainable_transformer=True)
    conv = net.branches[0][0].weight  # he_normal: SD √(2 / fan-in)
    assert float(conv.detach().std()) == pytest.approx(math.sqrt(2 / (4 * conv.shape[2])), rel=0.05)
    lstm = net.forward_lstm.kernel  # he_normal, not Glorot
    assert float(lstm.detach().std()) == pytest.approx(math.sqrt(2 / lstm.shape[0]), rel=0.05)
    bias = torch.cat([b.attention.r_w_bias for b in net.blocks])  # Sonnet fan-in 1
    assert float(bias.detach().std()) == pytest.approx(math.sqrt(2), rel=0.2)

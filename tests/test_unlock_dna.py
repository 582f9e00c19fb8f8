"""Unlock_DNA: flank stripping and centring, both strands, patches, masking, schedule, clipping."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest
import torch
import torch.nn.functional as F

from promoterbench import sequences as sq
from promoterbench.teams import get_team
from promoterbench.teams.base import FitContext, Reads
from promoterbench.teams.unlock_dna import (
    MASK_CODE,
    ConformerBlock,
    KerasMultiHeadAttention,
    SwiGLUFeedForward,
    centred,
    noam,
)
from test_recipe_gaps import killed_after_epoch
from test_teams import crafted_meta

CPU = torch.device("cpu")
COMPLEMENT = str.maketrans("ACGTN", "TGCAN")


@pytest.fixture(scope="module")
def team():
    return get_team("unlock_dna")


def team_string(read: str, width: int = 100) -> str:
    """prepare_tfdatasets: ``str[17:]``, ``str[:-13]``, ``str.pad(side='both')`` (pandas pads
    with ``str.center``), then the Biopython reverse complement appended."""
    variable = read[17:][:-13]
    padded = variable.center(width, "N")
    return padded + padded.translate(COMPLEMENT)[::-1]


def test_select_drops_reads_whose_variable_part_is_over_100_nt(team):
    meta = crafted_meta([(130, 0, 1.0), (131, 0, 2.0), (142, 0, 3.0), (78, 2, 4.0), (110, 0, 5)])
    reason = team.select(meta, team.settings("paper"), np.random.default_rng(0))
    dropped = "variable part over 100 nt"
    assert reason.tolist() == ["", dropped, dropped, "", ""]


def test_inputs_are_the_teams_centred_strings_and_their_reverse_complements(team):
    rng = np.random.default_rng(3)
    reads = [sq.FLANK5 + "".join(rng.choice(list("ACGT"), n)) + sq.FLANK3
             for n in (80, 79, 100, 48, 63)]  # fmt: skip
    reads.append("GGGGGGGGGGGGGGGGG" + "ACGNT" * 10 + "CCCCCCCCCCCCC")  # cut by position
    settings = team.settings("paper")
    data = team.encode_test(pa.array(reads), settings)
    tokens = team.inputs(data, np.arange(len(reads)), CPU, settings)
    assert tokens.shape == (len(reads), 200) and tokens.dtype == torch.long
    assert sq.decode(tokens.numpy().astype(np.uint8)) == [team_string(r) for r in reads]


@pytest.mark.parametrize("width", [7, 8])
def test_centring_follows_str_center_for_odd_and_even_widths(width):
    reads = [sq.FLANK5 + "ACGTACG"[:n] + sq.FLANK3 for n in range(0, 8)]
    assert sq.decode(centred(pa.array(reads), width)) == [
        r[17:][:-13].center(width, "N") for r in reads
    ]


def test_a_longer_test_sequence_keeps_its_central_100_nt():
    variable = "A" * 5 + "C" * 100 + "G" * 6  # 111 nt: 5 cut before, 6 after
    assert sq.decode(centred(pa.array([sq.FLANK5 + variable + sq.FLANK3]), 100)) == ["C" * 100]


def test_patch_embedding_is_keras_extract_patches_then_dense(team):
    """``extract_patches`` (10-mers, stride 1, 'SAME': 4 before, 5 after, zeros outside) flattened
    position-major, then a Dense — what the k-mer convolution computes."""
    model = team.build_model(team.settings("cpu"))
    tokens = torch.from_numpy(np.random.default_rng(0).integers(0, 6, (2, 200)))
    onehot = F.one_hot(tokens, 6).float().numpy()
    padded = np.pad(onehot, ((0, 0), (4, 5), (0, 0)))
    patches = np.stack([padded[:, i : i + 10].reshape(2, 60) for i in range(200)], axis=1)
    weight = model.kmers.weight.detach().numpy()  # (d, 6, 10)
    kernel = weight.transpose(2, 1, 0).reshape(60, -1)  # Keras (positions · channels, d)
    expected = patches @ kernel + model.kmers.bias.detach().numpy()
    got = model.kmers(torch.from_numpy(onehot).transpose(1, 2)).transpose(1, 2)
    np.testing.assert_allclose(got.detach().numpy(), expected, rtol=1e-5, atol=1e-5)


def test_attention_heads_are_key_dim_wide_as_keras_builds_them():
    torch.manual_seed(0)
    mha = KerasMultiHeadAttention(8, heads=3, key_dim=8)
    x = torch.randn(2, 5, 8)
    q, k, v = (p(x).view(2, 5, 3, 8) for p in mha.qkv)  # 3 heads of 8, not of 8 / 3
    scores = torch.einsum("bqhd,bkhd->bhqk", q / math.sqrt(8), k).softmax(-1)
    expected = mha.out(torch.einsum("bhqk,bkhd->bqhd", scores, v).reshape(2, 5, 24))
    torch.testing.assert_close(mha(x), expected)
    # glorot_uniform with Keras' fans of the (d, heads, key) and (heads, key, d) kernels
    assert mha.qkv[0].weight.shape == (24, 8)
    for weight, limit in [(mha.qkv[0].weight, math.sqrt(6 / (3 * 8 + 8 * 8))),
                          (mha.out.weight, math.sqrt(6 / (8 * 3 + 8 * 3)))]:  # fmt: skip
        assert limit * 0.9 < weight.abs().max() <= limit


def swiglu_reference(f: SwiGLUFeedForward, h: torch.Tensor) -> torch.Tensor:
    """The team's SwiGLU feed-forward written out (no dropout): Dense(4d) on LN h, halves
    out × SiLU(gate), Dense(d)."""
    out, gate = f.up(f.norm(h)).chunk(2, dim=-1)
    return f.down(out * F.silu(gate))


def test_the_conformer_block_computes_the_teams_call():
    """x += ½ FFN; x += conv(LN x) (no second residual of LN x, unlike Prix Fixe's port);
    x = LN x; x += MHA; x += ½ FFN."""
    torch.manual_seed(0)
    block = ConformerBlock(16, 5, 0.0, 2).eval()
    x = torch.randn(2, 9, 16)

    h = x + 0.5 * swiglu_reference(block.ff1, x)
    n = block.conv_norm(h).transpose(1, 2)
    h = h + F.relu(block.pointwise(block.depthwise(n))).transpose(1, 2)
    h = block.norm(h)
    h = h + block.attention(h)
    torch.testing.assert_close(block(x), h + 0.5 * swiglu_reference(block.ff2, h))


def test_training_masks_5_percent_of_non_n_tokens_and_adds_their_cross_entropy(team):
    settings = team.settings("cpu")
    model = team.build_model(settings)
    tokens = torch.from_numpy(np.random.default_rng(1).integers(0, 5, (64, 200)))  # N included
    seen = {}
    model.kmers.register_forward_hook(lambda m, args, out: seen.update(shown=args[0]))
    model.nucleotides.register_forward_hook(lambda m, args, out: seen.update(logits=out))
    torch.manual_seed(7)
    draw = torch.rand(tokens.shape) < 0.05  # the forward's first draw
    torch.manual_seed(7)
    out = model.train()(tokens)
    mask = draw & (tokens != sq.N_CODE)
    shown = seen["shown"].argmax(1)
    assert torch.equal(shown == MASK_CODE, mask) and torch.equal(shown[~mask], tokens[~mask])
    assert 0.035 < mask.sum() / (tokens != sq.N_CODE).sum() < 0.065
    ce = F.cross_entropy(seen["logits"].transpose(1, 2), tokens, reduction="none")
    expected = (ce * mask).sum() / (mask.sum() + 1)
    torch.testing.assert_close(out[:, 1], expected.expand(64))
    target = torch.randn(64)
    loss = team.loss(out, target, settings)
    torch.testing.assert_close(loss, F.mse_loss(out[:, 0], target) + expected)
    # evaluation masks nothing and adds nothing
    seen.clear()
    out = model.eval()(tokens)
    assert torch.equal(seen["shown"].argmax(1), tokens) and "logits" not in seen
    assert torch.all(out[:, 1] == 0)


def test_noam_schedule_takes_no_first_step_and_peaks_after_the_warm_up(team):
    assert noam(0, 512, 12_500) == 0
    assert noam(12_500, 512, 12_500) == pytest.approx(3.953e-4, rel=1e-3)
    assert noam(100, 512, 12_500) == pytest.approx(512**-0.5 * 100 * 12_500**-1.5)
    assert noam(50_000, 512, 12_500) == pytest.approx(512**-0.5 * 50_000**-0.5)
    settings = team.settings("paper")
    model = torch.nn.Linear(2, 1)
    optimizer = team.optimizer(model, settings)
    scheduler, when = team.scheduler(optimizer, settings, 13_000)
    assert when == "batch" and optimizer.param_groups[0]["betas"] == (0.9, 0.98)
    lrs = []
    for _ in range(3):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert lrs == [noam(s, 512, 12_500) for s in range(3)]


def test_gradients_are_clipped_by_value_then_per_weight_norm_of_the_replica_sum(team):
    settings = team.settings("paper")
    model = torch.nn.Linear(3, 2)
    grads = [torch.tensor([[0.3, -0.2, 0.25], [0.3, 0.2, -0.1]]), torch.tensor([0.001, -0.002])]
    for p, g in zip(model.parameters(), grads):
        p.grad = g.clone()
    team.clip_gradients(model, settings)
    for p, g in zip(model.parameters(), grads):
        summed = np.clip(4 * g.numpy(), -0.5, 0.5)  # 4 replicas, clipvalue 0.5
        norm = np.linalg.norm(summed)
        expected = summed * (1.0 / norm if norm > 1.0 else 1.0)  # clipnorm 1.0, per weight
        np.testing.assert_allclose(p.grad.numpy(), expected, rtol=1e-6)
    weight = np.clip(4 * grads[0].numpy(), -0.5, 0.5)
    assert np.linalg.norm(weight) > 1.0  # the weight's gradient was norm-clipped, the bias' not


def test_prediction_maps_z_units_back_to_labels(team):
    params = {"mean": 11.0, "std": 2.0}
    out = torch.tensor([[0.5, 0.3], [-1.0, 0.3]])
    torch.testing.assert_close(team.prediction(out, params), torch.tensor([12.0, 9.0]))


def test_a_run_killed_after_an_epoch_resumes_bit_identical(team, tmp_path, monkeypatch):
    """The masks come from torch's generator and the Noam step from the scheduler: both are in
    the checkpoint, so the resumed run draws the same masks at the same learning rates."""
    settings = team.settings("cpu", {"train": {"batch_size": 32, "max_epochs": 3}})
    reads = Reads.random(96, seed=4)
    val = reads.take(np.arange(80, 96))
    whole = team.fit(reads, val, settings, FitContext(checkpoint_dir=tmp_path / "a"))
    with killed_after_epoch(monkeypatch, 1):
        team.fit(reads, val, settings, FitContext(checkpoint_dir=tmp_path / "b"))
    resumed = team.fit(reads, val, settings, FitContext(checkpoint_dir=tmp_path / "b"))
    assert resumed.history["train_loss"].tolist() == whole.history["train_loss"].tolist()
    for name, tensor in whole.state["model"].items():
        assert torch.equal(tensor, resumed.state["model"][name]), name

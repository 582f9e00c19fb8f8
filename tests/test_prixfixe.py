"""The organisers' Prix Fixe models: autosome's data and head, their own blocks and schedule."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
import torch
import torch.nn.functional as F

from promoterbench import sequences as sq
from promoterbench.teams import get_team
from promoterbench.teams.autosome import SimpleSqueezeExcite
from promoterbench.teams.base import Reads
from promoterbench.teams.prixfixe import ConformerBlock
from test_unlock_dna import swiglu_reference

DREAM = ("dream_cnn", "dream_rnn", "dream_attn")


def crafted_reads() -> Reads:
    reads = [sq.FLANK5 + "ACGTN" * 16 + sq.FLANK3, sq.FLANK5 + "GATTACA" * 9 + sq.FLANK3]
    return Reads(np.arange(2), pa.array(reads), np.array([7.0, 11.5]), np.array([True, False]),
                 np.array([len(r) for r in reads]), np.array([16, 0]))  # fmt: skip


@pytest.mark.parametrize("name", DREAM)
def test_inputs_and_targets_are_autosomes(name):
    """Prix Fixe's data processor is autosome's, with N as zeros (its Seq2Tensor)."""
    team, autosome = get_team(name), get_team("autosome")
    mine, theirs = team.settings("paper"), autosome.settings("paper", {"faithful_to": "code"})
    a, b = team.encode(crafted_reads(), mine), autosome.encode(crafted_reads(), theirs)
    cpu = torch.device("cpu")
    x = team.inputs(a, np.arange(4), cpu, mine)
    assert torch.equal(x, autosome.inputs(b, np.arange(4), cpu, theirs))
    assert x.shape == (4, 6, 150) and x[0, :4].sum(0).min() == 0  # N is all zeros
    assert torch.equal(
        team.targets(a, np.arange(4), {}, cpu), autosome.targets(b, np.arange(4), {}, cpu)
    )
    out = team.build_model(mine).eval()(x)
    assert out.shape == (4, 18)


@pytest.mark.parametrize(
    "name, max_lr", [("dream_cnn", 0.005), ("dream_rnn", 0.005), ("dream_attn", 0.001)]
)
def test_one_cycle_peaks_at_0_005_or_0_001_with_attention(name, max_lr):
    team = get_team(name)
    settings = team.settings("cpu", {"train": {"steps_per_epoch": 10, "max_epochs": 2}})
    optimizer = team.optimizer(team.build_model(settings), settings)
    scheduler, when = team.scheduler(optimizer, settings, 10)
    lrs = []
    for _ in range(20):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert when == "batch" and isinstance(optimizer, torch.optim.AdamW)
    assert lrs[0] == pytest.approx(max_lr / 25) and max(lrs) == pytest.approx(max_lr, rel=0.02)
    assert optimizer.param_groups[0]["weight_decay"] == 0.01


@pytest.mark.parametrize("name", DREAM)
def test_an_epoch_is_a_whole_pass_unless_steps_per_epoch_is_set(name):
    team = get_team(name)
    paper = team.settings("paper")
    assert paper["train"]["steps_per_epoch"] is None and paper["train"]["max_epochs"] == 80
    assert team.steps_per_epoch(13_478_516, paper) == 13_478_516 // 1024  # reads and their RCs
    autosomes = team.settings("paper", {"train": {"steps_per_epoch": 1000}})
    assert team.steps_per_epoch(13_478_516, autosomes) == 1000


def test_the_simple_se_block_is_squeeze_then_two_linears():
    torch.manual_seed(0)
    se = SimpleSqueezeExcite(32, 64, 4)
    x = torch.randn(3, 64, 11)
    down, up = se.fc[0], se.fc[2]
    gate = torch.sigmoid(up(F.silu(down(x.mean(dim=2)))))
    torch.testing.assert_close(se(x), x * gate[:, :, None])
    assert down.out_features == 8  # inp // reduction


def test_the_conformer_block_computes_prix_fixes_forward():
    """ConformerSASwiGLULayer.forward: the conv module adds to its own normalised input, and
    that sum to x; the second LayerNorm replaces x (no residual)."""
    torch.manual_seed(0)
    block = ConformerBlock(16, 5, 0.0, 4).eval()
    x = torch.randn(2, 9, 16)

    h = x + 0.5 * swiglu_reference(block.ff1, x)
    n = block.norm1(h)
    h = h + (n + block.conv(n.transpose(1, 2)).transpose(1, 2))
    h = block.norm2(h)
    h = h + block.attention(h, h, h)[0]
    expected = h + 0.5 * swiglu_reference(block.ff2, h)
    torch.testing.assert_close(block(x), expected)


def test_attention_has_the_four_heads_prix_fixe_builds():
    team = get_team("dream_attn")
    model = team.build_model(team.settings("paper"))
    heads = {b.attention.num_heads for b in model.core.blocks}
    assert heads == {4} and len(model.core.blocks) == 4
    assert model.core.positions.weight.shape == (150, 256)


def test_blocks_keep_the_initialisation_prix_fixe_gives_them():
    """Autosome blocks: N(0, √(2 / (k · out))) convolutions; BHI blocks: PyTorch's default."""
    torch.manual_seed(0)
    team = get_team("dream_cnn")
    model = team.build_model(team.settings("paper"))
    resize = model.core.stages[0].resize[0].weight  # Conv(640 → 128, k 7)
    assert float(resize.detach().std()) == pytest.approx((2 / (7 * 128)) ** 0.5, rel=0.05)
    first = model.first.branches[0][0].weight  # Conv(6 → 160, k 9): kaiming_uniform(a=√5)
    bound = 1 / (6 * 9) ** 0.5
    assert float(first.detach().abs().max()) <= bound and float(
        first.detach().std()
    ) == pytest.approx(bound / 3**0.5, rel=0.1)

"""Training FLOPs: the counter against hand computations, and the steps a budget buys."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from promoterbench import flops
from promoterbench.recurrent import BiLSTM
from promoterbench.teams import REGISTRY, get_team
from promoterbench.teams.base import FitContext, Reads
from promoterbench.teams.unlock_dna import KerasMultiHeadAttention
from workflow_helpers import copy_workflow, snakemake

TORCH_TEAMS = [n for n in sorted(REGISTRY) if n != "kmer_ridge"]


def test_a_fused_lstm_step_costs_what_the_hand_count_and_its_cells_give():
    """Forward 2 directions × 2·B·T·4H·(I + H); backward twice that. Cell by cell, the backward
    skips one product the count includes: the gradient of the zero initial state."""
    torch.manual_seed(0)
    lstm, x = BiLSTM(3, 5), torch.randn(2, 7, 3, requires_grad=True)  # as after a conv layer
    hand = 3 * 2 * (2 * 2 * 7 * 4 * 5 * (3 + 5))
    with flops.TrainStepCounter(lstm) as fused:
        lstm(x).sum().backward()
    with FlopCounterMode(display=False) as cells:  # the same products, one cell at a time
        lstm.by_cells(x).sum().backward()
    assert fused.total == hand
    assert cells.get_total_flops() == hand - 2 * (2 * 2 * 5 * 4 * 5)


def test_cpu_attention_is_counted_as_torch_counts_the_gpu_kernels():
    torch.manual_seed(0)
    mha, x = KerasMultiHeadAttention(8, heads=3, key_dim=4), torch.randn(2, 5, 8)
    with FlopCounterMode(display=False) as counter:
        mha(x)
    projections = 4 * 2 * (2 * 5) * 8 * 12  # q, k, v and out: (B·T) × 8 × 12 each
    scores_and_mix = 2 * (2 * 2 * 3 * 5 * 5 * 4)  # QKᵀ and softmax · V per head
    assert counter.get_total_flops() == projections + scores_and_mix
    with flops.TrainStepCounter(mha) as step:
        mha(x.requires_grad_()).sum().backward()
    # the backward recomputes the scores: five products for the forward's two
    assert step.total == 3 * projections + scores_and_mix + 5 * scores_and_mix // 2


@pytest.mark.parametrize("name", TORCH_TEAMS)
def test_the_count_extrapolated_to_a_batch_is_the_count_on_that_batch(name):
    team = get_team(name)
    settings = team.settings("cpu", {"train": {"batch_size": 12}})
    assert flops.flops_per_step(team, settings) == flops.step_flops(team, settings, batch=12)


def test_the_budget_buys_its_steps_laid_over_the_presets_epochs():
    out = flops.budget_overrides({"recipe": {"max_reads": 10}}, 7_000, 3, 1.0e6)
    assert out == {"recipe": {"max_reads": 10}, "train": {"steps_per_epoch": 48, "max_steps": 143}}
    mine = flops.budget_overrides({"train": {"max_steps": 5}}, 7_000, 3, 1.0e6)
    assert mine["train"] == {"max_steps": 5, "steps_per_epoch": 48}  # the user's value wins
    assert flops.budget_overrides({}, 7_000, 3, 10.0)["train"]["max_steps"] == 1


@pytest.mark.parametrize("name", ["wan_barton", "madlab"])
def test_a_budgeted_fit_takes_exactly_the_steps_the_budget_buys(name):
    """wan_barton's unshuffled pass repeats, MadLab's passes run on: both stop at the budget."""
    team = get_team(name)
    base = {"recipe": {"max_reads": None}, "train": {"batch_size": 16, "monitor": "none"}}
    per_step = flops.flops_per_step(team, team.settings("cpu", base))
    budget = 25.4 * per_step
    settings = team.settings("cpu", flops.budget_overrides(base, per_step, 3, budget))
    fitted = team.fit(Reads.random(96), Reads.random(16, seed=1), settings, FitContext())
    assert fitted.state["steps"] == 25 and fitted.history["steps"].tolist() == [9, 18, 25]
    assert abs(fitted.state["steps"] * per_step - budget) <= 0.05 * budget


@pytest.mark.workflow
def test_the_leaderboard_shows_equal_budgets_and_the_probe_curves(tmp_path):
    copy_workflow(tmp_path)
    (tmp_path / "budget.yaml").write_text(
        "budget: {train_flops: 1.5e+11}\nteams: {camformers: {}, madlab: {}, kmer_ridge: {}}\n"
    )
    snakemake(tmp_path, "results/leaderboard.tsv", configs=("tiny.yaml", "budget.yaml"))
    board = pd.read_csv(tmp_path / "results" / "leaderboard.tsv", sep="\t").set_index("team")
    for name in ("camformers", "madlab"):
        summary = json.loads(
            (
                tmp_path / "results/synthetic/models" / name / "rep1" / "train_summary.json"
            ).read_text()
        )
        assert board.loc[name, "steps"] == round(1.5e11 / summary["flops_per_step"])
        assert board.loc[name, "train_flops"] == pytest.approx(1.5e11, rel=0.05)
        assert summary["budget_flops"] == 1.5e11
        # the probe's curve: about 20 points, the last at the budget's end, FLOPs per point
        curve = pd.read_csv(
            tmp_path / "results/synthetic/models" / name / "rep1" / "probe.tsv", sep="\t"
        )
        assert 15 <= len(curve) <= 20 and curve["steps"].iloc[-1] == board.loc[name, "steps"]
        assert (curve["train_flops"] == curve["steps"] * summary["flops_per_step"]).all()
        assert board.loc[name, "still_learning"] in (True, False)
        assert summary["still_learning"] == (summary["probe_rise_last_quarter"] > 0.01)
    assert math.isnan(board.loc["kmer_ridge", "train_flops"])

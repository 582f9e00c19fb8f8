"""Activation recomputation: the same training numbers as a plain run, with less kept."""

from __future__ import annotations

import numpy as np
import torch

from promoterbench import memory
from promoterbench.teams import get_team
from promoterbench.teams.base import Reads

TEAM = get_team("autosome")


def legnet(recompute: bool) -> tuple[torch.nn.Module, dict]:
    settings = TEAM.settings("cpu", {"train": {"recompute_activations": recompute}})
    torch.manual_seed(0)
    return TEAM.build_model(settings).train(), settings


def inputs(settings: dict, n: int = 16) -> torch.Tensor:
    data = TEAM.encode(Reads.random(n, seed=3), settings)
    return TEAM.inputs(data, np.arange(2 * n), torch.device("cpu"), settings)


def test_training_with_recomputation_is_bit_identical():
    """Weights and batch-norm buffers (running statistics and batch count, which the second
    forward pass would update again) equal a plain run's after a few AdamW steps."""
    states = []
    for recompute in (False, True):
        model, settings = legnet(recompute)
        x = inputs(settings)
        optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3)
        for step in range(3):
            loss = model(x + 0.01 * step).pow(2).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        states.append(model.state_dict())
    plain, recomputed = states
    assert plain.keys() == recomputed.keys()
    assert plain["stages.0.block.0.1.num_batches_tracked"].item() == 3
    for key in plain:
        assert torch.equal(plain[key], recomputed[key]), key


def test_recomputation_keeps_less_and_is_counted():
    """What is kept between the stages is a fraction of a plain run's activations; the memory
    estimate adds back the largest stage's, alive during its own backward pass."""
    plain, settings = legnet(False)
    recomputing, _ = legnet(True)
    x = inputs(settings)
    full = TEAM.activation_bytes(plain, x)
    kept = memory.saved_activation_bytes(recomputing, x)
    estimate = TEAM.activation_bytes(recomputing, x)
    assert kept < full / 5
    assert kept < estimate < full / 2


def test_evaluation_does_not_recompute():
    model, settings = legnet(True)
    x = inputs(settings)
    with torch.no_grad():
        expected = legnet(False)[0](x)
        assert torch.equal(model(x), expected)

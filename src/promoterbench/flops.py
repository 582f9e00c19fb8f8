"""Training FLOPs: what one optimiser step of a team costs, and the steps a budget buys.

One step (forward, loss and backward on the team's own batch) is counted with torch's
``FlopCounterMode``, which counts matrix products and convolutions (2 FLOPs per multiply-add;
the elementwise work, a few per cent, is left out, as everywhere FLOPs are quoted). Two operators
it does not see are added: attention through ``scaled_dot_product_attention`` on a CPU (its
fused CPU kernel has no formula in torch; the one torch uses for the GPU kernels is registered
for it) and the fused ``nn.LSTM`` kernel, counted analytically by :func:`lstm_flops`.

The count runs on the CPU on two small batches of random reads and is extrapolated to the team's
batch size: every counted cost is a part per read plus a part per batch (a test checks the
extrapolation against a direct count).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch
from torch import nn
from torch.utils.flop_counter import (
    FlopCounterMode,
    register_flop_formula,
    sdpa_backward_flop_count,
    sdpa_flop_count,
)

from promoterbench.teams.base import Reads, Team
from promoterbench.teams.torch_team import TorchTeam

PROBE_BATCH = 4
aten = torch.ops.aten


@register_flop_formula(aten._scaled_dot_product_flash_attention_for_cpu)
def _sdpa_cpu(query_shape, key_shape, value_shape, *args, out_shape=None, **kwargs) -> int:
    return sdpa_flop_count(query_shape, key_shape, value_shape)


@register_flop_formula(aten._scaled_dot_product_flash_attention_for_cpu_backward)
def _sdpa_cpu_backward(grad_out_shape, query_shape, key_shape, value_shape, *args,
                       out_shape=None, **kwargs) -> int:  # fmt: skip
    return sdpa_backward_flop_count(grad_out_shape, query_shape, key_shape, value_shape)


def lstm_flops(lstm: nn.LSTM, batch: int, length: int) -> int:
    """FLOPs of a forward pass of ``lstm`` over (batch, length) inputs: per layer and direction,
    the input and recurrent products of the four gates, 2 · B · T · 4H · (I + H)."""
    hidden, directions = lstm.hidden_size, 2 if lstm.bidirectional else 1
    total, inputs = 0, lstm.input_size
    for _ in range(lstm.num_layers):
        total += directions * 2 * batch * length * 4 * hidden * (inputs + hidden)
        inputs = hidden * directions
    return total


class TrainStepCounter:
    """FLOPs of forward + backward passes run inside it, fused LSTMs included (their backward
    costs twice their forward, as every matrix product's does)."""

    def __init__(self, model: nn.Module) -> None:
        self.model, self.lstm = model, 0
        self.counter = FlopCounterMode(display=False)

    def _hook(self, module: nn.LSTM, args: tuple, output) -> None:
        x = args[0]
        batch, length = (x.shape[0], x.shape[1]) if module.batch_first else (x.shape[1], x.shape[0])
        self.lstm += 3 * lstm_flops(module, batch, length)

    def __enter__(self) -> "TrainStepCounter":
        self.handles = [m.register_forward_hook(self._hook)
                        for m in self.model.modules() if isinstance(m, nn.LSTM)]  # fmt: skip
        self.counter.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.counter.__exit__(*exc)
        for handle in self.handles:
            handle.remove()

    @property
    def total(self) -> int:
        return int(self.counter.get_total_flops()) + self.lstm


def step_flops(team: TorchTeam, settings: dict, batch: int = PROBE_BATCH) -> int:
    """FLOPs of one training step of ``team`` on ``batch`` random reads (see module docstring)."""
    torch.manual_seed(int(settings["seed"]))
    reads = Reads.random(batch, seed=0)
    data = team.encode(reads, settings)
    idx = np.arange(batch)
    cpu = torch.device("cpu")
    model = team.build_model(settings).train()
    x = team.inputs(data, idx, cpu, settings)
    y = team.targets(data, idx, team.fit_target(data, data, settings), cpu)
    with TrainStepCounter(model) as counter:
        team.loss(model(x).float(), y, settings).backward()
    return counter.total


def flops_per_step(team: TorchTeam, settings: dict) -> int:
    """FLOPs of one training step on the team's own batch size, extrapolated from two probe
    batches: a cost is a per-read part plus a part paid once per batch (MadLab's relative
    position features)."""
    size = int(settings["train"]["batch_size"])
    small, large = (step_flops(team, settings, b) for b in (PROBE_BATCH // 2, PROBE_BATCH))
    return large + (size - PROBE_BATCH) * (large - small) // (PROBE_BATCH // 2)


def budgeted_settings(
    team: Team, scale: str, overrides: dict, train_flops: float | None
) -> tuple[dict, int | None]:
    """(settings, FLOPs a step) of a run under a budget of ``train_flops`` (None: the preset's
    own steps); a model solved in closed form has no steps, no FLOPs and no budget. The count runs
    a backward pass on the CPU: resolve an XLA device before it (torch's autograd engine sizes its
    device queues at the first backward pass)."""
    settings = team.settings(scale, overrides)
    if not isinstance(team, TorchTeam):
        return settings, None
    per_step = flops_per_step(team, settings)
    if train_flops is not None:
        epochs = int(settings["train"]["max_epochs"])
        settings = team.settings(scale, budget_overrides(overrides, per_step, epochs, train_flops))
    return settings, per_step


def budget_overrides(overrides: dict, per_step: int, max_epochs: int, train_flops: float) -> dict:
    """A team's overrides with the optimiser steps ``train_flops`` buys (at ``per_step`` FLOPs a
    step) laid over its ``max_epochs`` epochs: epochs of ``steps_per_epoch`` batches drawn from
    its stream of passes, capped at exactly the budget's steps. The user's own ``train`` settings
    still win."""
    steps = max(1, round(train_flops / per_step))
    out = copy.deepcopy(dict(overrides or {}))
    train = out.setdefault("train", {})
    train.setdefault("steps_per_epoch", math.ceil(steps / max_epochs))
    train.setdefault("max_steps", steps)
    return out

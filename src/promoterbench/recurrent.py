"""LSTM recurrences of the recurrent teams, compiled once per shape on XLA.

A Python loop over the 110 positions of a read unrolls, on XLA, into a graph of 110 cells (and as
many again for the backward pass) that takes minutes to compile for every batch shape — 891 s for
noisy_chardonnay's tiny test run on torch_xla's CPU backend, and the same on a TPU. On XLA the cell
runs instead through torch_xla's ``scan`` (XLA's While loop: the cell is compiled once, about 1 s);
on every other device the same cell runs in an eager loop (or, for :class:`BiLSTM`, in
``nn.LSTM``'s fused kernel).

Under mixed precision the recurrences run in float32 with autocast off (except on XLA, where the
scan keeps its state in float32 and the TPU's matmuls are bf16 by design): CUDA's fused LSTM
would otherwise run in fp16 under bf16 autocast, with no loss scaling, and MadLab's swish cell,
whose state is unbounded, overflows fp16.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

Activation = Callable[[torch.Tensor], torch.Tensor]


def _cell(activation: Activation):
    """One LSTM step over the carry (h, c, recurrent kernel); gates in torch order i, f, g, o."""

    def step(carry, gates_in):
        h, c, recurrent = carry
        i, f, g, o = (gates_in + h @ recurrent).to(h.dtype).chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * activation(g)
        h = torch.sigmoid(o) * activation(c)
        return (h, c, recurrent), h

    return step


def full_precision(x: torch.Tensor):
    """A context that turns autocast off for ``x``'s device (nothing on XLA: see above)."""
    if x.device.type == "xla" or not torch.is_autocast_enabled(x.device.type):
        return nullcontext()
    return torch.autocast(x.device.type, enabled=False)


# built once, so torch_xla's scan can cache the traced cell (its cache is keyed by the function)
_CELLS = {torch.tanh: _cell(torch.tanh), F.silu: _cell(F.silu)}


def lstm_recurrence(
    projected: torch.Tensor, recurrent: torch.Tensor, activation: Activation, sequences: bool
) -> torch.Tensor:
    """Run LSTM cells along the reads.

    ``projected`` (B, T, 4H): each position's input projection plus bias; ``recurrent`` (H, 4H):
    the recurrent kernel (``h @ recurrent``); ``activation``: of the cell input and the cell state
    (tanh for a standard LSTM, swish for Keras' ``activation='swish'``). Returns every hidden
    state (B, T, H) when ``sequences``, else the last one (B, H). State is kept in float32.
    """
    with full_precision(projected):
        return _recurrence(projected.float(), recurrent.float(), activation, sequences)


def _recurrence(
    projected: torch.Tensor, recurrent: torch.Tensor, activation: Activation, sequences: bool
) -> torch.Tensor:
    step = _CELLS.get(activation) or _cell(activation)
    h0 = torch.zeros(projected.shape[0], recurrent.shape[0], device=projected.device)
    carry = (h0, torch.zeros_like(h0), recurrent)
    xs = projected.transpose(0, 1)
    if projected.device.type == "xla":
        from torch_xla.experimental.scan import scan

        # the kernel rides in the carry: scan passes gradients through carry and xs only
        carry, hs = scan(step, carry, xs, is_fn_pure=True)
        return hs.transpose(0, 1) if sequences else carry[0]
    outputs = []
    for gates_in in xs:
        carry, h = step(carry, gates_in)
        outputs.append(h)
    return torch.stack(outputs, dim=1) if sequences else carry[0]


class BiLSTM(nn.LSTM):
    """One bidirectional, batch-first ``nn.LSTM`` layer returning the output sequence (B, T, 2H).

    Same parameters (names, shapes, initialisation) as ``nn.LSTM``; on XLA it runs as two scans.
    """

    def __init__(self, inputs: int, units: int) -> None:
        super().__init__(inputs, units, batch_first=True, bidirectional=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        if x.device.type == "xla":
            return self.by_cells(x)
        with full_precision(x):
            return super().forward(x.float())[0]

    def by_cells(self, x: torch.Tensor) -> torch.Tensor:
        """The same output, cell by cell through :func:`lstm_recurrence` (a scan on XLA)."""
        directions = []
        for suffix, reads in (("l0", x), ("l0_reverse", x.flip(1))):
            w_ih, w_hh = getattr(self, f"weight_ih_{suffix}"), getattr(self, f"weight_hh_{suffix}")
            bias = getattr(self, f"bias_ih_{suffix}") + getattr(self, f"bias_hh_{suffix}")
            directions.append(lstm_recurrence(reads @ w_ih.T + bias, w_hh.T, torch.tanh, True))
        return torch.cat([directions[0], directions[1].flip(1)], dim=2)

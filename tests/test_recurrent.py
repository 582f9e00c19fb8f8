"""The LSTM cells the recurrent teams share: the loop the CPU runs is the cell XLA scans."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from promoterbench.recurrent import BiLSTM, lstm_recurrence


def test_the_recurrence_is_torch_lstm_cell():
    torch.manual_seed(0)
    lstm = nn.LSTM(5, 3, batch_first=True)
    x = torch.randn(4, 12, 5)
    expected, (last, _) = lstm(x)
    projected = x @ lstm.weight_ih_l0.T + lstm.bias_ih_l0 + lstm.bias_hh_l0
    hidden = lstm_recurrence(projected, lstm.weight_hh_l0.T, torch.tanh, sequences=True)
    torch.testing.assert_close(hidden, expected)
    final = lstm_recurrence(projected, lstm.weight_hh_l0.T, torch.tanh, sequences=False)
    torch.testing.assert_close(final, last[0])


def test_swish_cell_by_hand():
    """Keras LSTM(activation='swish'): c = σ(f)·c + σ(i)·swish(g), h = σ(o)·swish(c)."""
    gates = torch.tensor([[[0.3, -0.2, 1.5, 0.7], [-1.0, 2.0, 0.5, -0.4]]])  # (B=1, T=2, 4H=4)
    recurrent = torch.tensor([[0.5, -0.5, 0.25, 1.0]])
    sig, h, c = torch.sigmoid, torch.zeros(1), torch.zeros(1)
    for t in range(2):
        i, f, g, o = gates[0, t] + h * recurrent[0]
        c = sig(f) * c + sig(i) * F.silu(g)
        h = sig(o) * F.silu(c)
    out = lstm_recurrence(gates, recurrent, F.silu, sequences=False)
    torch.testing.assert_close(out, h.reshape(1, 1))


def test_bilstm_cells_match_the_fused_lstm():
    """BiLSTM's per-cell path (what XLA scans) against nn.LSTM's fused kernel, with gradients."""
    torch.manual_seed(1)
    lstm = BiLSTM(6, 4)
    x = torch.randn(3, 20, 6)
    fused = lstm(x)
    cells = lstm.by_cells(x)
    torch.testing.assert_close(cells, fused)
    fused.square().sum().backward()
    grads = [p.grad.clone() for p in lstm.parameters()]
    lstm.zero_grad()
    cells.square().sum().backward()
    for before, param in zip(grads, lstm.parameters()):
        torch.testing.assert_close(param.grad, before, rtol=1e-4, atol=1e-6)


def test_recurrences_run_in_float32_under_mixed_precision():
    """Under bf16 autocast the LSTMs give the float32 numbers: no half-precision recurrence."""
    torch.manual_seed(2)
    lstm, x = BiLSTM(6, 4), torch.randn(3, 20, 6)
    gates, recurrent = torch.randn(3, 20, 16), torch.randn(4, 16) * 0.5
    plain = (lstm(x), lstm_recurrence(gates, recurrent, F.silu, sequences=True))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        mixed = (lstm(x), lstm_recurrence(gates, recurrent, F.silu, sequences=True))
        assert torch.is_autocast_enabled("cpu")  # on again after the recurrences
    for a, b in zip(plain, mixed):
        assert b.dtype == torch.float32
        assert torch.equal(a, b)

"""Noisy-Chardonnay — CNN + BiLSTM (Keras), 1,365,249 parameters as counted from the report.

Source: dream_submissions/Noisy-Chardonnay (report.pdf; the code holds no final architecture:
the model was shipped as .h5). Everything here is report-derived.

Recipe: only reads of exactly 110 nt without N. The report removed "indels and poor genotype
calls" and kept 5,511,002 of 6,739,258 reads (81.77 %); of the 7,369 real training rows in
../shared/dream2022, 110 nt without N keeps 81.72 % and 110 nt alone 82.09 %, so a read with an N
(a base the sequencer could not call) counts as a poor call here. One-hot A, C, G, T with anything
else as [1, 1, 1, 1] (their TF helper, which the test set's N still meets); target standardised
(StandardScaler fitted on train + validation, predictions transformed back); random 90/10 split.

Model (report's Netron figure, 110 × 4 input, 'same' padding): Conv(256, k30) → BN → ReLU →
Conv(256, k12) → BN → ReLU → Conv(64, k4) → BN → ReLU → BiLSTM(32 per direction, full sequence)
→ Dropout(0.1) → Flatten (7,040) → Dense 64 → ReLU → Dropout 0.2 → Dense 64 → ReLU → Dropout 0.2
→ Dense 1. Keras details kept: BatchNorm ε 1e-3 / momentum 0.99, Glorot-uniform kernels,
orthogonal recurrent kernels, LSTM forget-gate bias 1 and a single LSTM bias (PyTorch's second,
redundant bias is frozen at zero).

Parameter count: 1,365,249 counts BatchNorm moving mean/variance as Keras does (1,364,097
trainable); the report's text states 1,007,169 — the figure may show a different run. The figure
is what is built here.

Training: MSE, Adam (lr 0.003, ε 1e-7), batch 512, up to 200 epochs, early stopping after 20
epochs without a better validation R² (coefficient of determination), best weights kept. Seed not
reported (42 here).

``scale: cpu``: 64/64/16 filters, 8 LSTM units per direction, 32-unit dense layers, 45,000 reads,
3 epochs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import nn

from promoterbench import filters
from promoterbench.fitting import Encoded
from promoterbench.recurrent import BiLSTM
from promoterbench.settings import merge
from promoterbench.teams.torch_team import (
    KERAS_BN,
    SameConv1d,
    StandardisedTarget,
    TorchTeam,
    fused,
    keras_param_count,
    one_hot,
)
from promoterbench.transfer import take

PAPER = {
    "seed": 42,
    "recipe": {
        "length": 110,
        "max_n": 0,
        "input_length": 110,
        "pad": "right",
        "keep": "left",
        "val_fraction": 0.1,
        "max_reads": None,
    },
    "model": {
        "conv": [[256, 30], [256, 12], [64, 4]],
        "lstm_units": 32,
        "lstm_dropout": 0.1,
        "dense": [64, 64],
        "dense_dropout": 0.2,
    },
    "train": {
        "lr": 0.003,
        "batch_size": 512,
        "drop_last": False,
        "max_epochs": 200,
        "monitor": "r2_score",
        "patience": 20,
    },
}
CPU = merge(
    PAPER,
    {
        "recipe": {"max_reads": 45_000},
        "model": {"conv": [[64, 30], [64, 12], [16, 4]], "lstm_units": 8, "dense": [32, 32]},
        "train": {"max_epochs": 3, "patience": 3},
    },
)


def keras_lstm_init(lstm: nn.LSTM) -> None:
    """Glorot-uniform input kernels, orthogonal recurrent kernels, bias 0 with forget gate 1."""
    for name, param in lstm.named_parameters():
        if name.startswith("weight_ih"):
            nn.init.xavier_uniform_(param)
        elif name.startswith("weight_hh"):
            nn.init.orthogonal_(param)
        elif name.startswith("bias_ih"):
            nn.init.zeros_(param)
            units = param.shape[0] // 4
            param.data[units : 2 * units] = 1.0  # torch gate order i, f, g, o
        elif name.startswith("bias_hh"):  # Keras has one bias: freeze the redundant one at 0
            nn.init.zeros_(param)
            param.requires_grad_(False)


class CnnBiLstm(nn.Module):
    """The Noisy-Chardonnay network (see module docstring)."""

    def __init__(
        self,
        conv: list[list[int]],
        lstm_units: int,
        lstm_dropout: float,
        dense: list[int],
        dense_dropout: float,
        length: int,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c_in = 4
        for channels, kernel in conv:
            layers += [
                SameConv1d(c_in, channels, kernel),
                nn.BatchNorm1d(channels, **KERAS_BN),
                nn.ReLU(),
            ]
            c_in = channels
        self.conv = nn.Sequential(*layers)
        self.lstm = BiLSTM(c_in, lstm_units)
        keras_lstm_init(self.lstm)
        head: list[nn.Module] = [nn.Dropout(lstm_dropout), nn.Flatten()]
        width = length * 2 * lstm_units
        for units in dense:
            head += [nn.Linear(width, units), nn.ReLU(), nn.Dropout(dense_dropout)]
            width = units
        head.append(nn.Linear(width, 1))
        self.head = nn.Sequential(*head)
        for module in self.modules():
            if isinstance(module, (nn.Conv1d, nn.Linear)):
                nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.lstm(self.conv(x).transpose(1, 2)))


class NoisyChardonnay(StandardisedTarget, TorchTeam):
    name = "noisy_chardonnay"
    architecture = "CNN (3 conv layers) + BiLSTM + dense head"
    source = "de-Boer-Lab/random-promoter-dream-challenge-2022: dream_submissions/Noisy-Chardonnay (report figure and table)"
    presets = {"paper": PAPER, "cpu": CPU}

    def select(self, meta: pd.DataFrame, settings: dict, rng: np.random.Generator) -> np.ndarray:
        r = settings["recipe"]
        reason = filters.reasons(len(meta))
        filters.drop(reason, meta["length"].to_numpy() != r["length"], f"length not {r['length']}")
        filters.drop(reason, meta["n_count"].to_numpy() > r["max_n"], f"more than {r['max_n']} N")
        return filters.subsample(reason, r["max_reads"], rng)

    def build_model(self, settings: dict) -> nn.Module:
        return CnnBiLstm(**settings["model"], length=settings["recipe"]["input_length"])

    def count_params(self, model: nn.Module) -> int:
        return keras_param_count(model)

    def inputs(
        self, data: Encoded, idx: np.ndarray, device: torch.device, settings: dict
    ) -> torch.Tensor:
        return one_hot(take(data, "codes", idx, device), n_value=1.0)

    def optimizer(self, model: nn.Module, settings: dict) -> torch.optim.Optimizer:
        trainable = [p for p in model.parameters() if p.requires_grad]
        return torch.optim.Adam(
            trainable, lr=float(settings["train"]["lr"]), eps=1e-7, **fused(settings)
        )

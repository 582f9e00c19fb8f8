"""DeepSTARR (de Almeida et al., Nat Genet 2022), the Drosophila data set's own model, in PyTorch.

Source: bernardo-de-almeida/DeepSTARR, ``DeepSTARR/DeepSTARR_training.ipynb`` (Keras 2.2.4).
Input 249 × 4 one-hot (A, C, G, T; N all zeros, as its ``SequenceHelper`` encodes it); four
blocks Conv1D ('same') → BatchNorm → ReLU → MaxPool 2 with 256, 60, 60, 120 filters of widths
7, 3, 5, 3 (249 → 124 → 62 → 31 → 15 positions); Flatten (positions × channels, Keras order);
two Dense blocks of 256 (Dense → BatchNorm → ReLU → Dropout 0.4); one linear Dense(1) head per
task (Dev, Hk). Keras' BatchNorm defaults (ε 1e-3, momentum 0.99) and initialisers (glorot_uniform
kernels, zero biases).

Recipe: Adam (lr 0.002; Keras' β 0.9/0.999, ε 1e-7), MSE on each output with loss weights 1 and 1,
batch 128, up to 100 epochs, early stopping on the validation loss with patience 10, restoring the
best weights. Trained on both strands of each training region (the record's Train files hold
both); predictions are of each row as it is.

``scale: cpu``: filters 32, 16, 16, 32 and dense 64, batch 256, at most 30,000 rows, 3 epochs.
"""

from __future__ import annotations

import torch
from torch import nn

from promoterbench.settings import merge
from promoterbench.teams.torch_team import KERAS_BN
from promoterbench.teams.unlock_dna import glorot_, keras_dense_

PAPER = {
    "seed": 1234,  # the notebook's random.seed
    "input": {"length": 249, "order": "ACGT", "n_value": 0.0, "reverse_channel": False},
    "recipe": {"max_rows": None},
    "model": {
        "filters": [256, 60, 60, 120],
        "kernels": [7, 3, 5, 3],
        "pool": 2,
        "dense": [256, 256],
        "dropout": 0.4,
    },
    "train": {
        "loss": "mse",
        "optimizer": "adam",
        "lr": 0.002,
        "eps": 1e-7,
        "batch_size": 128,
        "max_epochs": 100,
        "monitor": "val_loss",
        "patience": 10,
    },
}
CPU = merge(
    PAPER,
    {
        "recipe": {"max_rows": 30_000},
        "model": {"filters": [32, 16, 16, 32], "dense": [64, 64]},
        "train": {"batch_size": 256, "max_epochs": 3},
    },
)


def keras_conv_(conv: nn.Conv1d) -> None:
    """Keras Conv1D initialisation: glorot_uniform kernel (width, in, out), zero bias."""
    glorot_(conv.weight, (conv.kernel_size[0], conv.in_channels, conv.out_channels))
    nn.init.zeros_(conv.bias)


class DeepSTARR(nn.Module):
    """(B, 4, length) → (B, outputs)."""

    def __init__(
        self,
        length: int,
        outputs: int,
        filters: list[int],
        kernels: list[int],
        pool: int,
        dense: list[int],
        dropout: float,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = 4
        for width, kernel in zip(filters, kernels):
            conv = nn.Conv1d(channels, width, kernel, padding="same")
            keras_conv_(conv)
            layers += [conv, nn.BatchNorm1d(width, **KERAS_BN), nn.ReLU(), nn.MaxPool1d(pool)]
            channels, length = width, length // pool
        self.convs = nn.Sequential(*layers)
        layers, features = [], channels * length
        for units in dense:
            linear = nn.Linear(features, units)
            keras_dense_(linear)
            layers += [linear, nn.BatchNorm1d(units, **KERAS_BN), nn.ReLU(), nn.Dropout(dropout)]
            features = units
        self.dense = nn.Sequential(*layers)
        self.heads = nn.ModuleList(nn.Linear(features, 1) for _ in range(outputs))
        for head in self.heads:
            keras_dense_(head)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.dense(self.convs(x).transpose(1, 2).flatten(1))  # Keras flattens (L, C)
        return torch.cat([head(x) for head in self.heads], dim=1)


def build(settings: dict, outputs: int) -> DeepSTARR:
    return DeepSTARR(settings["input"]["length"], outputs, **settings["model"])

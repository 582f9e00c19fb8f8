"""Camformers — residual CNN, 16,611,073 parameters (4th place).

Source: dream_submissions/Camformers (camformers_submission.py, report.pdf).

Recipe (as submitted): drop reads with more than 3 N, then reads whose length is outside 110 ± 3;
pad shorter reads with N at the 3' end to 110 nt, truncate longer ones to their first 110 nt;
one-hot A,C,G,T with anything else as zeros; raw labels; random 90/10 split (seed 42).

Model: six conv blocks Conv(k=10, 'same' padding 4 before / 5 after) → BatchNorm → ReLU →
[MaxPool(10, stride 4) in block 5 only] → Dropout(0.3); 4→512 then 512→512; blocks are used in
pairs with a residual add over the second block of each pair; flatten 512 × 26 → Linear 256 → ReLU
→ Linear 256 → ReLU → Linear 1. The team wrote it as Conv2d on a (4, 110, 1) image with (10, 1)
kernels; Conv1d is the same computation with the same parameters.

Training: L1 loss, AdamW (lr 1e-3, weight decay 1e-3), ReduceLROnPlateau on the validation loss
(factor 0.1, patience 10), batch 256 (drop_last), at most 50 epochs, early stopping when
validation r + ρ has not improved for 10 epochs, keeping the best r + ρ epoch.

``scale: cpu`` keeps every structural choice and shrinks width (32 channels, 64-unit dense
layers), epochs (3) and reads (55,000) so it trains in under two minutes on one core; its
learning rate is 3e-3, the best of ``snakemake tune`` for the default FLOP budget.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from promoterbench import filters
from promoterbench.settings import merge
from promoterbench.teams.torch_team import SameConv1d, TorchTeam, fused

PAPER = {
    "seed": 42,
    "recipe": {
        "max_n": 3,
        "length": 110,
        "length_tolerance": 3,
        "input_length": 110,
        "pad": "right",  # N-padding at the 3' end
        "keep": "left",  # longer reads keep their first 110 nt
        "val_fraction": 0.1,
        "max_reads": None,
    },
    "model": {
        "channels": 512,
        "kernel": 10,
        "blocks": 6,
        "pool_block": 5,
        "pool_kernel": 10,
        "pool_stride": 4,
        "dense": [256, 256],
        "dropout": 0.3,
    },
    "train": {
        "lr": 1.0e-3,
        "weight_decay": 1.0e-3,
        "batch_size": 256,
        "drop_last": True,
        "max_epochs": 50,
        "monitor": "r+rho",
        "patience": 10,
        "plateau_factor": 0.1,
        "plateau_patience": 10,
    },
}
CPU = merge(
    PAPER,
    {
        "recipe": {"max_reads": 55_000},
        "model": {"channels": 32, "dense": [64, 64]},
        # lr: the best of `snakemake tune` under the default budget (0.3/1/3/10 × 1e-3; README)
        "train": {"lr": 3e-3, "max_epochs": 3, "patience": 2, "plateau_patience": 1},
    },
)


class ConvBlock(nn.Module):
    """Conv ('same': 4 before / 5 after for k 10) → BatchNorm → ReLU → [MaxPool] → Dropout."""

    def __init__(
        self, c_in: int, c_out: int, kernel: int, dropout: float, pool: tuple[int, int] | None
    ) -> None:
        super().__init__()
        self.conv = SameConv1d(c_in, c_out, kernel)
        self.bn = nn.BatchNorm1d(c_out)
        self.pool = nn.MaxPool1d(*pool) if pool else nn.Identity()
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.pool(F.relu(self.bn(self.conv(x)))))


class CamformersNet(nn.Module):
    """The Camformers residual CNN (see module docstring)."""

    def __init__(
        self,
        channels: int,
        kernel: int,
        blocks: int,
        pool_block: int,
        pool_kernel: int,
        pool_stride: int,
        dense: list[int],
        dropout: float,
        length: int = 110,
    ) -> None:
        super().__init__()
        if blocks % 2:
            raise ValueError("Camformers blocks come in residual pairs: use an even number")
        self.blocks = nn.ModuleList()
        for b in range(1, blocks + 1):
            pool = (pool_kernel, pool_stride) if b == pool_block else None
            self.blocks.append(
                ConvBlock(4 if b == 1 else channels, channels, kernel, dropout, pool)
            )
            if pool:
                length = (length - pool_kernel) // pool_stride + 1
        layers: list[nn.Module] = [nn.Flatten()]
        width = channels * length
        for units in dense:
            layers += [nn.Linear(width, units), nn.ReLU()]
            width = units
        layers.append(nn.Linear(width, 1))
        self.head = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for first, second in zip(self.blocks[::2], self.blocks[1::2]):
            x = first(x)
            x = second(x) + x
        return self.head(x)


class Camformers(TorchTeam):
    name = "camformers"
    architecture = "residual CNN (6 conv blocks, 3 residual pairs)"
    source = "de-Boer-Lab/random-promoter-dream-challenge-2022: dream_submissions/Camformers (code, report)"
    presets = {"paper": PAPER, "cpu": CPU}

    def select(self, meta: pd.DataFrame, settings: dict, rng: np.random.Generator) -> np.ndarray:
        r = settings["recipe"]
        reason = filters.reasons(len(meta))
        filters.drop(reason, meta["n_count"].to_numpy() > r["max_n"], f"more than {r['max_n']} N")
        lo, hi = r["length"] - r["length_tolerance"], r["length"] + r["length_tolerance"]
        length = meta["length"].to_numpy()
        filters.drop(reason, (length < lo) | (length > hi), f"length outside {lo}-{hi}")
        return filters.subsample(reason, r["max_reads"], rng)

    def build_model(self, settings: dict) -> nn.Module:
        return CamformersNet(**settings["model"], length=settings["recipe"]["input_length"])

    def loss(self, output: torch.Tensor, target: torch.Tensor, settings: dict) -> torch.Tensor:
        return F.l1_loss(output.reshape(target.shape), target)

    def optimizer(self, model: nn.Module, settings: dict) -> torch.optim.Optimizer:
        cfg = settings["train"]
        return torch.optim.AdamW(
            model.parameters(),
            lr=float(cfg["lr"]),
            weight_decay=float(cfg["weight_decay"]),
            **fused(settings),
        )

    def scheduler(self, optimizer: torch.optim.Optimizer, settings: dict, steps_per_epoch: int):
        cfg = settings["train"]
        plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer,
            mode="min",
            factor=float(cfg["plateau_factor"]),
            patience=int(cfg["plateau_patience"]),
        )
        return plateau, "plateau"

"""Wan&Barton_BBK — character-level temporal convolutional network, 4,143,861 parameters.

Source: dream_submissions/Wan&Barton_BBK (src/train.py, Final_submission.py, report.pdf), a
modification of locuslab/TCN.

Recipe: reads keep their own length (no padding): only lengths 89–111 are used, and length bins
with fewer than 1,000 reads at full data size (6,739,258 reads; the threshold scales with the data)
are dropped. Every epoch walks the length bins in order of first appearance, each bin's reads in
file order, in batches of 64 (drop_last, no shuffling — the team's DataLoaders did not shuffle).
Tokens A, C, G, N, T → a learned 100-dim embedding (uniform ±0.1) → dropout 0.1. No validation
split, no early stopping.

Model: five temporal blocks (dilation 1, 2, 4, 8, 16; levels = int(log2(111 / 2))), each two
weight-normalised causal convolutions (384 channels, kernel 3, chomped padding) with ReLU and
dropout 0.1, and a residual (1×1 conv where the width changes); the channel vector at the last
time step → Linear(384 → 1). Quirk kept: the team's N(0, 0.01) initialisation only reaches the
1×1 downsample and the output layer (on weight-normalised convolutions it is a no-op).

Loss ("CCLoss"): 0.1·MSE − (Pearson r² + Spearman ρ) per batch. ``faithful_to: code`` (default,
as submitted): the correlation terms are computed on detached values, so only 0.1·MSE trains the
model. ``faithful_to: report``: the Pearson r² term is differentiable; Spearman ρ has no gradient
(ranks are piecewise constant), so it stays a constant, and the embedding dropout is the report's
spatial (whole-channel) dropout.

Training: plain SGD, lr 0.05, gradient-norm clipping 0.15, seed 7. Passes over the data: the
code's default ``--epochs 130`` runs ``range(epochs + 1)`` = 131 passes (``faithful_to: code``, the
default, like every team's: the submitted code as it stands). The report's table says 100 epochs,
its text "for 100 epochs training, it took ~120 TPU hours" and its training-curve figure plots
epochs 0–100, so the submitted model most likely came from ``--epochs 100``, i.e. 101 passes:
``faithful_to: report`` runs 101 at ``scale: paper``. The code's loss with 101 passes is
``train: {max_epochs: 101}``.

``scale: cpu``: 16-dim embedding, 32 channels, 45,000 reads, 3 epochs, SGD lr 0.15 (the best of
``snakemake tune`` for the default FLOP budget).

On XLA (TPU) every batch is right-padded to a multiple of 8 nt and read at each read's last
position: the network is causal, so predictions are unchanged while the graph takes a few
shapes instead of one per read length.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import weight_norm

from promoterbench import filters
from promoterbench import sequences as sq
from promoterbench.fitting import Encoded
from promoterbench.sampling import PassStream
from promoterbench.settings import merge
from promoterbench.teams.torch_team import TorchTeam, fused
from promoterbench.transfer import to_device

FULL_DATA_READS = 6_739_258
TOKENS = np.array([0, 1, 2, 4, 3], dtype=np.int64)  # our codes A C G T N -> their tokens A C G N T
PAPER = {
    "seed": 7,
    "faithful_to": "code",
    "recipe": {
        "min_length": 89,
        "max_length": 111,
        "min_bin_reads": 1000,  # at FULL_DATA_READS; scaled with the number of reads
        "val_fraction": 0.0,
        "max_reads": None,
    },
    "model": {"embedding_dim": 100, "channels": 384, "levels": 5, "kernel": 3, "dropout": 0.1},
    "train": {
        "lr": 0.05,
        "clip_grad_norm": 0.15,
        "batch_size": 64,
        "max_epochs": 131,
        "monitor": "none",
        "patience": None,
        "mse_weight": 0.1,
    },
}
CPU = merge(
    PAPER,
    {
        "recipe": {"max_reads": 45_000},
        "model": {"embedding_dim": 16, "channels": 32},
        # lr: the best of `snakemake tune` under the default budget (0.3/1/3/10 × 0.05; README)
        "train": {"lr": 0.15, "max_epochs": 3},
    },
)


class Chomp(nn.Module):
    """Drop the last ``size`` positions: turns a padded convolution into a causal one."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :, : -self.size]


class TemporalBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, kernel: int, dilation: int, dropout: float) -> None:
        super().__init__()
        pad = (kernel - 1) * dilation
        layers: list[nn.Module] = []
        for c in (c_in, c_out):
            conv = weight_norm(nn.Conv1d(c, c_out, kernel, padding=pad, dilation=dilation))
            layers += [conv, Chomp(pad), nn.ReLU(), nn.Dropout(dropout)]
        self.net = nn.Sequential(*layers)
        self.downsample = nn.Conv1d(c_in, c_out, 1) if c_in != c_out else None
        if self.downsample is not None:
            self.downsample.weight.data.normal_(0, 0.01)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        res = x if self.downsample is None else self.downsample(x)
        return F.relu(self.net(x) + res)


class TCN(nn.Module):
    """Embedding → temporal blocks → last time step → Linear."""

    def __init__(
        self,
        embedding_dim: int,
        channels: int,
        levels: int,
        kernel: int,
        dropout: float,
        spatial_dropout: bool = False,
    ) -> None:
        super().__init__()
        self.embedding = nn.Embedding(5, embedding_dim)
        self.embedding.weight.data.uniform_(-0.1, 0.1)
        self.drop = nn.Dropout1d(dropout) if spatial_dropout else nn.Dropout(dropout)
        blocks, c_in = [], embedding_dim
        for level in range(levels):
            blocks.append(TemporalBlock(c_in, channels, kernel, 2**level, dropout))
            c_in = channels
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(channels, 1)
        self.head.weight.data.normal_(0, 0.01)

    def forward(self, x: torch.Tensor | tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """Tokens (B, L) read at the last step, or (right-padded tokens, last real position)."""
        tokens, last = x if isinstance(x, tuple) else (x, None)
        h = self.blocks(self.drop(self.embedding(tokens).transpose(1, 2)))
        h = h[:, :, -1] if last is None else h[torch.arange(len(h), device=h.device), :, last]
        return self.head(h)


XLA_BUCKET = 8  # on XLA, lengths are padded up to a multiple of 8: a few graph shapes, not 23


def bucketed_tokens(codes: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tokens right-padded (with N) to the next multiple of XLA_BUCKET, and each read's last
    position. The network is causal, so the output there ignores the padding: same result."""
    width = -(-int(lengths.max()) // XLA_BUCKET) * XLA_BUCKET
    padded = np.full((len(codes), width), sq.N_CODE, dtype=np.uint8)
    keep = min(width, codes.shape[1])
    padded[:, :keep] = codes[:, :keep]
    padded[np.arange(width)[None, :] >= lengths[:, None]] = sq.N_CODE
    return TOKENS[padded], lengths - 1


def _pearson(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    a, b = a - a.mean(), b - b.mean()
    return (a * b).sum() / (a.norm() * b.norm() + 1e-12)


def _ranks(x: torch.Tensor) -> torch.Tensor:
    return torch.argsort(torch.argsort(x)).to(x.dtype)


class WanBarton(TorchTeam):
    name = "wan_barton"
    architecture = "temporal convolutional network (5 dilated causal blocks)"
    source = "de-Boer-Lab/random-promoter-dream-challenge-2022: dream_submissions/Wan&Barton_BBK (code, report)"
    presets = {"paper": PAPER, "cpu": CPU}
    fidelity = {"paper": {"report": {"train": {"max_epochs": 101}}}}

    def select(self, meta: pd.DataFrame, settings: dict, rng: np.random.Generator) -> np.ndarray:
        r = settings["recipe"]
        length = meta["length"].to_numpy()
        reason = filters.reasons(len(meta))
        lo, hi = r["min_length"], r["max_length"]
        filters.drop(reason, (length < lo) | (length > hi), f"length outside {lo}-{hi}")
        min_reads = math.ceil(r["min_bin_reads"] * len(meta) / FULL_DATA_READS)
        kept_lengths = pd.Series(length[reason == filters.KEPT]).value_counts()
        small = kept_lengths.index[kept_lengths < min_reads].to_numpy()
        filters.drop(
            reason, np.isin(length, small), f"length bin with fewer than {min_reads} reads"
        )
        return filters.subsample(reason, r["max_reads"], rng)

    def build_model(self, settings: dict) -> nn.Module:
        return TCN(**settings["model"], spatial_dropout=settings["faithful_to"] == "report")

    def encode_sequences(self, sequences: pa.Array, settings: dict) -> np.ndarray:
        width = int(sq.lengths(sequences).max(initial=1))  # reads keep their own length
        return sq.encode(sequences, width, pad="right", keep="left")

    def _by_length(self, data: Encoded, size: int, drop_last: bool) -> list[np.ndarray]:
        """Batches within each length, bins in order of first appearance, reads in order."""
        lengths = data.extras["length"]
        _, first = np.unique(lengths, return_index=True)
        out = []
        for length in lengths[np.sort(first)]:
            rows = np.flatnonzero(lengths == length)
            stop = len(rows) - len(rows) % size if drop_last else len(rows)
            out.extend(rows[i : i + size] for i in range(0, stop, size))
        return out

    def batches(
        self,
        data: Encoded,
        settings: dict,
        rng: np.random.Generator,
        stream: PassStream | None = None,
    ) -> list[np.ndarray]:
        """The pass in file order; with ``steps_per_epoch``, that many batches of the pass
        repeated, running on across epochs."""
        batches = self._by_length(data, int(settings["train"]["batch_size"]), drop_last=True)
        steps = settings["train"]["steps_per_epoch"]
        if steps is None:
            return batches
        return (stream or PassStream(len(data), rng)).cycle(batches, int(steps))

    def eval_batches(self, data: Encoded, size: int) -> list[np.ndarray]:
        return self._by_length(data, size, drop_last=False)

    def inputs(self, data: Encoded, idx: np.ndarray, device: torch.device, settings: dict):
        lengths = data.extras["length"][idx]
        if (lengths != lengths[0]).any():
            raise ValueError("a TCN batch must hold reads of one length")
        if device.type == "xla":  # static shapes: no recompilation for every read length
            tokens, last = bucketed_tokens(data.codes[idx], lengths)
            return to_device(tokens, device), to_device(last, device)
        return to_device(TOKENS[data.codes[idx, : lengths[0]]], device)

    def loss(self, output: torch.Tensor, target: torch.Tensor, settings: dict) -> torch.Tensor:
        """CCLoss: 0.1·MSE − (r² + ρ); which terms carry gradients depends on ``faithful_to``."""
        pred = output.reshape(target.shape)
        r = _pearson(pred, target)
        rho = _pearson(_ranks(pred.detach()), _ranks(target))
        r2 = r * r if settings["faithful_to"] == "report" else (r * r).detach()
        mse = F.mse_loss(pred, target)
        return float(settings["train"]["mse_weight"]) * mse - (r2 + rho.detach())

    def optimizer(self, model: nn.Module, settings: dict) -> torch.optim.Optimizer:
        return torch.optim.SGD(
            model.parameters(), lr=float(settings["train"]["lr"]), **fused(settings)
        )

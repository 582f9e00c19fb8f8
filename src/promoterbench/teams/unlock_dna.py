"""Unlock_DNA — conformer on 10-mer patch embeddings of both strands, 47,425,543 parameters
(3rd place).

Source: dream_submissions/Unlock_DNA/code (prepare_tfdatasets.ipynb, mode_training.ipynb; the
Keras summary gives the parameter count; report.pdf as summarised in team_specs §7).

Recipe: the 17-nt 5' and 13-nt 3' adapters are cut off by position (the first 17 and last 13
characters, whatever they hold); reads whose remaining variable part is longer than 100 nt are
dropped (1,690 of 6,739,258 in the team's run); the rest are centred in 100 nt with N on both
sides (pandas ``str.pad(side='both')``, i.e. Python's ``str.center``: the odd N goes to the 3'
side) and followed by their reverse complement — 200 tokens A0 C1 G2 T3 N4 (M5 = masked).
Target: (y − mean) / SD over all kept reads (train and validation), as prepare_tfdatasets did.
Validation: 5 % held out at random; the team's split (``shuffle(1000, seed=1)`` then take/skip)
was redrawn every epoch, leaking validation reads into training: a fixed split is used here.

Model (``Regressor``): one-hot over the 6 tokens → 10-mer patches around each token
(``extract_patches``, stride 1, 'SAME': 4 before, 5 after, zeros beyond the 200 tokens, patches
crossing from the forward into the reverse strand) → Dense 60 → 512 (here the equivalent
Conv1d k 10) + learned position embedding (200) + strand embedding (forward 0, reverse 1).
32 "pseudo-expression" tokens, Dense(1 → 512) applied to zeros (its bias, identical tokens; the
kernel is counted and never moves), go first: 232 tokens. Four blocks (``ConformerSASwiGLULayer``,
8 heads): x += ½·FFN(x); x += Dropout(ReLU(SeparableConv1D k 15 (LN(x)))); x = LN(x);
x += MHA(x, x); x += ½·FFN(x). FFN: LN → Dense 4d (no bias) → SwiGLU → Dropout → Dense d (no bias)
→ Dropout. MHA: Keras ``MultiHeadAttention(num_heads=8, key_dim=512)`` — every head is 512 wide
(the query, key and value projections are 512 → 8 × 512), with biases, no attention dropout.
LayerNorm ε 1e-6, dropout 0.1 (the report says 0.01; the code's 0.1 is used). Heads: Dropout →
Dense(1) on each pseudo token, averaged → expression; Dense(6) on each of the 200 sequence
tokens → reconstruction logits.

Training (``train_step``): 5 % of the non-N tokens (either strand, drawn independently) are
replaced by M; loss = MSE(expression) + Σ mask·CE(tokens) / (Σ mask + 1). Adam (β 0.9/0.98,
ε 1e-9) with the Noam schedule lr = 512^-½ · min(s^-½, s · 12,500^-1.5) on Keras' step count s
(0 at the first step, so it takes no step; peak ≈ 3.95e-4 at 12,500, about one epoch); batch 512
(the last, short batch kept), 20 epochs, the epoch with the best validation Pearson r kept (the
team's Keras metric averaged r over batches of 512; here r is over the whole validation set).
Gradient clipping as Keras applies ``clipvalue=0.5, clipnorm=1.0``: each value clipped, then each
weight's gradient clipped to norm 1 (not a global norm). The team trained on 4 GPUs
(MirroredStrategy) with a custom ``train_step`` that does not divide its loss by the number of
replicas, so the clipped gradient was the sum over replicas — 4 × the mean (``train.replicas``).
Adam itself does not see the factor (up to ε). Keras initialisers: glorot_uniform with Keras'
fans for every kernel (for the 3-D attention kernels fan-in = heads · d and fan-out = key size · d
for the projections, key size · heads and d · heads for the output), embeddings U(±0.05), zero
biases. No test-time augmentation; predictions are mapped back from z-units to the label scale
(monotone: r and ρ as the team's). Test sequences whose variable part is longer than 100 nt (none
in the challenge's test set) keep its central 100 nt, which the team's code refused.

Beyond the code: each epoch is a full shuffle (the team read a once-shuffled file through a
1,000-read shuffle buffer).

``scale: cpu``: width 32, 2 heads of 32, one block, 20,000 reads, batch 256, 3 epochs, the Noam
warm-up 75 steps (one epoch of the preset's own, as the team's) on the same d = 512 (a peak lr of
5.1e-3); under the compute budget the warm-up stays 75 steps.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import torch
import torch.nn.functional as F
from torch import nn

from promoterbench import filters
from promoterbench import sequences as sq
from promoterbench.fitting import Encoded
from promoterbench.settings import COUNT, FRACTION, POSITIVE, merge
from promoterbench.teams.base import Reads
from promoterbench.teams.torch_team import SameConv1d, StandardisedTarget, TorchTeam, fused
from promoterbench.transfer import to_device

TOKENS = 6  # A, C, G, T, N, M
MASK_CODE = 5
EMBEDDING_LIMIT = 0.05  # Keras Embedding's uniform initialiser

PAPER = {
    "seed": 123,
    "recipe": {"input_length": 100, "val_fraction": 0.05, "max_reads": None},
    "model": {
        "embedding_dim": 512,
        "kmer": 10,
        "heads": 8,
        "blocks": 4,
        "conv": 15,
        "projectors": 32,
        "dropout": 0.1,
        "mask_ratio": 0.05,
    },
    "train": {
        "batch_size": 512,
        "drop_last": False,
        "max_epochs": 20,
        "monitor": "r",
        "patience": None,
        "schedule_dim": 512,
        "warmup_steps": 12_500,
        "clip_value": 0.5,
        "clip_norm": 1.0,
        "replicas": 4,
    },
}
CPU = merge(
    PAPER,
    {
        "recipe": {"max_reads": 20_000},
        "model": {"embedding_dim": 32, "heads": 2, "blocks": 1},
        "train": {"batch_size": 256, "max_epochs": 3, "warmup_steps": 75},
    },
)


def centred(sequences: pa.Array, width: int) -> np.ndarray:
    """(n, width) codes of each sequence's variable part (adapters cut by position), centred as
    ``str.center`` centres; a longer part keeps its central ``width`` nt."""
    five, three = len(sq.FLANK5), len(sq.FLANK3)
    length = sq.lengths(sequences)
    out = np.full((len(length), width), sq.N_CODE, np.uint8)
    col = np.arange(width)[None, :]
    for lo in range(0, len(length), sq.ROWS_PER_CHUNK):
        size = np.asarray(length[lo : lo + sq.ROWS_PER_CHUNK])
        codes = sq.encode(sequences.slice(lo, len(size)), max(int(size.max()), 1))
        variable = np.maximum(size - five - three, 0)
        take = np.minimum(variable, width)
        margin = width - take
        left = margin // 2 + (margin & width & 1)  # CPython's str.center
        rel = col - left[:, None]
        src = np.clip(five + (variable - take)[:, None] // 2 + rel, 0, codes.shape[1] - 1)
        inside = (rel >= 0) & (rel < take[:, None])
        out[lo : lo + len(size)] = np.where(inside, np.take_along_axis(codes, src, 1), sq.N_CODE)
    return out


def noam(step: int, dim: int, warmup: int) -> float:
    """The team's ``CustomSchedule``: dim^-½ · min(step^-½, step · warmup^-1.5); 0 at step 0."""
    if step == 0:
        return 0.0
    return dim**-0.5 * min(step**-0.5, step * warmup**-1.5)


def glorot_(tensor: torch.Tensor, keras_shape: tuple[int, ...]) -> torch.Tensor:
    """Keras ``glorot_uniform`` for a kernel of Keras shape ``keras_shape`` (its fans: the last
    two dimensions times the product of the others)."""
    field = math.prod(keras_shape[:-2])
    fan_in, fan_out = keras_shape[-2] * field, keras_shape[-1] * field
    limit = math.sqrt(6 / (fan_in + fan_out))
    return nn.init.uniform_(tensor, -limit, limit)


def keras_dense_(layer: nn.Linear) -> None:
    """Keras Dense initialisation: glorot_uniform kernel, zero bias."""
    glorot_(layer.weight, (layer.in_features, layer.out_features))
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)


class SwiGLUFeedForward(nn.Module):
    """LayerNorm → Linear(d, 4d) → SwiGLU (half out × SiLU(half gate)) → Dropout →
    Linear(2d, d) → Dropout; no biases. (B, T, d) → (B, T, d)."""

    def __init__(self, dim: int, dropout: float, mult: int = 4) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.up = nn.Linear(dim, dim * mult, bias=False)
        self.down = nn.Linear(dim * mult // 2, dim, bias=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, gate = self.up(self.norm(x)).chunk(2, dim=-1)
        return self.dropout(self.down(self.dropout(out * F.silu(gate))))


class KerasMultiHeadAttention(nn.Module):
    """Keras ``MultiHeadAttention(num_heads, key_dim)`` self-attention: heads of ``key_dim``
    each (not d / heads), projections with biases, scores scaled by key_dim^-½."""

    def __init__(self, dim: int, heads: int, key_dim: int) -> None:
        super().__init__()
        self.heads, self.key_dim = heads, key_dim
        self.qkv = nn.ModuleList(nn.Linear(dim, heads * key_dim) for _ in range(3))
        self.out = nn.Linear(heads * key_dim, dim)
        for proj in self.qkv:
            glorot_(proj.weight, (dim, heads, key_dim))
            nn.init.zeros_(proj.bias)
        glorot_(self.out.weight, (heads, key_dim, dim))
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, _ = x.shape
        q, k, v = (p(x).view(b, t, self.heads, self.key_dim).transpose(1, 2) for p in self.qkv)
        att = F.scaled_dot_product_attention(q, k, v)
        return self.out(att.transpose(1, 2).reshape(b, t, self.heads * self.key_dim))


class ConformerBlock(nn.Module):
    """The team's ``ConformerSASwiGLULayer`` on (B, T, d)."""

    def __init__(self, dim: int, kernel: int, dropout: float, heads: int) -> None:
        super().__init__()
        self.ff1 = SwiGLUFeedForward(dim, dropout)
        self.conv_norm = nn.LayerNorm(dim, eps=1e-6)
        self.depthwise = nn.Conv1d(dim, dim, kernel, groups=dim, padding="same", bias=False)
        self.pointwise = nn.Conv1d(dim, dim, 1)
        self.dropout = nn.Dropout(dropout)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.attention = KerasMultiHeadAttention(dim, heads, dim)
        self.ff2 = SwiGLUFeedForward(dim, dropout)
        for ff in (self.ff1, self.ff2):
            keras_dense_(ff.up)
            keras_dense_(ff.down)
        glorot_(self.depthwise.weight, (kernel, dim, 1))
        glorot_(self.pointwise.weight, (1, dim, dim))
        nn.init.zeros_(self.pointwise.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + 0.5 * self.ff1(x)
        h = self.conv_norm(x).transpose(1, 2)
        x = x + self.dropout(F.relu(self.pointwise(self.depthwise(h)))).transpose(1, 2)
        x = self.norm(x)
        x = x + self.attention(x)
        return x + 0.5 * self.ff2(x)


class Regressor(nn.Module):
    """The team's ``Regressor`` on (B, 2·L) token codes (forward then reverse strand).

    Returns (B, 2): the expression estimate and, in training, the batch's masked-token loss
    (the team's ``train_step`` masks before the forward pass; 0 in evaluation, which masks
    nothing)."""

    def __init__(self, embedding_dim: int, kmer: int, heads: int, blocks: int, conv: int,
                 projectors: int, dropout: float, mask_ratio: float, length: int) -> None:  # fmt: skip
        super().__init__()
        d, positions = embedding_dim, 2 * length
        self.mask_ratio, self.projectors, self.length = mask_ratio, projectors, length
        self.kmers = SameConv1d(TOKENS, d, kmer)  # Dense on the flattened 10-mer patches
        self.positions = nn.Embedding(positions, d)
        self.strands = nn.Embedding(2, d)
        self.pseudo = nn.Linear(1, d)  # applied to zeros: the pseudo tokens are its bias
        self.blocks = nn.Sequential(*[ConformerBlock(d, conv, dropout, heads) for _ in range(blocks)])  # fmt: skip
        self.dropout = nn.Dropout(dropout)
        self.expression = nn.Linear(d, 1)
        self.nucleotides = nn.Linear(d, TOKENS)
        glorot_(self.kmers.weight, (kmer * TOKENS, d))
        nn.init.zeros_(self.kmers.bias)
        for emb in (self.positions, self.strands):
            nn.init.uniform_(emb.weight, -EMBEDDING_LIMIT, EMBEDDING_LIMIT)
        for dense in (self.pseudo, self.expression, self.nucleotides):
            keras_dense_(dense)
        self.register_buffer("strand", torch.arange(positions) // length, persistent=False)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        mask = torch.zeros_like(tokens, dtype=torch.bool)
        if self.training and self.mask_ratio > 0:
            draw = torch.rand(tokens.shape, device=tokens.device) < self.mask_ratio
            mask = draw & (tokens != sq.N_CODE)
        shown = torch.where(mask, torch.full_like(tokens, MASK_CODE), tokens)
        x = self.kmers(F.one_hot(shown, TOKENS).float().transpose(1, 2)).transpose(1, 2)
        x = x + self.positions.weight + self.strands(self.strand)
        zeros = x.new_zeros(len(x), self.projectors, 1)
        x = self.blocks(torch.cat([self.pseudo(zeros), x], dim=1))
        expression = self.expression(self.dropout(x[:, : self.projectors])).mean(dim=1)
        if not self.training:
            return torch.cat([expression, expression.new_zeros(len(x), 1)], dim=1)
        logits = self.nucleotides(x[:, self.projectors :]).float()
        ce = F.cross_entropy(logits.transpose(1, 2), tokens, reduction="none")
        masked = (ce * mask).sum() / (mask.sum() + 1)
        return torch.cat([expression, masked.expand(len(x), 1).to(expression.dtype)], dim=1)


class UnlockDNA(StandardisedTarget, TorchTeam):
    name = "unlock_dna"
    architecture = "conformer on 10-mer patch embeddings of both strands, masked-token loss"
    source = "de-Boer-Lab/random-promoter-dream-challenge-2022: dream_submissions/Unlock_DNA (code, report)"
    presets = {"paper": PAPER, "cpu": CPU}
    ranges = {
        "kmer": COUNT,
        "heads": COUNT,
        "projectors": COUNT,
        "mask_ratio": FRACTION,
        "schedule_dim": COUNT,
        "warmup_steps": COUNT,
        "clip_value": POSITIVE,
        "clip_norm": POSITIVE,
        "replicas": COUNT,
    }

    def select(self, meta: pd.DataFrame, settings: dict, rng: np.random.Generator) -> np.ndarray:
        width = settings["recipe"]["input_length"]
        reason = filters.reasons(len(meta))
        variable = meta["length"].to_numpy() - len(sq.FLANK5) - len(sq.FLANK3)
        filters.drop(reason, variable > width, f"variable part over {width} nt")
        return filters.subsample(reason, settings["recipe"]["max_reads"], rng)

    def build_model(self, settings: dict) -> nn.Module:
        return Regressor(**settings["model"], length=settings["recipe"]["input_length"])

    # -- data ---------------------------------------------------------------------------------
    def input_width(self, settings: dict) -> int | None:
        """The adapters and ``input_length`` nt of variable part (centred, cropped or padded)."""
        return settings["recipe"]["input_length"] + len(sq.FLANK5) + len(sq.FLANK3)

    def encode_sequences(self, sequences: pa.Array, settings: dict) -> np.ndarray:
        """The centred variable part (the reverse strand is added per batch)."""
        return centred(sequences, settings["recipe"]["input_length"])

    def encode(self, reads: Reads, settings: dict) -> Encoded:
        return Encoded(
            codes=self.encode_sequences(reads.sequence, settings),
            target=reads.expression.astype(np.float32),
            extras={},
        )

    def inputs(
        self, data: Encoded, idx: np.ndarray, device: torch.device, settings: dict
    ) -> torch.Tensor:
        codes = data.codes[idx]
        both = np.concatenate([codes, sq.reverse_complement(codes)], axis=1)
        return to_device(both, device).long()  # copied as bytes

    # -- loss and prediction --------------------------------------------------------------------
    def loss(self, output: torch.Tensor, target: torch.Tensor, settings: dict) -> torch.Tensor:
        """MSE of the expression plus the masked-token cross-entropy the model returns."""
        return F.mse_loss(output[:, 0], target) + output[:, 1].mean()

    def prediction(self, output: torch.Tensor, params: dict) -> torch.Tensor:
        return super().prediction(output[:, :1], params)

    # -- optimisation ---------------------------------------------------------------------------
    def optimizer(self, model: nn.Module, settings: dict) -> torch.optim.Optimizer:
        return torch.optim.Adam(
            model.parameters(), lr=1.0, betas=(0.9, 0.98), eps=1e-9, **fused(settings)
        )

    def scheduler(self, optimizer: torch.optim.Optimizer, settings: dict, steps_per_epoch: int):
        cfg = settings["train"]
        dim, warmup = int(cfg["schedule_dim"]), int(cfg["warmup_steps"])
        schedule = functools.partial(noam, dim=dim, warmup=warmup)
        return torch.optim.lr_scheduler.LambdaLR(optimizer, schedule), "batch"

    def clip_gradients(self, model: nn.Module, settings: dict) -> None:
        """Keras' ``clipvalue`` then per-weight ``clipnorm`` on the gradient summed over
        ``replicas`` (see the module docstring)."""
        cfg = settings["train"]
        value, norm = float(cfg["clip_value"]), float(cfg["clip_norm"])
        for p in model.parameters():
            if p.grad is None:
                continue
            g = p.grad.mul_(float(cfg["replicas"])).clamp_(-value, value)
            g.mul_(norm / torch.clamp(g.norm(), min=norm))

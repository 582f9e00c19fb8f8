"""The organisers' Prix Fixe "DREAM-optimised" models: DREAM-CNN, DREAM-RNN and DREAM-Attn.

Source: de-Boer-Lab/random-promoter-dream-challenge-2022 (``prixfixe/``: autosome, bhi and
unlockdna blocks; ``DREAMNets_BuildModel_Train_and_Predict.ipynb``, whose torchinfo summaries give
the parameter counts); Rafi et al., Nature Biotechnology 2024, which recommends them as starting
points. Each is a first-layers block, a core block and the autosome final block.

Data, target and test time are autosome's data processor and predictor (see
:mod:`promoterbench.teams.autosome`): 150 nt of plasmid context, 6 channels (A, G, C, T with N as
zeros — Prix Fixe's ``Seq2Tensor`` writes zeros explicitly — reverse and singleton flags), every
read also as its reverse complement, soft-bin targets with KL loss, forward/RC average with the
singleton channel 0. Final block: Conv 1×1 → 18 bins (no activation, unlike LegNet's SiLU) →
global average pool. The organisers' trainer keeps the epoch with the best validation Pearson r
(``model_best.pth``) on a separate validation file whose size the notebook leaves to the user;
10 % of the reads are held out here.

- ``dream_cnn`` (1,933,970 parameters): BHI's first block — Conv k 9 and k 15 (160 channels each,
  bias) → ReLU → Dropout 0.2, concatenated (320) — then the Prix Fixe autosome core: LegNet stages
  320 → 128, 128, 64, 64, 64 → 64 whose SE block has no bilinear term (``SELayerSimple``).
- ``dream_rnn`` (4,130,578): BHI's first block, then BHI's core: BiLSTM 320 per direction →
  Conv k 9 and k 15 (160 each) → ReLU → Dropout 0.2, concatenated (320) → Dropout 0.5.
- ``dream_attn`` (4,539,410): autosome's first block (Conv k 7, 256, BN, SiLU), then Unlock_DNA's
  core: a learned position embedding (150 × 256) added, four conformer blocks (x += ½·FFN;
  x += LN(x) + DWConv k 15 → Conv 1×1 → ReLU → Dropout on LN(x); x = LN(x); x += MHA(x);
  x += ½·FFN; SwiGLU feed-forward 4× without biases, LayerNorm ε 1e-6, dropout 0.1). The
  notebook asks for 8 heads, but ``ConformerSASwiGLULayer`` builds its attention with 4 whatever
  it is given; 4 are used (the parameter count is the same).

Initialisation as Prix Fixe's: the autosome blocks (first, core, final) get LegNet's
(:func:`~promoterbench.teams.autosome.init_weights`); BHI's blocks and Unlock_DNA's core keep
PyTorch's defaults (their ``weights_init`` does nothing).

Training (AutosomeTrainer): AdamW (weight decay 0.01) from max lr / 25 with OneCycle to max lr
0.005 (0.001 when the core has attention, as the notebook says), batch 1,024, 80 epochs.
Epoch length (``train.steps_per_epoch``): the organisers' data processor defaults to 1,000
batches per epoch, as autosome's, but the notebook's instructions say to set it to "the total
amount of possible batches in the training data" for the 80 epochs — a whole pass over the 13.5 M
reads and reverse complements, about 13× autosome's compute. The paper's methods were not
available to check offline; the default here follows the notebook (null: one pass per epoch) and
``steps_per_epoch: 1000`` gives the other reading.

``scale: cpu``: the same blocks, narrower — first block 64 channels and stages 16/16/8/8/8/8
(DREAM-CNN); first block 32, BiLSTM 16 per direction, convolutions 2 × 16 (DREAM-RNN); one
32-wide conformer block (DREAM-Attn: attention over 150 positions is the slow part on a CPU) —
batch 256, 30,000 reads, and autosome's cpu schedule of 3 epochs of 70 batches. On one thread
they train at 332, 820 and 324 samples/s (``python benchmarks/train_throughput.py --team
dream_cnn --scale cpu --device cpu --threads 1``, likewise the others), i.e. 1–3 CPU-minutes for
the 53,760 samples.
"""

from __future__ import annotations

import copy
from abc import abstractmethod

import torch
from torch import nn

from promoterbench.recurrent import BiLSTM
from promoterbench.settings import COUNT, FRACTION, merge
from promoterbench.teams.autosome import (
    N_BINS,
    PAPER as AUTOSOME_PAPER,
    Autosome,
    SimpleSqueezeExcite,
    Stage,
    conv_bn,
    init_weights,
)
from promoterbench.teams.bhi import ConvBranches
from promoterbench.teams.unlock_dna import SwiGLUFeedForward

CHANNELS = 6  # the yeast input: A, G, C, T, is_reverse, is_singleton
# LegNet's stage hyper-parameters, fixed in the Prix Fixe autosome core
STAGE = {"kernel": 7, "resize": 4, "per_group": 2, "reduction": 4, "momentum": 0.1}


def _preset(model: dict, max_lr: float) -> dict:
    """A Prix Fixe model's paper preset: autosome's recipe and schedule, its own blocks."""
    preset = copy.deepcopy(AUTOSOME_PAPER)
    del preset["faithful_to"]  # one source: the organisers' code
    del preset["train"]["recompute_activations"]  # LegNet's option
    preset["seed"] = 2147483647  # the notebook's generator seed
    preset["recipe"]["val_fraction"] = 0.1
    preset["model"] = model
    preset["train"].update(max_lr=max_lr, steps_per_epoch=None, monitor="r", patience=None)
    return preset


def _cpu(paper: dict, model: dict) -> dict:
    return merge(
        paper,
        {
            "recipe": {"max_reads": 30_000},
            "model": model,
            "train": {"batch_size": 256, "steps_per_epoch": 70, "max_epochs": 3},
        },
    )


class AutosomeCore(nn.Module):
    """Prix Fixe's autosome core: LegNet stages with the simple SE block."""

    def __init__(self, c_in: int, blocks: list[int]) -> None:
        super().__init__()
        sizes = [c_in] + list(blocks)
        self.stages = nn.Sequential(*[
            Stage(prev, size, STAGE["kernel"], STAGE["resize"], STAGE["per_group"],
                  STAGE["reduction"], STAGE["momentum"], se=SimpleSqueezeExcite)
            for prev, size in zip(sizes[:-1], sizes[1:])
        ])  # fmt: skip
        self.out_channels = sizes[-1]
        self.apply(init_weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.stages(x)


class BHICore(nn.Module):
    """BHI's core: BiLSTM → parallel convolutions → dropout."""

    def __init__(self, c_in: int, lstm_units: int, channels: int, kernels: list[int],
                 dropout: float, head_dropout: float) -> None:  # fmt: skip
        super().__init__()
        self.lstm = BiLSTM(c_in, lstm_units)
        self.conv = ConvBranches(2 * lstm_units, channels, kernels, dropout)
        self.dropout = nn.Dropout(head_dropout)
        self.out_channels = channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.conv(self.lstm(x.transpose(1, 2)).transpose(1, 2)))


class ConformerBlock(nn.Module):
    """Prix Fixe's ``ConformerSASwiGLULayer`` on (B, T, d), as its forward computes it."""

    def __init__(self, dim: int, kernel: int, dropout: float, heads: int) -> None:
        super().__init__()
        self.ff1 = SwiGLUFeedForward(dim, dropout)
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.conv = nn.Sequential(
            nn.Conv1d(dim, dim, kernel, groups=dim, padding="same", bias=False),
            nn.Conv1d(dim, dim, 1),
            nn.ReLU(),
            nn.Dropout(dropout),
        )
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.attention = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.ff2 = SwiGLUFeedForward(dim, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + 0.5 * self.ff1(x)
        h = self.norm1(x)
        x = x + h + self.conv(h.transpose(1, 2)).transpose(1, 2)
        x = self.norm2(x)
        x = x + self.attention(x, x, x, need_weights=False)[0]
        return x + 0.5 * self.ff2(x)


class UnlockDNACore(nn.Module):
    """Unlock_DNA's core: learned positions added, then conformer blocks."""

    def __init__(self, dim: int, length: int, blocks: int, kernel: int, dropout: float,
                 heads: int) -> None:  # fmt: skip
        super().__init__()
        self.positions = nn.Embedding(length, dim)
        self.blocks = nn.Sequential(
            *[ConformerBlock(dim, kernel, dropout, heads) for _ in range(blocks)]
        )
        self.out_channels = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.transpose(1, 2) + self.positions.weight[None, : x.shape[2]]
        return self.blocks(x).transpose(1, 2)


class PrixFixeNet(nn.Module):
    """First block → core → autosome final block (Conv 1×1 → 18 bins → mean over positions)."""

    def __init__(self, first: nn.Module, core: nn.Module) -> None:
        super().__init__()
        self.first, self.core = first, core
        self.final = nn.Conv1d(core.out_channels, N_BINS, 1)
        init_weights(self.final)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.final(self.core(self.first(x))).mean(dim=2)


class PrixFixeTeam(Autosome):
    """autosome's data, target, loss, schedule and test time; the model from :meth:`blocks`."""

    kind = "reference"
    source = (
        "de-Boer-Lab/random-promoter-dream-challenge-2022: prixfixe/, "
        "DREAMNets_BuildModel_Train_and_Predict.ipynb; Rafi et al., Nat Biotechnol 2024"
    )
    ranges = {"first_channels": COUNT, "heads": COUNT, "head_dropout": FRACTION}

    @abstractmethod
    def blocks(self, settings: dict) -> tuple[nn.Module, nn.Module]:
        """(first block, core block) for these settings."""

    def build_model(self, settings: dict) -> nn.Module:
        return PrixFixeNet(*self.blocks(settings))


def bhi_first(m: dict, channels: int) -> ConvBranches:
    """BHI's first block on ``channels`` input channels (PyTorch's default initialisation)."""
    return ConvBranches(channels, m["first_channels"], m["kernels"], m["dropout"])


def cnn_blocks(m: dict, channels: int, length: int) -> tuple[nn.Module, nn.Module]:
    """DREAM-CNN's (first, core) blocks for ``channels`` × ``length`` inputs."""
    return bhi_first(m, channels), AutosomeCore(m["first_channels"], m["blocks"])


def rnn_blocks(m: dict, channels: int, length: int) -> tuple[nn.Module, nn.Module]:
    """DREAM-RNN's (first, core) blocks for ``channels`` × ``length`` inputs."""
    first = bhi_first(m, channels)
    core = BHICore(m["first_channels"], m["lstm_units"], m["channels"], m["kernels"],
                   m["dropout"], m["head_dropout"])  # fmt: skip
    return first, core


def attn_blocks(m: dict, channels: int, length: int) -> tuple[nn.Module, nn.Module]:
    """DREAM-Attn's (first, core) blocks for ``channels`` × ``length`` inputs (the learned
    position embedding has ``length`` rows)."""
    first = conv_bn(channels, m["channels"], m["kernel"], STAGE["momentum"])
    first.apply(init_weights)
    core = UnlockDNACore(m["channels"], length, m["blocks"], m["conv"], m["dropout"], m["heads"])
    return first, core


class DreamCNN(PrixFixeTeam):
    name = "dream_cnn"
    architecture = (
        "Prix Fixe DREAM-CNN: BHI first block + autosome core (LegNet stages), 18-bin head"
    )
    presets = {
        "paper": (
            paper := _preset(
                {"first_channels": 320, "kernels": [9, 15], "dropout": 0.2,
                 "blocks": [128, 128, 64, 64, 64, 64]},  # fmt: skip
                max_lr=0.005,
            )
        ),
        "cpu": _cpu(paper, {"first_channels": 64, "blocks": [16, 16, 8, 8, 8, 8]}),
    }

    def blocks(self, settings: dict) -> tuple[nn.Module, nn.Module]:
        return cnn_blocks(settings["model"], CHANNELS, settings["recipe"]["context_length"])


class DreamRNN(PrixFixeTeam):
    name = "dream_rnn"
    architecture = "Prix Fixe DREAM-RNN: BHI first block + BHI core (BiLSTM → convs), 18-bin head"
    presets = {
        "paper": (
            paper := _preset(
                {"first_channels": 320, "kernels": [9, 15], "dropout": 0.2,
                 "lstm_units": 320, "channels": 320, "head_dropout": 0.5},  # fmt: skip
                max_lr=0.005,
            )
        ),
        "cpu": _cpu(paper, {"first_channels": 32, "lstm_units": 16, "channels": 32}),
    }

    def blocks(self, settings: dict) -> tuple[nn.Module, nn.Module]:
        return rnn_blocks(settings["model"], CHANNELS, settings["recipe"]["context_length"])


class DreamAttn(PrixFixeTeam):
    name = "dream_attn"
    architecture = (
        "Prix Fixe DREAM-Attn: autosome first block + Unlock_DNA conformer core, 18-bin head"
    )
    presets = {
        "paper": (
            paper := _preset(
                {"channels": 256, "kernel": 7, "blocks": 4, "conv": 15, "heads": 4,
                 "dropout": 0.1},  # fmt: skip
                max_lr=0.001,
            )
        ),
        "cpu": _cpu(paper, {"channels": 32, "blocks": 1}),
    }

    def blocks(self, settings: dict) -> tuple[nn.Module, nn.Module]:
        return attn_blocks(settings["model"], CHANNELS, settings["recipe"]["context_length"])

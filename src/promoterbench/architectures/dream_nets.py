"""DREAM-CNN, DREAM-RNN and DREAM-Attn as the organisers ran them on DeepSTARR and lentiMPRA.

Source: de-Boer-Lab/random-promoter-dream-challenge-2022, ``benchmarks/drosophila`` and
``benchmarks/human`` (``DREAMNets_buildModel_Train_Predict.ipynb`` and their ``prixfixe`` copies).
The first and core blocks are the yeast ones (:mod:`promoterbench.teams.prixfixe`, same settings;
the notebooks' torchinfo summaries show the same block counts); what changes is the input and the
final block:

- input: the data set's length (249 nt DeepSTARR, 230 nt lentiMPRA), 5 channels: one-hot A, G, C,
  T (N all zeros) and "is reverse" (1 on a row whose ID marks the minus strand: ``-_`` in a
  DeepSTARR ID, ``_Reversed:`` in a lentiMPRA ``seq_id``). No singleton channel, no plasmid
  context, no reverse-complement copies made on the fly (both orientations are rows of the data)
  and no test-time averaging: each row is predicted as it is.
- final block (``AutosomeFinalLayersBlock`` of the benchmarks): per output a Conv 1×1 to 256
  channels → mean over positions → Linear(256 → 1): two heads for DeepSTARR (Dev, Hk), one for
  lentiMPRA. LegNet's initialisation (Prix Fixe's ``initialize_weights``).
- loss: MSE, summed over DeepSTARR's two outputs with weight 1 each ("same as DeepSTARR").
- recipe (``AutosomeTrainer``): AdamW (weight decay 0.01) from max lr / 25 with OneCycle (30 %
  warm-up, cosine, momentum cycling) to max lr 0.005 (DREAM-CNN, DREAM-RNN) or 0.001
  (DREAM-Attn), 80 epochs (the notebooks run 5 on their samples, "#80" beside it), batch 32 (the
  notebooks' ``TRAIN_BATCH_SIZE``; the data processor's own default would be 1,024), one pass
  over the training rows per epoch (``BATCH_PER_EPOCH = rows // batch``), generator seed 42.
  The kept epoch: lowest validation MSE (mean of Dev and Hk) for DeepSTARR — the drosophila
  trainer's ``_dump_best`` — and highest validation Pearson r for lentiMPRA.

``scale: cpu``: the yeast CPU widths (:mod:`promoterbench.teams.prixfixe`), batch 256, at most
30,000 training rows, 3 epochs of 70 batches.
"""

from __future__ import annotations

import copy
from collections import OrderedDict

import torch
from torch import nn

from promoterbench.settings import merge
from promoterbench.teams import prixfixe
from promoterbench.teams.autosome import init_weights

HEAD_CHANNELS = 256
BLOCKS = {"dream_cnn": prixfixe.cnn_blocks, "dream_rnn": prixfixe.rnn_blocks,
          "dream_attn": prixfixe.attn_blocks}  # fmt: skip
YEAST = {"dream_cnn": prixfixe.DreamCNN, "dream_rnn": prixfixe.DreamRNN,
         "dream_attn": prixfixe.DreamAttn}  # fmt: skip
MAX_LR = {"dream_cnn": 0.005, "dream_rnn": 0.005, "dream_attn": 0.001}
MONITOR = {"deepstarr": "val_loss", "lentimpra": "r"}  # how the organisers' trainers keep an epoch


class OutputHeads(nn.Module):
    """One head per output: Conv 1×1 (→ 256) → mean over positions → Linear(256 → 1).
    (B, C, L) → (B, outputs)."""

    def __init__(self, c_in: int, outputs: int, hidden: int = HEAD_CHANNELS) -> None:
        super().__init__()
        self.heads = nn.ModuleList(
            nn.Sequential(
                nn.Conv1d(c_in, hidden, 1),
                nn.AdaptiveAvgPool1d(1),
                nn.Flatten(),
                nn.Linear(hidden, 1),
            )
            for _ in range(outputs)
        )
        self.apply(init_weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([head(x) for head in self.heads], dim=1)


def build(name: str, settings: dict, outputs: int) -> nn.Module:
    """DREAM net ``name`` for a preset of :func:`presets` with ``outputs`` heads."""
    spec = settings["input"]
    channels = 4 + spec["reverse_channel"]
    first, core = BLOCKS[name](settings["model"], channels, spec["length"])
    head = OutputHeads(core.out_channels, outputs)
    return nn.Sequential(OrderedDict(first=first, core=core, final=head))


def presets(name: str, data: str, length: int) -> dict[str, dict]:
    """``paper`` and ``cpu`` settings of DREAM net ``name`` on data set ``data``."""
    yeast = YEAST[name].presets
    paper = {
        "seed": 42,
        "input": {"length": length, "order": "AGCT", "n_value": 0.0, "reverse_channel": True},
        "recipe": {"max_rows": None},
        "model": copy.deepcopy(yeast["paper"]["model"]),
        "train": {
            "loss": "mse",
            "optimizer": "adamw",
            "weight_decay": 0.01,
            "max_lr": MAX_LR[name],
            "div_factor": 25.0,
            "pct_start": 0.3,
            "batch_size": 32,
            "steps_per_epoch": None,
            "max_epochs": 80,
            "monitor": MONITOR[data],
        },
    }
    cpu = merge(
        paper,
        {
            "recipe": {"max_rows": 30_000},
            "model": yeast["cpu"]["model"],
            "train": {"batch_size": 256, "steps_per_epoch": 70, "max_epochs": 3},
        },
    )
    return {"paper": paper, "cpu": cpu}

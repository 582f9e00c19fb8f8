"""MPRA-LegNet (Agarwal et al., Nature 2025), the lentiMPRA data set's own model.

Source: autosome-ru/human_legnet (``model.py``, ``training_config.py``, ``trainer.py``,
``dataset.py``, ``datamodule.py``, ``core.py``). The paper settings are those of the repository's
released model config, ``models/example.cfg`` (written by ``core.py`` for the published WTC11
run): stem Conv k 5 to 64 channels → BN → SiLU, then four stages (80, 96, 112, 128 channels),
each the concatenation of [EfficientNet-like block, its input] — 1×1 expand ×4, depth-wise k 3,
squeeze-excitation (Linear 4c → c → 4c, SiLU, sigmoid), 1×1 project, BN + SiLU after each conv
— then Conv k 3 → BN → SiLU to the stage's width and MaxPool 2; mapper BN → Conv 1×1 (128 → 256);
mean over positions; head Linear(256, 256) → BN → SiLU → Linear(256, 1). Input 230 × 4 one-hot
(A, G, C, T; the code means N as 0.25 but writes it into an integer tensor, so N is all zeros),
no reverse channel (``use_reverse_channel: false``). ``core.py``'s own defaults differ in the
kernels (stem 11, stages 9); the released config is the published model's.

Recipe: MSE; AdamW (weight decay 0.1) from max lr / 25 with OneCycle to max lr 0.01 (30 % warm-up,
no momentum cycling) over all steps; batch 1,024; 25 epochs; gradient norm clipped at 1; fp16
mixed precision (the workflow's ``precision: fp16`` on CUDA, not a model setting); seed 777; the
epoch with the best validation Pearson r is kept. Data: the
forward rows only (``datamodule.py`` drops ``rev == 1``); augmentation: each training sequence is
shifted by a uniform whole number of positions in [-shift_left, shift_right] = [0, 21] (the 21-nt
forward adapter's length; a positive shift drops the first positions and appends the 3' flank
``CACTAGAG…``, a negative one would prepend the 5' flank ``GGCCCGCTCTAGACCTGCAGG``) and
reverse-complemented with probability ½. Test time: the forward and the reverse-complement
prediction of each sequence (``forw_pred``, ``rev_pred``). Cross-validation: every (test,
validation) pair of the 10 folds.

``scale: cpu``: stem 16, stages 16, 16, 24, 32, batch 256, at most 30,000 rows, 3 epochs.
"""

from __future__ import annotations

import torch
from torch import nn

from promoterbench.settings import merge
from promoterbench.teams.autosome import SimpleSqueezeExcite, conv_bn, init_weights

BN_MOMENTUM = 0.1  # PyTorch's default, which human_legnet keeps
FLANK5 = "GGCCCGCTCTAGACCTGCAGG"
FLANK3 = "CACTAGAGGGTATATAATGGAAGCTCGACTTCCAGCTTGGCAATCCGGTACTGT"
PAPER = {
    "seed": 777,
    "input": {"length": 230, "order": "AGCT", "n_value": 0.0, "reverse_channel": False},
    "recipe": {
        "max_rows": None,
        "forward_rows_only": True,
        "reverse_augment": 0.5,
        "shift_left": 0,
        "shift_right": len(FLANK5),
        "flank5": FLANK5,
        "flank3": FLANK3,
        "test_time": ["forward", "reverse_complement"],
    },
    "model": {
        "stem_channels": 64,
        "stem_kernel": 5,
        "kernel": 3,
        "blocks": [80, 96, 112, 128],
        "resize_factor": 4,
        "pools": [2, 2, 2, 2],
    },
    "train": {
        "loss": "mse",
        "optimizer": "adamw",
        "weight_decay": 0.1,
        "max_lr": 0.01,
        "div_factor": 25.0,
        "pct_start": 0.3,
        "cycle_momentum": False,
        "batch_size": 1024,
        "max_epochs": 25,
        "clip_grad_norm": 1.0,
        "monitor": "r",
    },
}
CPU = merge(
    PAPER,
    {
        "recipe": {"max_rows": 30_000},
        "model": {"stem_channels": 16, "blocks": [16, 16, 24, 32]},
        "train": {"batch_size": 256, "max_epochs": 3},
    },
)


class ConcatStage(nn.Module):
    """[EfficientNet-like block(x), x] → Conv → BN → SiLU → MaxPool: c → ``size`` channels."""

    def __init__(self, c: int, size: int, kernel: int, resize: int, pool: int) -> None:
        super().__init__()
        wide = c * resize
        self.block = nn.Sequential(
            conv_bn(c, wide, 1, BN_MOMENTUM),
            conv_bn(wide, wide, kernel, BN_MOMENTUM, groups=wide),
            SimpleSqueezeExcite(wide, wide, resize),
            conv_bn(wide, c, 1, BN_MOMENTUM),
        )
        self.resize = conv_bn(2 * c, size, kernel, BN_MOMENTUM)
        self.pool = nn.MaxPool1d(pool) if pool > 1 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.resize(torch.cat([self.block(x), x], dim=1)))


class MPRALegNet(nn.Module):
    """(B, channels, L) → (B, 1)."""

    def __init__(
        self,
        channels: int,
        stem_channels: int,
        stem_kernel: int,
        kernel: int,
        blocks: list[int],
        resize_factor: int,
        pools: list[int],
    ) -> None:
        super().__init__()
        if len(blocks) != len(pools):
            raise ValueError(f"{len(blocks)} blocks but {len(pools)} pool sizes")
        self.stem = conv_bn(channels, stem_channels, stem_kernel, BN_MOMENTUM)
        sizes = [stem_channels, *blocks]
        self.stages = nn.Sequential(*[
            ConcatStage(c, size, kernel, resize_factor, pool)
            for c, size, pool in zip(sizes[:-1], sizes[1:], pools)
        ])  # fmt: skip
        width = 2 * sizes[-1]
        self.mapper = nn.Sequential(nn.BatchNorm1d(sizes[-1]), nn.Conv1d(sizes[-1], width, 1))
        self.head = nn.Sequential(
            nn.Linear(width, width), nn.BatchNorm1d(width), nn.SiLU(), nn.Linear(width, 1)
        )
        self.apply(init_weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.mapper(self.stages(self.stem(x))).mean(dim=2))


def build(settings: dict, outputs: int) -> MPRALegNet:
    if outputs != 1:
        raise ValueError(f"MPRA-LegNet predicts one output, not {outputs}")
    channels = 4 + settings["input"]["reverse_channel"]
    return MPRALegNet(channels, **settings["model"])

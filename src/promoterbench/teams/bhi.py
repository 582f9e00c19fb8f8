"""BHI — DeepGXP: CNN → BiLSTM → CNN → MLP, 6,875,137 parameters (2nd place).

Source: dream_submissions/BHI - dream challenge/code/src (net.py, data.py, train_full.py,
infer_txt.py, postprocess_txt.py; report.pdf as summarised in team_specs §6).

Recipe: every read, no hold-out (the final model was trained on all data). Input 110 nt: longer
reads keep their first 110 nt; shorter ones are filled with the real vector sequence around the
insert (the plasmid after the 3' adapter, ``TCTTAATTAA…``, and before the 5' adapter,
``…GATTCGAAC``: ``sequences.PLASMID_UPSTREAM``), the side drawn afresh for every read and epoch
(augmentation) as data.py draws it: 3' if u < 0.333, else 5' if a second u > 0.666, else both
sides with the smaller half at 5' — 33.3 / 22.3 / 44.4 % (neither the code comment's 3:4:2 nor
the report's 4:3:2). The draws come from the Trainer's seeded generator, so a resumed run is
bit-identical. One-hot A, C, G, T with N = zeros. Target (y − 11) / SD(y) (11 = modal bin; the
population SD of the training labels, as the team's Dataset computed it).

Model: two parallel Conv(4→256, k 9 / k 15, 'same') → ReLU → Dropout 0.2, concatenated (512) →
BiLSTM (320 per direction) → two parallel Conv(640→160, k 9 / k 15) → ReLU → Dropout 0.2,
concatenated (320) → Dropout 0.5 → flatten position by position (110 × 320) → Linear 64 → ReLU →
Linear 64 → ReLU → Linear 1 (the code's MaxPool of size 1 is omitted: it is the identity).
"Post-hoc conjoined": every batch also runs its reverse complement; the model returns both
outputs, the loss is the mean of their two Huber (δ 1) losses, a prediction their mean.

Training: AdamW (lr 1.5e-3, weight decay 0.01), CosineAnnealingLR to 0 over all steps, stepped
every batch; batch 512 (drop_last), 15 epochs, the last epoch's weights, seed 40.

Test time (infer_txt.py ``--tta 5``, seed 42): shifts −2…+2 nt — +k drops the read's first k bases
and appends the first k of the 3' vector, −k prepends the last k of the 5' vector and drops the
read's last k bases — each then cut or filled to 110 nt as in training (fill sides drawn from a
generator seeded with ``tta.seed``; all 71,103 challenge test sequences are 110 nt, so none is
drawn there), each with its reverse complement: 10 outputs averaged on the standardised scale,
then post-processed (postprocess_txt.py) to Φ(z − 0.06201038511068657), the Normal CDF centred
on what the code calls the mean standardised training label: monotone, so ρ is unchanged and r
changes. Validation (not in
the recipe) uses fill sides drawn once from ``seed``, both strands, no shifts and no CDF.

Beyond the code: the 5' fill uses all 133 nt of plasmid before the adapter (data.py's 37 are its
end, so fills of ≤ 37 nt, i.e. every real read of ≥ 73 nt, are the same; longer ones crashed the
team's Dataset); a read under 33 nt filled at 3' gets N after the 77-nt 3' vector.

``scale: cpu``: channels 32, BiLSTM 16 per direction (second convolutions 2 × 8), dense 32-32,
batch 256; 30,000 reads, 3 epochs (351 steps, ~2 CPU-minutes at ~720 samples/s on one thread).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import torch
import torch.nn.functional as F
from scipy.special import ndtr
from torch import nn

from promoterbench import sequences as sq
from promoterbench.fitting import Encoded
from promoterbench.recurrent import BiLSTM
from promoterbench.sampling import PassStream
from promoterbench.settings import FRACTION, NON_NEGATIVE, POSITIVE, merge
from promoterbench.teams.base import Reads
from promoterbench.teams.torch_team import TorchTeam, fused, one_hot
from promoterbench.training import Trainer
from promoterbench.transfer import to_device

# the plasmid after the 3' adapter (data.py's vector_right; data/plasmid.json agrees)
VECTOR_3 = "TCTTAATTAAAAAAAGATAGAAAACATTAGGAGTGTAACACAAGACTTTCGGATCCTGAGCAGGCAAGATAAACGA"
# the plasmid before the 5' adapter; data.py's vector_left is its last 37 nt
VECTOR_5 = sq.PLASMID_UPSTREAM[: -len(sq.FLANK5)]
_V3, _V5 = (sq.encode([v], len(v))[0] for v in (VECTOR_3, VECTOR_5))
MODAL_BIN = 11.0  # subtracted from the labels (data.py)
CDF_LOC = 0.06201038511068657  # postprocess_txt.py: mean of the standardised training labels
RIGHT_BELOW, LEFT_ABOVE = 0.333, 0.666  # data.py's thresholds of its two uniform draws

PAPER = {
    "seed": 40,
    "recipe": {"input_length": 110, "val_fraction": 0.0, "max_reads": None},
    "model": {
        "channels": 512,
        "kernels": [9, 15],
        "lstm_units": 320,
        "dense": [64, 64],
        "dropout": 0.2,
        "head_dropout": 0.5,
    },
    "train": {
        "lr": 1.5e-3,
        "weight_decay": 0.01,
        "huber_delta": 1.0,
        "batch_size": 512,
        "drop_last": True,
        "max_epochs": 15,
        "monitor": "none",
        "patience": None,
    },
    "tta": {"max_shift": 2, "seed": 42},
}
CPU = merge(
    PAPER,
    {
        "recipe": {"max_reads": 30_000},
        "model": {"channels": 32, "lstm_units": 16, "dense": [32, 32]},
        "train": {"batch_size": 256, "max_epochs": 3},
    },
)


def fill_sides(length: np.ndarray, width: int, rng: np.random.Generator) -> np.ndarray:
    """Number of 5'-vector bases put before each read (data.py's draw; 0 for reads ≥ width)."""
    gap = np.maximum(width - np.asarray(length), 0)
    left = np.zeros(len(gap), np.int32)
    short = np.flatnonzero(gap > 0)
    u = rng.random((2, len(short)))
    left[short] = np.where(
        u[0] < RIGHT_BELOW, 0, np.where(u[1] > LEFT_ABOVE, gap[short], gap[short] // 2)
    )
    return left


def filled(codes: np.ndarray, length: np.ndarray, left: np.ndarray, width: int) -> np.ndarray:
    """(n, width) codes: ``left`` bases of 5' vector, the read's first bases, then 3' vector.

    ``codes`` hold each read's first bases (N after its ``length``); N beyond either vector."""
    five = np.concatenate([np.full(width, sq.N_CODE, np.uint8), _V5])
    three = np.concatenate([_V3, np.full(width, sq.N_CODE, np.uint8)])
    take = np.minimum(length, codes.shape[1])[:, None]
    rel = np.arange(width)[None, :] - np.asarray(left)[:, None]  # position within the read
    read = np.take_along_axis(codes, np.clip(rel, 0, codes.shape[1] - 1), axis=1)
    before = five[np.clip(len(five) + rel, 0, len(five) - 1)]
    after = three[np.clip(rel - take, 0, len(three) - 1)]
    return np.where(rel < 0, before, np.where(rel < take, read, after))


def shifted(codes: np.ndarray, length: np.ndarray, shift: int) -> np.ndarray:
    """infer_txt.py's shift of each read within its own length (the codes after it are left as
    they come): +k drops the first k bases and appends the first k of the 3' vector, −k prepends
    the last k of the 5' vector and drops the last k bases."""
    take = np.minimum(length, codes.shape[1])[:, None]
    src = np.arange(codes.shape[1])[None, :] + shift  # read position shown at each column
    read = np.take_along_axis(codes, np.clip(src, 0, codes.shape[1] - 1), axis=1)
    if shift >= 0:
        return np.where(src < take, read, _V3[np.clip(src - take, 0, len(_V3) - 1)])
    return np.where(src < 0, _V5[np.clip(len(_V5) + src, 0, len(_V5) - 1)], read)


def postprocess(z: np.ndarray) -> np.ndarray:
    """postprocess_txt.py: Normal CDF with mean ``CDF_LOC`` and SD 1 of the standardised output."""
    return ndtr(np.asarray(z, np.float64) - CDF_LOC)


class ConvBranches(nn.Module):
    """Parallel Conv1d ('same') → ReLU → Dropout branches, one per kernel, concatenated."""

    def __init__(self, c_in: int, c_out: int, kernels: list[int], dropout: float) -> None:
        super().__init__()
        if c_out % len(kernels):
            raise ValueError(f"{c_out} channels do not split evenly over kernels {kernels}")
        self.branches = nn.ModuleList(
            nn.Sequential(
                nn.Conv1d(c_in, c_out // len(kernels), k, padding="same"),
                nn.ReLU(),
                nn.Dropout(dropout),
            )
            for k in kernels
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([branch(x) for branch in self.branches], dim=1)


class DeepGXP(nn.Module):
    """The BHI network on one strand (see module docstring); (B, 4, L) -> (B, 1)."""

    def __init__(
        self,
        channels: int,
        kernels: list[int],
        lstm_units: int,
        dense: list[int],
        dropout: float,
        head_dropout: float,
        length: int,
    ) -> None:
        super().__init__()
        self.conv_in = ConvBranches(4, channels, kernels, dropout)
        self.lstm = BiLSTM(channels, lstm_units)
        self.conv_out = ConvBranches(2 * lstm_units, lstm_units, kernels, dropout)
        head: list[nn.Module] = [nn.Dropout(head_dropout), nn.Flatten()]
        width = length * lstm_units
        for units in dense:
            head += [nn.Linear(width, units), nn.ReLU()]
            width = units
        head.append(nn.Linear(width, 1))
        self.head = nn.Sequential(*head)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.lstm(self.conv_in(x).transpose(1, 2)).transpose(1, 2)
        return self.head(self.conv_out(x).transpose(1, 2))  # flattened position by position


class Conjoined(nn.Module):
    """``net`` on the reads and on their reverse complements: (B, 2) outputs."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.net(x), self.net(x.flip((1, 2)))], dim=1)


class BHI(TorchTeam):
    name = "bhi"
    architecture = "CNN → BiLSTM → CNN → MLP (DeepGXP), reverse-complement conjoined"
    source = "de-Boer-Lab/random-promoter-dream-challenge-2022: dream_submissions/BHI - dream challenge (code, report)"
    presets = {"paper": PAPER, "cpu": CPU}
    ranges = {"head_dropout": FRACTION, "huber_delta": POSITIVE, "max_shift": NON_NEGATIVE}

    def build_model(self, settings: dict) -> nn.Module:
        return Conjoined(DeepGXP(**settings["model"], length=settings["recipe"]["input_length"]))

    # -- data ---------------------------------------------------------------------------------
    def encode(self, reads: Reads, settings: dict) -> Encoded:
        """First ``input_length`` nt of each read; fill sides drawn once from ``seed`` (training
        redraws them every epoch in :meth:`batches`)."""
        width = settings["recipe"]["input_length"]
        rng = np.random.default_rng(int(settings["seed"]))
        return Encoded(
            codes=sq.encode(reads.sequence, width),
            target=reads.expression.astype(np.float32),
            extras={"length": reads.length, "left": fill_sides(reads.length, width, rng)},
        )

    def encode_test(self, sequences: pa.Array, settings: dict) -> Encoded:
        """The first ``input_length`` + ``tta.max_shift`` nt: what a +shift brings into view."""
        width = settings["recipe"]["input_length"] + settings["tta"]["max_shift"]
        codes = sq.encode(sequences, width)
        return Encoded(codes, np.zeros(len(codes), np.float32), {"length": sq.lengths(sequences)})

    def batches(
        self,
        data: Encoded,
        settings: dict,
        rng: np.random.Generator,
        stream: PassStream | None = None,
    ) -> list[np.ndarray]:
        """This epoch's fill sides (the augmentation), then shuffled batches."""
        width = settings["recipe"]["input_length"]
        data.extras["left"] = fill_sides(data.extras["length"], width, rng)
        return super().batches(data, settings, rng, stream)

    def inputs(
        self, data: Encoded, idx: np.ndarray, device: torch.device, settings: dict
    ) -> torch.Tensor:
        width = settings["recipe"]["input_length"]
        codes = filled(data.codes[idx], data.extras["length"][idx], data.extras["left"][idx], width)
        return one_hot(to_device(codes, device))

    # -- targets and loss -----------------------------------------------------------------------
    def fit_target(self, train: Encoded, val: Encoded, settings: dict) -> dict:
        return {"center": MODAL_BIN, "std": float(train.target.astype(np.float64).std()) or 1.0}

    def targets(
        self, data: Encoded, idx: np.ndarray, params: dict, device: torch.device
    ) -> torch.Tensor:
        scaled = (data.target[idx] - params["center"]) / params["std"]
        return to_device(scaled.astype(np.float32), device)

    def prediction(self, output: torch.Tensor, params: dict) -> torch.Tensor:
        """Mean of the two strands, on the label scale."""
        return output.mean(dim=1) * params["std"] + params["center"]

    def loss(self, output: torch.Tensor, target: torch.Tensor, settings: dict) -> torch.Tensor:
        """Mean of the forward and reverse-complement Huber losses."""
        delta = float(settings["train"]["huber_delta"])
        strands = [F.huber_loss(output[:, s], target, delta=delta) for s in (0, 1)]
        return (strands[0] + strands[1]) / 2

    # -- optimisation ---------------------------------------------------------------------------
    def optimizer(self, model: nn.Module, settings: dict) -> torch.optim.Optimizer:
        cfg = settings["train"]
        return torch.optim.AdamW(
            model.parameters(),
            lr=float(cfg["lr"]),
            weight_decay=float(cfg["weight_decay"]),
            **fused(settings),
        )

    def scheduler(self, optimizer: torch.optim.Optimizer, settings: dict, steps_per_epoch: int):
        total = int(settings["train"]["max_epochs"]) * steps_per_epoch
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total), "batch"

    # -- test time ------------------------------------------------------------------------------
    def predict_encoded(
        self, trainer: Trainer, model: nn.Module, data: Encoded, params: dict
    ) -> np.ndarray:
        """Shifts −max_shift…+max_shift, each with its reverse complement, averaged on the
        standardised scale, then :func:`postprocess`."""
        settings = trainer.settings
        width, k = settings["recipe"]["input_length"], int(settings["tta"]["max_shift"])
        rng = np.random.default_rng(int(settings["tta"]["seed"]))
        length = data.extras["length"]
        views = []
        for shift in range(-k, k + 1):
            extras = {"length": length, "left": fill_sides(length, width, rng)}
            view = Encoded(shifted(data.codes, length, shift), data.target, extras)
            views.append(trainer.predict_outputs(model, view, params))
        z = (np.mean(views, axis=0) - params["center"]) / params["std"]
        return postprocess(z)

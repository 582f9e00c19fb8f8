"""Training and prediction of the other data sets' models on their tables
(:mod:`promoterbench.datasets`), through the machinery the yeast teams use.

The torch models (:func:`promoterbench.architectures.models`) train with the shared
:class:`~promoterbench.training.Trainer` (devices, precision, checkpoints and resume, early
stopping, progress, history) through :class:`TableRecipe`, the
:class:`~promoterbench.teams.torch_team.TorchRecipe` hooks on a table's rows: one-hot inputs in
the model's base order with the "is reverse" channel where the model takes one, a target column
per output, MSE summed over the outputs, Adam or AdamW with the one-cycle schedule where the
recipe has ``max_lr``, and MPRA-LegNet's augmentation (shift into the 3' flank, reverse
complement) and test-time average of the forward and reverse-complement predictions. The
baseline ``kmer_ridge`` fits one ridge regression per output
(:meth:`~promoterbench.teams.kmer_ridge.KmerRidge.fit_outputs`).

Rows: :func:`select` applies a model's data recipe to the table's split (at most
``recipe.max_rows`` training rows, drawn with the model's seed; MPRA-LegNet's forward rows only)
and is stored as row numbers; every model is tested on every test row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import torch
import torch.nn.functional as F
from torch import nn

from promoterbench import architectures
from promoterbench import sequences as sq
from promoterbench.architectures import inputs
from promoterbench.fitting import Encoded, FitContext
from promoterbench.teams.base import Fitted
from promoterbench.teams.kmer_ridge import KmerRidge
from promoterbench.teams.torch_team import TorchRecipe
from promoterbench.training import Trainer
from promoterbench.transfer import to_device

SELECTION_COLUMNS = ("row", "split")  # a selection: table row numbers and train | val


def select(table: pa.Table, settings: dict) -> pd.DataFrame:
    """The rows ``model`` trains and validates on (SELECTION_COLUMNS), from the table's
    ``split`` and ``strand``: forward rows only where ``recipe.forward_rows_only``; at most
    ``recipe.max_rows`` training rows, drawn with the settings' seed and kept in table order."""
    recipe = settings["recipe"]
    split = np.asarray(table.column("split").to_pylist(), dtype=object)
    keep = np.isin(split, ("train", "val"))
    if recipe.get("forward_rows_only"):
        keep &= np.asarray(table.column("strand").to_pylist(), dtype=object) == "+"
    train = np.flatnonzero(keep & (split == "train"))
    limit = recipe["max_rows"]
    if limit is not None and len(train) > limit:
        rng = np.random.default_rng(int(settings["seed"]))
        train = np.sort(rng.choice(train, int(limit), replace=False))
    val = np.flatnonzero(keep & (split == "val"))
    rows = np.concatenate([train, val])
    return pd.DataFrame({"row": rows, "split": ["train"] * len(train) + ["val"] * len(val)})


def take(table: pa.Table, selection: pd.DataFrame, split: str) -> pa.Table:
    """The rows of ``selection`` in ``split`` (train | val) of ``table``."""
    return table.take(pa.array(selection.loc[selection["split"] == split, "row"].to_numpy()))


class TableRecipe(TorchRecipe):
    """One torch model of :mod:`promoterbench.architectures` on data set ``data``."""

    def __init__(self, data: str, model: str) -> None:
        architectures.check_offered(data, model)
        self.data, self.name = data, model
        self.outputs = architectures.OUTPUTS[data]

    def build_model(self, settings: dict) -> nn.Module:
        return architectures.build(self.data, self.name, settings)

    # -- data ---------------------------------------------------------------------------------
    def _encoded(
        self, codes: np.ndarray, reverse: np.ndarray, target: np.ndarray, settings: dict
    ) -> Encoded:
        """Codes with MPRA-LegNet's flanks around them where the recipe shifts (a shift of s
        shows the model the positions from ``shift_left + s`` of the flanked codes)."""
        left, right = _flanks(settings["recipe"])
        if len(left) or len(right):
            n = len(codes)
            codes = np.concatenate([np.tile(left, (n, 1)), codes, np.tile(right, (n, 1))], axis=1)
        return Encoded(codes=codes, target=target, extras={"reverse": reverse})

    def encode(self, rows: pa.Table, settings: dict) -> Encoded:
        """Training or validation rows: codes, "is reverse" and a target column per output."""
        codes = inputs.codes(rows, settings["input"])
        target = inputs.targets(rows, self.outputs).numpy()
        return self._encoded(codes, inputs.reverse(rows), target, settings)

    def encode_test(self, rows: pa.Table, settings: dict) -> Encoded:
        """Test rows (their measurements are not read)."""
        codes = inputs.codes(rows, settings["input"])
        target = np.zeros((len(codes), len(self.outputs)), np.float32)
        return self._encoded(codes, inputs.reverse(rows), target, settings)

    def random_encoded(self, n: int, settings: dict) -> Encoded:
        rng = np.random.default_rng(0)
        codes = sq.random_codes(rng, (n, settings["input"]["length"]))
        target = np.zeros((n, len(self.outputs)), np.float32)
        return self._encoded(codes, np.zeros(n, bool), target, settings)

    def batches(
        self, data: Encoded, settings: dict, rng: np.random.Generator, stream=None
    ) -> list[np.ndarray]:
        """This epoch's augmentation (MPRA-LegNet: a shift and a reverse-complement flag per
        row), then shuffled batches (one short batch where the rows do not fill one)."""
        recipe = settings["recipe"]
        left, right = _flanks(recipe)
        if len(left) or len(right):
            data.extras["shift"] = rng.integers(-len(left), len(right) + 1, len(data))
        if recipe.get("reverse_augment"):
            data.extras["complement"] = rng.random(len(data)) < float(recipe["reverse_augment"])
        return super().batches(data, settings, rng, stream) or [rng.permutation(len(data))]

    def inputs(
        self, data: Encoded, idx: np.ndarray, device: torch.device, settings: dict
    ) -> torch.Tensor:
        """The model's input for rows ``idx``: the window of the length the model takes (shifted
        where this epoch shifts), reverse-complemented where flagged."""
        spec = settings["input"]
        start = np.full(len(idx), len(_flanks(settings["recipe"])[0]))
        if "shift" in data.extras:
            start += data.extras["shift"][idx]
        codes = np.take_along_axis(data.codes[idx], start[:, None] + np.arange(spec["length"]), 1)
        if "complement" in data.extras:
            flip = data.extras["complement"][idx]
            codes[flip] = sq.reverse_complement(codes[flip])
        reverse = torch.from_numpy(data.extras["reverse"][idx])
        return inputs.network_input(to_device(codes, device), reverse.to(device), spec)

    def targets(
        self, data: Encoded, idx: np.ndarray, params: dict, device: torch.device
    ) -> torch.Tensor:
        return to_device(data.target[idx], device)

    def prediction(self, output: torch.Tensor, params: dict) -> torch.Tensor:
        return output

    def loss(self, output: torch.Tensor, target: torch.Tensor, settings: dict) -> torch.Tensor:
        """MSE of each output, summed (DeepSTARR's two losses with weight 1 each)."""
        return F.mse_loss(output, target, reduction="none").mean(dim=0).sum()

    # -- optimisation ---------------------------------------------------------------------------
    def optimizer(self, model: nn.Module, settings: dict) -> torch.optim.Optimizer:
        cfg = settings["train"]
        if cfg["optimizer"] == "adam":
            return torch.optim.Adam(model.parameters(), lr=float(cfg["lr"]), eps=float(cfg["eps"]))
        return torch.optim.AdamW(
            model.parameters(),
            lr=float(cfg["max_lr"]) / float(cfg["div_factor"]),
            weight_decay=float(cfg["weight_decay"]),
        )

    def scheduler(self, optimizer: torch.optim.Optimizer, settings: dict, steps_per_epoch: int):
        """One cycle over every planned step where the recipe has ``max_lr``, else none."""
        cfg = settings["train"]
        if "max_lr" not in cfg:
            return None, None
        schedule = torch.optim.lr_scheduler.OneCycleLR(
            optimizer,
            max_lr=float(cfg["max_lr"]),
            total_steps=max(1, steps_per_epoch * int(cfg["max_epochs"])),
            pct_start=float(cfg["pct_start"]),
            div_factor=float(cfg["div_factor"]),
            cycle_momentum=bool(cfg.get("cycle_momentum", True)),
        )
        return schedule, "batch"

    def steps_per_epoch(self, n: int, settings: dict) -> int:
        """At least one: a table smaller than a batch is one short batch."""
        return max(1, super().steps_per_epoch(n, settings))

    # -- test time ------------------------------------------------------------------------------
    def predict_encoded(
        self, trainer: Trainer, model: nn.Module, data: Encoded, params: dict
    ) -> np.ndarray:
        """Each row as it is, averaged with its reverse complement where the recipe's
        ``test_time`` lists ``reverse_complement`` (MPRA-LegNet)."""
        forward = trainer.predict_outputs(model, data, params)
        if "reverse_complement" not in trainer.settings["recipe"].get("test_time", []):
            return forward
        flipped = Encoded(
            data.codes, data.target, data.extras | {"complement": np.ones(len(data), bool)}
        )
        return (forward + trainer.predict_outputs(model, flipped, params)) / 2


def _flanks(recipe: dict) -> tuple[np.ndarray, np.ndarray]:
    """The codes of the 5' and 3' flank a shifted sequence can show (``shift_left`` and
    ``shift_right`` nt; empty for a recipe without shifts)."""
    left, right = int(recipe.get("shift_left") or 0), int(recipe.get("shift_right") or 0)
    five = recipe["flank5"][len(recipe["flank5"]) - left :] if left else ""
    three = recipe["flank3"][:right] if right else ""
    return (
        sq.encode([five], left)[0] if left else np.zeros(0, np.uint8),
        sq.encode([three], right)[0] if right else np.zeros(0, np.uint8),
    )


def fit(
    data: str, model: str, train: pa.Table, val: pa.Table, settings: dict, context: FitContext
) -> Fitted:
    """Train ``model`` on data set ``data``'s rows ``train``, monitored on ``val``."""
    if model != architectures.BASELINE:
        return TableRecipe(data, model).fit(train, val, settings, context)
    outputs = architectures.OUTPUTS[data]
    baseline = KmerRidge()
    fits, history = baseline.fit_outputs(
        train.column("sequence"), inputs.targets(train, outputs).double().numpy(),
        val.column("sequence"), inputs.targets(val, outputs).double().numpy(),
        settings, context.log,
    )  # fmt: skip
    state = {"outputs": fits, "k": settings["model"]["k"]}
    return Fitted(state=state, history=history, n_params=len(outputs) * baseline.n_params(settings))


def predict(
    data: str, model: str, state: dict, rows: pa.Table, settings: dict, context: FitContext
) -> np.ndarray:
    """(rows, outputs) test-time predictions of a trained ``state`` (:func:`fit`)."""
    if model != architectures.BASELINE:
        return TableRecipe(data, model).predict(state, rows, settings, context)
    return KmerRidge().predict_outputs(state["outputs"], rows.column("sequence"), state["k"])


def memory_needs(data: str, model: str, settings: dict, rows: int) -> dict:
    """What training ``model`` on ``rows`` rows holds in memory (memory.json)."""
    if model != architectures.BASELINE:
        return TableRecipe(data, model).memory_needs(settings, rows)
    return KmerRidge().memory_needs(settings, rows)


def n_params(data: str, model: str, settings: dict) -> int:
    """Parameters of ``model`` as these settings build it (the baseline: one ridge per output)."""
    if model != architectures.BASELINE:
        return TableRecipe(data, model).n_params(settings)
    return len(architectures.OUTPUTS[data]) * KmerRidge().n_params(settings)

"""Learning rates fit for the compute budget: a few trials per team, scored on validation reads.

The published learning rates were tuned for hundreds of thousands of steps; under the `scale:
cpu` budget a team takes a few hundred. A trial trains the team under the budget with its
learning-rate setting (``train.lr``, or ``train.max_lr`` for one-cycle schedules) multiplied by a
factor, everything else its own, and scores the trained model on validation reads only — its own
validation split, or, for a team that trains without one, a fixed 10 % of its training reads held
out for the trial. The test set and the probe are never looked at.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from promoterbench import filters
from promoterbench.teams.base import Reads

LR_KEYS = ("max_lr", "lr")  # the setting a trial scales, in order of preference
HOLD_OUT = 0.1  # share of the training reads a team without validation split holds out
TABLE_COLUMNS = ["team", "factor", "setting", "value", "val_r", "val_r_sd", "val_rho", "val_rho_sd",
                 "seeds", "steps", "train_flops", "train_reads", "val_reads", "chosen"]  # fmt: skip


def lr_key(settings: dict) -> str | None:
    """The learning-rate setting of these settings (None: the schedule has none, e.g. Noam)."""
    return next((key for key in LR_KEYS if key in settings.get("train", {})), None)


def trial_overrides(overrides: dict, settings: dict, factor: float) -> dict:
    """The team's overrides with its learning rate (as ``settings`` resolve it) times ``factor``."""
    key = lr_key(settings)
    if key is None:
        raise ValueError(f"no learning-rate setting ({', '.join(LR_KEYS)}) to tune")
    out = copy.deepcopy(dict(overrides or {}))
    out.setdefault("train", {})[key] = float(settings["train"][key]) * factor
    return out


def hold_out(train: Reads, seed: int) -> tuple[Reads, Reads]:
    """(train, validation): a fixed random :data:`HOLD_OUT` share of ``train`` held out, drawn
    as the teams' own random splits are (:func:`promoterbench.filters.random_split`)."""
    fold = filters.random_split(len(train), HOLD_OUT, np.random.default_rng(seed))
    return train.take(np.flatnonzero(fold == "train")), train.take(np.flatnonzero(fold == "val"))


def table(trials: list[dict]) -> pd.DataFrame:
    """The trials of one team by factor: the mean and SD (over seeds) of validation r and ρ;
    ``chosen`` marks the best mean validation r."""
    frame = pd.DataFrame(trials)
    grouped = frame.groupby("factor", sort=True)
    out = grouped[["team", "setting", "value", "steps", "train_flops", "train_reads",
                   "val_reads"]].first()  # fmt: skip
    out["val_r"], out["val_r_sd"] = grouped["val_r"].mean(), grouped["val_r"].std()
    out["val_rho"], out["val_rho_sd"] = grouped["val_rho"].mean(), grouped["val_rho"].std()
    out["seeds"] = grouped.size()
    out = out.reset_index()
    out["chosen"] = False
    if out["val_r"].notna().any():
        out.loc[out["val_r"].idxmax(), "chosen"] = True
    return out[TABLE_COLUMNS]

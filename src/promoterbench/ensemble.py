"""The ensemble reference: the mean of the trained models' standardised test predictions.

Each member's predictions are standardised over the test set (their own mean and SD: the members
predict on different scales — bins, z-units, raw labels — and only their ordering and spacing
matter to the scores), then averaged. No label is used, so it is scored like any entry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

NAME = "ensemble"
ARCHITECTURE = "mean of the trained teams' standardised test predictions"


def standardised_mean(predictions: Mapping[str, np.ndarray]) -> np.ndarray:
    """Mean over members of (p − mean p) / SD p. Raises ValueError naming a member whose
    predictions are constant or not finite, or whose length differs from the others'."""
    if not predictions:
        raise ValueError("an ensemble needs at least one member")
    lengths = {name: len(p) for name, p in predictions.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"members predict different numbers of test sequences: {lengths}")
    total = np.zeros(next(iter(lengths.values())), dtype=np.float64)
    for name, values in predictions.items():
        p = np.asarray(values, dtype=np.float64)
        if not np.isfinite(p).all():
            raise ValueError(f"{name}: {int((~np.isfinite(p)).sum())} predictions are not finite")
        sd = p.std()
        if sd == 0:
            raise ValueError(f"{name}: every prediction is {p[0]:g}; it cannot be standardised")
        total += (p - p.mean()) / sd
    return total / len(predictions)


def read_predictions(paths: Mapping[str, str | Path]) -> dict[str, np.ndarray]:
    """Members' prediction TSVs (columns index, prediction), each checked to list the test
    indices 0…n−1 in order."""
    out = {}
    for name, path in paths.items():
        table = pd.read_csv(path, sep="\t")
        if (
            list(table.columns) != ["index", "prediction"]
            or not (table["index"].to_numpy() == np.arange(len(table))).all()
        ):
            raise ValueError(f"{path}: expected columns index, prediction with index 0…n−1")
        out[name] = table["prediction"].to_numpy()
    return out

"""Building blocks of the teams' data recipes: per-read drop reasons and the train/val split.

A recipe looks only at read metadata (length, number of N, label), never at sequences, and
returns one reason per read: the empty string keeps the read, anything else names why it was
dropped, so every dropped read is counted under its reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

KEPT = ""


def reasons(n: int) -> np.ndarray:
    """A fresh reason array: every read kept."""
    return np.full(n, KEPT, dtype=object)


def drop(reason: np.ndarray, mask: np.ndarray, why: str) -> np.ndarray:
    """Mark reads in ``mask`` that are still kept as dropped for ``why`` (first reason wins)."""
    reason[(reason == KEPT) & mask] = why
    return reason


def subsample(reason: np.ndarray, max_reads: int | None, rng: np.random.Generator) -> np.ndarray:
    """Keep at most ``max_reads`` of the kept reads, chosen at random (scale presets)."""
    kept = np.flatnonzero(reason == KEPT)
    if max_reads is not None and len(kept) > max_reads:
        extra = rng.choice(kept, size=len(kept) - max_reads, replace=False)
        reason[extra] = f"subsampled to {max_reads} reads"
    return reason


def random_split(n: int, val_fraction: float, rng: np.random.Generator) -> np.ndarray:
    """'train'/'val' labels with exactly round(n * val_fraction) validation reads."""
    fold = np.full(n, "train", dtype=object)
    n_val = int(round(n * val_fraction))
    fold[rng.permutation(n)[:n_val]] = "val"
    return fold


def summary(reason: np.ndarray) -> pd.DataFrame:
    """Counts per outcome: 'kept' and every drop reason."""
    labels = np.where(reason == KEPT, "kept", reason)
    counts = pd.Series(labels).value_counts()
    return counts.rename_axis("outcome").reset_index(name="reads")

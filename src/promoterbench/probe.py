"""The common probe: reads of the synthetic world that no team trains on, measured during training.

Every model is evaluated on the same probe reads at about ``points`` evenly spaced optimiser
steps (the probe never influences training: evaluation changes no weight, statistic or random
state). A curve row holds the steps taken, the Pearson r of the model's test-time predictions with
the probe's measured labels and with their noise-free expression. "Still learning" is read off
the curve: probe r rose by more than a threshold over the last quarter of the steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from promoterbench.scoring import correlations

CURVE_COLUMNS = ["steps", "probe_r", "probe_r_truth"]


@dataclass
class Probe:
    """Probe reads and how often to measure them during training."""

    sequences: pa.Array
    labels: np.ndarray
    truth: np.ndarray
    points: int = 20

    @classmethod
    def read(cls, path: str | Path, points: int) -> "Probe":
        """The probe file the simulation writes (``truth/probe.tsv``)."""
        frame = pd.read_csv(path, sep="\t", dtype={"sequence": str})
        return cls(
            sequences=pa.array(frame["sequence"].to_numpy(dtype=object), pa.large_string()),
            labels=frame["expression"].to_numpy(np.float64),
            truth=frame["noise_free_expression"].to_numpy(np.float64),
            points=points,
        )

    def interval(self, total_steps: int) -> int:
        """Steps between two measurements: about ``points`` over the run, the last at its end."""
        return max(1, -(-int(total_steps) // self.points))

    def measure(self, predictions: np.ndarray) -> tuple[float, float]:
        """(r with the measured labels, r with the noise-free expression)."""
        return correlations(self.labels, predictions)[0], correlations(self.truth, predictions)[0]

    def ceiling(self) -> float:
        """The r of the noise-free expression itself with the labels: what no model can pass."""
        return correlations(self.labels, self.truth)[0]


def last_quarter_rise(curve: pd.DataFrame) -> float:
    """How much probe r rose over the last quarter of the steps (NaN without two points there)."""
    if curve.empty:
        return float("nan")
    curve = curve.sort_values("steps")
    final = curve.iloc[-1]
    start = curve[curve["steps"] >= 0.75 * final["steps"]].iloc[0]
    if start["steps"] == final["steps"]:
        return float("nan")
    return float(final["probe_r"] - start["probe_r"])


def still_learning(curve: pd.DataFrame, threshold: float) -> bool | None:
    """Whether probe r rose by more than ``threshold`` over the last quarter (None: no curve)."""
    rise = last_quarter_rise(curve)
    return None if np.isnan(rise) else bool(rise > threshold)

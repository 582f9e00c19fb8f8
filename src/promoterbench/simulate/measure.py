"""How the synthetic world measures expression, mimicking the two real experiments.

Training (GPRA sort-seq): each read is seen in a few cells (about half in exactly one); every
cell's fluorescence is the sequence's expression plus cell-to-cell noise, sorted into one of 18
bins (0–17); the label is the read-count-weighted mean bin over the sequence's cells. Singletons
therefore get integer labels and everything else a fraction, as in ``train_sequences.txt``.

Test (~100 cells per sequence, expression estimated MAUDE-style): a far more precise estimate,
reported on a different, continuous scale, so only correlation metrics compare across the two.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

N_BINS = 18


@dataclass(frozen=True)
class Measurement:
    """Noise and scale parameters of both experiments (documented defaults)."""

    cell_sd: float = 1.8  # cell-to-cell noise, in bins
    p_single_cell: float = 0.5  # share of reads observed in exactly one cell
    extra_cells: float = 1.5  # multi-cell reads: 2 + Poisson(extra_cells) cells
    reads_per_cell: float = 2.0  # weights: 1 + Poisson(reads_per_cell) reads per cell
    test_cells: float = 100.0  # cells per test sequence (Poisson mean)
    test_extra_sd: float = 0.08  # additional per-sequence error of the test estimate, in bins
    test_scale: float = 0.25  # test value = test_scale * (expression - test_centre) + test_offset
    test_centre: float = 11.0
    test_offset: float = 0.2

    def train_labels(self, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Sort-seq labels (0–17, integers for single-cell reads) for expressions ``y``."""
        n = len(y)
        single = rng.random(n) < self.p_single_cell
        cells = np.where(single, 1, 2 + rng.poisson(self.extra_cells, n))
        owner = np.repeat(np.arange(n), cells)
        fluorescence = y[owner] + rng.normal(0.0, self.cell_sd, len(owner))
        bins = np.clip(np.floor(fluorescence), 0, N_BINS - 1)
        weight = 1.0 + rng.poisson(self.reads_per_cell, len(owner))
        total = np.bincount(owner, weights=weight * bins, minlength=n)
        label = total / np.bincount(owner, weights=weight, minlength=n)
        return np.round(label, 12)

    def to_test_scale(self, y: np.ndarray) -> np.ndarray:
        """Map bin-scale expression onto the test experiment's scale."""
        return self.test_scale * (y - self.test_centre) + self.test_offset

    def test_values(self, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """MAUDE-like estimates for test sequences with expressions ``y``."""
        cells = np.maximum(rng.poisson(self.test_cells, len(y)), 10)
        noise = rng.normal(0.0, 1.0, len(y)) * np.sqrt(
            self.cell_sd**2 / cells + self.test_extra_sd**2
        )
        return self.to_test_scale(y + noise)

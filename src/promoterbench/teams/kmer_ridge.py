"""kmer_ridge — reference baseline: k-mer counts + ridge regression.

Every read is turned into counts of its overlapping k-mers (windows containing N are skipped);
ridge regression is solved in closed form from the sufficient statistics XᵀX and Xᵀy (one pass over
the data, chunked, no dense feature matrix of the whole set), with the penalty picked from a grid
by validation Pearson r. It has no notion of position or interaction, so it shows what a model gains
from them.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pyarrow as pa
from promoterbench import memory
from promoterbench import sequences as sq
from promoterbench.scoring import correlations
from promoterbench.teams.base import FitContext, Fitted, Reads, Team

CHUNK = 8192
PRESET = {
    "seed": 42,
    "recipe": {"val_fraction": 0.1, "max_reads": None},
    "model": {"k": 5, "alphas": [0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0]},
    "train": {},
}
# on the other data sets (promoterbench.architectures): their own validation split
TABLE_PRESET = {"seed": 42, "recipe": {"max_rows": None}, "model": PRESET["model"], "train": {}}


def kmer_counts(sequences: pa.Array, k: int) -> np.ndarray:
    """(n, 4^k) float64 k-mer counts; windows containing N are not counted."""
    lengths = sq.lengths(sequences)
    width = int(lengths.max()) if len(lengths) else k
    codes = sq.encode(sequences, width, pad="right", keep="left").astype(np.int64)
    n, n_windows = len(codes), width - k + 1
    index = np.zeros((n, n_windows), dtype=np.int64)
    has_n = np.zeros((n, n_windows), dtype=bool)
    for j in range(k):
        window = codes[:, j : j + n_windows]
        index = index * 4 + np.minimum(window, 3)
        has_n |= window == sq.N_CODE
    rows = np.broadcast_to(np.arange(n)[:, None], index.shape)[~has_n]
    flat = rows * 4**k + index[~has_n]
    return np.bincount(flat, minlength=n * 4**k).reshape(n, 4**k).astype(np.float64)


class KmerRidge(Team):
    name = "kmer_ridge"
    architecture = "k-mer counts + ridge regression"
    source = "promoterbench baseline"
    kind = "reference"
    deterministic = True  # ridge regression in closed form on the selected reads
    presets = {"paper": PRESET, "cpu": PRESET}

    def memory_needs(self, settings: dict, n_reads: int) -> dict:
        """The reads as loaded, and the featurisation's working set beside them: 700 B a read
        in all (4.6 GB peak for 6.74 M reads, measured)."""
        needs = super().memory_needs(settings, n_reads)
        needs["data_mb"] = round(n_reads * 700 / memory.MB, 1)
        return needs

    def n_params(self, settings: dict) -> int:
        return 4 ** settings["model"]["k"] + 1

    def _features(self, sequences: pa.Array, k: int):
        for lo in range(0, len(sequences), CHUNK):
            yield lo, kmer_counts(sequences.slice(lo, CHUNK), k)

    def _predict(
        self, sequences: pa.Array, k: int, weights: np.ndarray, bias: float | np.ndarray
    ) -> np.ndarray:
        """Predictions of one model (weights (4^k,)) or of several at once (weights (4^k, m))."""
        out = np.empty((len(sequences),) + np.shape(weights)[1:])
        for lo, x in self._features(sequences, k):
            out[lo : lo + len(x)] = x @ weights + bias
        return out

    def fit(self, train: Reads, val: Reads, settings: dict, context: FitContext) -> Fitted:
        k = settings["model"]["k"]
        (fit,), history = self.fit_outputs(
            train.sequence, train.expression[:, None], val.sequence, val.expression[:, None],
            settings, context.log,
        )  # fmt: skip
        # plain values: model.pt is loaded with torch.load(weights_only=True)
        state = {"weights": fit["weights"], "bias": fit["bias"], "alpha": fit["alpha"], "k": k}
        return Fitted(state=state, history=history, n_params=self.n_params(settings))

    def fit_outputs(
        self,
        sequences: pa.Array,
        targets: np.ndarray,
        val_sequences: pa.Array,
        val_targets: np.ndarray,
        settings: dict,
        log: logging.Logger,
    ) -> tuple[list[dict], pd.DataFrame]:
        """One ridge regression per column of ``targets`` (n, outputs) on the same k-mer
        statistics, each with the penalty of its best validation r: per output its ``weights``,
        ``bias`` and ``alpha`` (plain values), and the validation r of every penalty (the
        history; an ``output`` column where there are several)."""
        k = settings["model"]["k"]
        dim, outputs = 4**k, targets.shape[1]
        xtx, xty, xsum = np.zeros((dim, dim)), np.zeros((outputs, dim)), np.zeros(dim)
        for lo, x in self._features(sequences, k):
            xtx += x.T @ x
            for j in range(outputs):  # one product per output: the same sums as for one
                xty[j] += x.T @ targets[lo : lo + len(x), j]
            xsum += x.sum(0)
            log.info("k-mer statistics: %d / %d reads", lo + len(x), len(sequences))
        n = len(sequences)
        mean_x = xsum / n
        cov = xtx / n - np.outer(mean_x, mean_x)
        evals, evecs = np.linalg.eigh(cov)
        alphas = list(settings["model"]["alphas"])
        fits, histories = [], []
        for j in range(outputs):
            mean_y = targets[:, j].mean()
            rotated = evecs.T @ (xty[j] / n - mean_x * mean_y)
            # one column of weights per penalty: the validation reads are featurised once for all
            w = np.stack([evecs @ (rotated / (evals + alpha / n)) for alpha in alphas], axis=1)
            b = mean_y - mean_x @ w
            val_pred = self._predict(val_sequences, k, w, b)
            r = np.array(
                [correlations(val_targets[:, j], val_pred[:, i])[0] for i in range(len(alphas))]
            )
            for a, v in zip(alphas, r):
                log.info("ridge alpha %g: validation r %.4f", a, v)
            # the best validation r; without validation reads, the strongest penalty
            best = int(np.nanargmax(r)) if np.isfinite(r).any() else len(alphas) - 1
            fits.append({"weights": w[:, best].tolist(), "bias": float(b[best]),
                         "alpha": alphas[best]})  # fmt: skip
            history = pd.DataFrame({"alpha": alphas, "val_pearson_r": r})
            histories.append(history.assign(output=j) if outputs > 1 else history)
        return fits, pd.concat(histories, ignore_index=True)

    def predict_outputs(self, fits: list[dict], sequences: pa.Array, k: int) -> np.ndarray:
        """(n, outputs) predictions of :meth:`fit_outputs`' fits."""
        weights = np.stack([fit["weights"] for fit in fits], axis=1)
        return self._predict(sequences, k, weights, np.array([fit["bias"] for fit in fits]))

    def predict(
        self, state: dict, sequences: pa.Array, settings: dict, context: FitContext
    ) -> np.ndarray:
        return self._predict(sequences, state["k"], np.asarray(state["weights"]), state["bias"])

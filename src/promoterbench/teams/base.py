"""What every team provides: identity, presets, a data recipe, and fit/predict.

Torch teams subclass :class:`TorchTeam` and only describe what differs between them — encoding,
target transform, model, loss, optimiser and schedule; the shared :class:`~promoterbench.training.Trainer`
runs the loop.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd
import pyarrow as pa

from promoterbench import filters, memory, settings as settings_mod
from promoterbench import sequences as sq
from promoterbench.fitting import FitContext
from promoterbench.probe import CURVE_COLUMNS


@dataclass
class Reads:
    """Reads handed to a team: ids, sequences, labels and metadata."""

    read_id: np.ndarray
    sequence: pa.Array
    expression: np.ndarray
    is_integer: np.ndarray
    length: np.ndarray
    n_count: np.ndarray

    @classmethod
    def from_table(cls, table: pa.Table) -> "Reads":
        def col(name: str) -> np.ndarray:
            return table[name].to_numpy()

        return cls(
            read_id=col("read_id"),
            sequence=table["sequence"].combine_chunks(),
            expression=col("expression").astype(np.float64),
            is_integer=col("is_integer").astype(bool),
            length=col("length").astype(np.int64),
            n_count=col("n_count").astype(np.int64),
        )

    @classmethod
    def random(cls, n: int, seed: int = 0) -> "Reads":
        """``n`` random 110-nt reads with the real adapters and labels like the real ones."""
        rng = np.random.default_rng(seed)
        flank5, flank3 = sq.flank_codes()
        body = sq.random_codes(rng, (n, sq.RANDOM_LENGTH))
        codes = np.concatenate([np.tile(flank5, (n, 1)), body, np.tile(flank3, (n, 1))], axis=1)
        labels = np.round(rng.normal(11, 2.3, n).clip(0, 17), 1)
        return cls(
            read_id=np.arange(n), sequence=pa.array(sq.decode(codes)), expression=labels,
            is_integer=labels == np.floor(labels), length=np.full(n, sq.READ_LENGTH),
            n_count=np.zeros(n, np.int64),
        )  # fmt: skip

    def take(self, index: np.ndarray) -> "Reads":
        return Reads(
            read_id=self.read_id[index],
            sequence=self.sequence.take(pa.array(index)),
            expression=self.expression[index],
            is_integer=self.is_integer[index],
            length=self.length[index],
            n_count=self.n_count[index],
        )

    def __len__(self) -> int:
        return len(self.read_id)


@dataclass
class Fitted:
    """A trained team: what predict needs (``state``) and the per-epoch history."""

    state: dict
    history: pd.DataFrame
    n_params: int
    probe: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CURVE_COLUMNS))


class Team(ABC):
    """A model entry of the benchmark (a challenge team or a reference)."""

    name: ClassVar[str]
    architecture: ClassVar[str]
    source: ClassVar[str]
    kind: ClassVar[str] = "team"  # team | reference (a plugin's is "user": teams.plugins)
    # True where training draws no random numbers beyond the shared data selection (a closed-form
    # fit): then one training stands for every replicate (promoterbench.replicates)
    deterministic: ClassVar[bool] = False
    presets: ClassVar[dict[str, dict]]
    defaults: ClassVar[dict] = {}  # settings every preset of this kind of model has
    # ranges of numeric settings whose names settings.RANGES does not know
    ranges: ClassVar[dict[str, settings_mod.Range]] = {}
    # scale -> faithful_to choice -> settings that choice changes in that scale's preset (where
    # code and report disagree on a number); the user's own overrides still win
    fidelity: ClassVar[dict[str, dict[str, dict]]] = {}

    def settings(self, scale: str = "cpu", overrides: dict | None = None) -> dict:
        """Preset of ``scale`` (with what its ``faithful_to`` choice changes: :attr:`fidelity`) and
        the user's overrides applied, checked by type and range against the presets of every scale
        (:func:`promoterbench.settings.check`)."""
        if scale not in self.presets:
            raise settings_mod.SettingsError(
                f"teams.{self.name}: no preset for scale {scale!r} (presets: "
                f"{', '.join(self.presets)})"
            )
        presets = {s: settings_mod.with_defaults(p, self.defaults) for s, p in self.presets.items()}
        where = f"teams.{self.name}"
        preset = presets[scale]
        choice = (overrides or {}).get("faithful_to", preset.get("faithful_to"))
        if isinstance(choice, str):  # else check() names the mistyped value
            preset = settings_mod.merge(preset, self.fidelity.get(scale, {}).get(choice, {}))
        merged = settings_mod.merge(preset, overrides or {}, where)
        ranges = settings_mod.RANGES | self.ranges
        return settings_mod.check(merged, list(presets.values()), where, ranges)

    def select(self, meta: pd.DataFrame, settings: dict, rng: np.random.Generator) -> np.ndarray:
        """One reason per read (columns read_id, length, n_count, expression, is_integer).

        Default: every read, subsampled to ``recipe.max_reads`` when that is set."""
        return filters.subsample(filters.reasons(len(meta)), settings["recipe"]["max_reads"], rng)

    def split(self, n: int, settings: dict, rng: np.random.Generator) -> np.ndarray:
        """'train'/'val' for each kept read (default: a random split)."""
        return filters.random_split(n, settings["recipe"]["val_fraction"], rng)

    def memory_needs(self, settings: dict, n_reads: int) -> dict:
        """What training on ``n_reads`` reads holds in memory (MB; see :mod:`promoterbench.memory`):
        by default the interpreter and the reads as loaded."""
        return memory.base_needs(n_reads)

    @abstractmethod
    def fit(self, train: Reads, val: Reads, settings: dict, context: FitContext) -> Fitted:
        """Train on ``train``, monitor on ``val``."""

    @abstractmethod
    def predict(
        self, state: dict, sequences: pa.Array, settings: dict, context: FitContext
    ) -> np.ndarray:
        """Predictions for sequences (the higher, the more expression)."""

    def input_width(self, settings: dict) -> int | None:
        """Length of sequence the recipe takes as it is at test time: longer ones are cropped and
        shorter ones padded (or given context) by its encoding. None: any length as it is."""
        return None

    @abstractmethod
    def n_params(self, settings: dict) -> int:
        """Number of parameters of the model these settings build."""

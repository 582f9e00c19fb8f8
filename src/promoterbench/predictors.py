"""What predicts expression from sequences: a trained model saved by the workflow, or the
synthetic world's noise-free expression model (the oracle).

:class:`SavedModel` is the one implementation of a model's test-time procedure: the workflow's
predict rule and ``promoterbench predict | variants | ism`` all call :meth:`SavedModel.predict`,
which hands the sequences to the team's own ``predict`` (its encoding, padding or cropping,
flanks, strand averaging, shift augmentation and target back-transform).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa

from promoterbench import runtime
from promoterbench import sequences as sq

MODEL_FILE = "model.pt"
ORACLE = "oracle"


class Predictor(ABC):
    """Predicted expression of sequences, with a one-line description of what predicts."""

    name: str
    description: str

    @abstractmethod
    def predict(self, sequences: pa.Array) -> np.ndarray:
        """One prediction per sequence, in the model's expression units."""

    @abstractmethod
    def input_width(self) -> int | None:
        """Length of record the model takes as it is: longer ones are cropped and shorter ones
        padded (or filled with context) by its recipe. None: any length as it is."""

    def refusals(self, sequences: pa.Array) -> dict[int, str]:
        """Why the model cannot take some sequences at all: {index: reason} (none by default)."""
        return {}


def model_file(path: str | Path) -> tuple[Path, str]:
    """The model file that ``path`` names (the file, its replicate folder, or a team's models
    folder: replicate 1) and a note on how it was found."""
    path = Path(path)
    if path.is_file():
        return path, ""
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such model file or folder")
    if (path / MODEL_FILE).is_file():
        return path / MODEL_FILE, ""
    reps = sorted(path.glob(f"rep*/{MODEL_FILE}"), key=lambda p: int(p.parent.name[3:] or 0))
    if not reps:
        raise FileNotFoundError(
            f"{path}: holds neither {MODEL_FILE} nor rep*/{MODEL_FILE} (a trained model is "
            f"results/{{data}}/models/{{team}}/rep{{k}}/{MODEL_FILE})"
        )
    note = f" (replicate 1 of {len(reps)}; name rep{{k}}/ for another)" if len(reps) > 1 else ""
    return reps[0], note


class SavedModel(Predictor):
    """A trained team's ``model.pt`` with the context it predicts in."""

    def __init__(self, saved: dict, path: Path, context) -> None:
        from promoterbench.teams import CLASS_KEY, get_team

        self.saved, self.path, self.context = saved, path, context
        self.team = get_team(saved["team"], saved.get(CLASS_KEY))  # a plugin's class: as saved
        self.settings = saved["settings"]
        self.name = self.team.name

    @classmethod
    def load(
        cls,
        path: str | Path,
        device: str = "auto",
        precision: str = "fp32",
        deterministic: bool = True,
        batch_size: int | None = None,
        progress: Callable[[int, int], None] | None = None,
        log: logging.Logger | None = None,
    ) -> "SavedModel":
        """The model that ``path`` names (see :func:`model_file`), to predict on ``device``
        (CUDA's numerics set as training sets them: ``runtime.configure``)."""
        from promoterbench import training
        from promoterbench.fitting import FitContext

        file, note = model_file(path)
        saved = training.load(file)
        resolved, where, _ = runtime.open_device(device, deterministic)
        log = log or logging.getLogger("promoterbench.predict")
        context = FitContext(device=resolved, precision=precision, log=log,
                             eval_batch_size=batch_size, progress=progress)  # fmt: skip
        model = cls(saved, file, context)
        model.description = (
            f"{model.name} ({model.team.architecture}; {saved.get('n_params', '?')} parameters, "
            f"seed {model.settings.get('seed', '?')}) from {file}{note}, on {where}, {precision}"
        )
        return model

    def predict(self, sequences: pa.Array) -> np.ndarray:
        state = self.saved["state"]
        return self.team.predict(state, sequences, self.settings, self.context)

    def input_width(self) -> int | None:
        return self.team.input_width(self.settings)


class Oracle(Predictor):
    """The synthetic world's noise-free expression (0–17 bin scale of the training labels) of
    sequences aligned at their 3' end, as the simulator scores reads."""

    name = ORACLE
    description = "oracle: the synthetic world's noise-free expression model (training-label scale)"

    def __init__(self) -> None:
        from promoterbench.simulate.expression import ExpressionModel

        self.model = ExpressionModel()

    def predict(self, sequences: pa.Array) -> np.ndarray:
        from promoterbench.simulate.expression import WINDOW

        codes = sq.encode(sequences, WINDOW, pad="left", keep="right")
        return self.model.expression(codes, np.minimum(sq.lengths(sequences), WINDOW))

    def input_width(self) -> int | None:
        """Any length as it is: nothing beyond the 3'-most ``WINDOW`` nt has an effect."""
        return None

    def refusals(self, sequences: pa.Array) -> dict[int, str]:
        """Sequences with N: the world's motif tables are defined on A, C, G, T only."""
        offsets, data = sq.string_buffers(sq.as_string_array(sequences))
        rows = np.searchsorted(offsets, np.flatnonzero(data == ord("N")), side="right") - 1
        reason = "contains N; the noise-free expression model is defined on A, C, G, T only"
        return {int(i): reason for i in np.unique(rows)}


def load(name: str, **options) -> Predictor:
    """``oracle``, or the saved model at path ``name`` (options: :meth:`SavedModel.load`)."""
    if name == ORACLE and not Path(name).exists():
        return Oracle()
    return SavedModel.load(name, **options)

"""The data types the trainer and the teams share: encoded reads and where a team trains.

Both :mod:`promoterbench.training` and :mod:`promoterbench.teams` import them from here, so the
imports run one way (teams -> training -> fitting), never in a circle.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from promoterbench.probe import Probe


@dataclass
class Encoded:
    """Reads as a team encodes them: uint8 codes, raw labels, per-read extras; and, where the
    trainer staged them on its device (:mod:`promoterbench.transfer`), tensors of the codes and
    labels there."""

    codes: np.ndarray
    target: np.ndarray
    extras: dict[str, np.ndarray] = field(default_factory=dict)
    staged: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.target)


@dataclass
class FitContext:
    """Where and how a team trains and predicts: device, precision, logging, checkpoint folder,
    the prediction batch (None: the device's default) and a prediction progress callback."""

    device: Any = "cpu"
    precision: str = "fp32"
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("promoterbench.train"))
    checkpoint_dir: Any = None
    probe: Probe | None = None  # measured during training (promoterbench.probe)
    eval_batch_size: int | None = None
    # called with (sequences done, sequences in the pass) after every prediction batch; None:
    # progress lines in the log every tenth of a pass
    progress: Callable[[int, int], None] | None = None
    step_mb: float = 0.0  # device memory a training step needs (memory.check_device_memory)

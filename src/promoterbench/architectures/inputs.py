"""Network inputs from a data set's table (:mod:`promoterbench.datasets`): one-hot sequences in a
model's channel order, and the "is reverse" channel where the model takes one."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import torch

from promoterbench import sequences as sq
from promoterbench.teams.torch_team import one_hot


def codes(table: pa.Table, inputs: dict) -> np.ndarray:
    """(rows, length) uint8 codes of the table's sequences; a ValueError naming the row of a
    sequence of another length than ``inputs["length"]``."""
    sequences = table.column("sequence")
    lengths = sq.lengths(sequences)
    wrong = (lengths != inputs["length"]).nonzero()[0]
    if len(wrong):
        row = int(wrong[0])
        raise ValueError(
            f"row {row} ({table.column('id')[row]}): {lengths[row]} nt, "
            f"the model takes {inputs['length']} nt"
        )
    return sq.encode(sequences, inputs["length"])


def reverse(table: pa.Table) -> np.ndarray:
    """Whether each row is the other strand or orientation (``strand`` ``-``)."""
    return np.asarray(table.column("strand").to_pylist(), dtype=object) == "-"


def network_input(codes: torch.Tensor, reverse: torch.Tensor, inputs: dict) -> torch.Tensor:
    """(rows, channels, length) float inputs of codes in the model's base ``order`` (N: all
    ``n_value``), with the "is reverse" channel (1 on every position of a reverse row) where
    ``inputs["reverse_channel"]``."""
    x = one_hot(codes, inputs["n_value"], inputs["order"])
    if not inputs["reverse_channel"]:
        return x
    channel = reverse.float()[:, None, None].expand(-1, 1, x.shape[2])
    return torch.cat([x, channel], dim=1)


def encode(table: pa.Table, inputs: dict) -> torch.Tensor:
    """(rows, channels, length) float inputs for ``inputs`` (a preset's ``input`` section:
    ``length``, base ``order``, ``n_value`` and ``reverse_channel``).

    The reverse channel is 1 on every position of a row whose ``strand`` is ``-`` (DeepSTARR's
    minus-strand copies, lentiMPRA's ``_Reversed:`` rows), as the organisers' data processors
    set it. Raises ValueError naming the row of a sequence of another length.
    """
    return network_input(
        torch.from_numpy(codes(table, inputs)), torch.from_numpy(reverse(table)), inputs
    )


def targets(table: pa.Table, outputs: tuple[str, ...]) -> torch.Tensor:
    """(rows, outputs) float targets in the order of the model's heads."""
    return torch.tensor([table.column(name).to_pylist() for name in outputs]).T.float()

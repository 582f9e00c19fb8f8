"""Batches onto the training device without stalling the host.

On CUDA a training step's inputs and targets come either from a copy of the encoded reads staged
in GPU memory once, at set-up (:func:`stage`; gathered there with the batch's row numbers), or,
for what a team builds per batch on the host (bhi's fills, wan_barton's tokens, unlock_dna's
reverse strand, the per-read flags), from pinned host memory by an asynchronous copy
(:func:`to_device`) that runs on the GPU's stream in order with the step's kernels. On the CPU
nothing is copied or staged: a batch is the host array itself, as before.
"""

from __future__ import annotations

import numpy as np
import torch

from promoterbench.fitting import Encoded

# staged arrays may take this share of the GPU memory free beyond what a training step needs
STAGE_SHARE = 0.25
STAGED = ("codes", "target")  # extras may change per epoch (bhi redraws its fills): not staged


def to_device(array: np.ndarray, device: torch.device) -> torch.Tensor:
    """A host array as a tensor on ``device``: on CUDA through pinned memory, without blocking
    the host; elsewhere ``torch.from_numpy(array).to(device)`` (on the CPU, the array itself)."""
    tensor = torch.from_numpy(array)
    if device.type == "cuda":
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor.to(device)


def staged_bytes(data: Encoded) -> int:
    """Bytes :func:`stage` puts on the device for ``data``."""
    return sum(getattr(data, name).nbytes for name in STAGED)


def stage(data: Encoded, device: torch.device) -> None:
    """Copy the codes and targets of ``data`` onto ``device`` once; :func:`take` then gathers
    batches there."""
    data.staged = {name: torch.from_numpy(getattr(data, name)).to(device) for name in STAGED}


def should_stage(data: Encoded, device: torch.device, step_mb: float) -> bool:
    """Whether to stage ``data`` on ``device``: CUDA only, where it takes no more than
    :data:`STAGE_SHARE` of the memory free beyond the ``step_mb`` a training step needs."""
    if device.type != "cuda":
        return False
    free, _ = torch.cuda.mem_get_info(device)
    return staged_bytes(data) <= STAGE_SHARE * (free - step_mb * 2**20)


def on_device(data: Encoded, name: str, device: torch.device) -> torch.Tensor | None:
    """The staged tensor ``name`` of ``data`` where :func:`stage` put it on ``device``'s kind
    (one GPU a job), else None."""
    tensor = data.staged.get(name)
    return tensor if tensor is not None and tensor.device.type == device.type else None


def take(data: Encoded, name: str, idx: np.ndarray, device: torch.device) -> torch.Tensor:
    """Rows ``idx`` of ``data.codes`` or ``data.target`` (``name``) as a tensor on ``device``:
    gathered there where :func:`stage` put them, else copied from the host."""
    staged = on_device(data, name, device)
    if staged is not None:
        return staged[to_device(idx, device)]
    return to_device(getattr(data, name)[idx], device)

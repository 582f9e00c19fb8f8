"""Activation recomputation: a block's activations are not kept for the backward pass but computed
again there (``torch.utils.checkpoint``), trading about a third more training compute for memory.

The numbers stay those of a plain run: the second forward pass is the same computation on the same
inputs, and the batch-norm running statistics, which it would update a second time, are put back
as the first pass left them. Used where a recipe's batch does not fit a host's memory (LegNet's
batch of 1,024 keeps 11 GB of activations on a CPU).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from functools import partial

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint


def recomputed(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``module(x)``; while training, without keeping its activations for the backward pass."""
    if not (module.training and torch.is_grad_enabled()):
        return module(x)
    contexts = partial(_contexts, module)
    return checkpoint(module, x, use_reentrant=False, context_fn=contexts)


def _contexts(module: nn.Module) -> tuple:
    """(around the first forward pass, around the recomputation)."""
    return nullcontext(), _running_stats_kept(module)


@contextmanager
def _running_stats_kept(module: nn.Module) -> Iterator[None]:
    """Restores every batch-norm buffer (running mean, variance, batch count) of ``module``."""
    buffers = [
        b for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)
        for b in m.buffers()
    ]  # fmt: skip
    kept = [b.clone() for b in buffers]
    try:
        yield
    finally:
        with torch.no_grad():
            for buffer, value in zip(buffers, kept):
                buffer.copy_(value)

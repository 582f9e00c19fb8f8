"""Process set-up shared by the workflow scripts: logging, threads, devices."""

from __future__ import annotations

import logging
import os
import sys
import warnings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(log_path: str | os.PathLike | None) -> logging.Logger:
    """Send log records and warnings to ``log_path`` (and stderr when there is none)."""
    handler: logging.Handler
    if log_path:
        handler = logging.FileHandler(log_path, mode="w")
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    warnings.simplefilter("default")
    logger = logging.getLogger("promoterbench")

    def log_uncaught(kind, value, tb):
        logger.error("%s: %s", kind.__name__, value, exc_info=(kind, value, tb))
        sys.__excepthook__(kind, value, tb)

    sys.excepthook = log_uncaught
    return logger


def set_threads(threads: int, torch: bool = False) -> int:
    """Use ``threads`` CPU threads in Arrow (and torch) — never more than the machine has."""
    n = max(1, min(int(threads), os.cpu_count() or 1))
    import pyarrow as pa

    pa.set_cpu_count(n)
    if torch:
        import torch as _torch

        _torch.set_num_threads(n)
        try:
            _torch.set_num_interop_threads(1)
        except RuntimeError:  # only settable before the first parallel op
            pass
    return n


def resolve_device(name: str):
    """The torch device for config ``device`` (auto, cpu, cuda, mps); a clear error if absent."""
    import torch

    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(
            "device: cuda was requested but torch.cuda.is_available() is False "
            f"(torch {torch.__version__}; a CPU-only build or no visible GPU)"
        )
    if name == "mps" and not torch.backends.mps.is_available():
        raise RuntimeError("device: mps was requested but this torch build/machine has no MPS")
    if name not in ("cpu", "cuda", "mps"):
        raise ValueError(f"unknown device {name!r}: choose auto, cpu, cuda or mps")
    return torch.device(name)

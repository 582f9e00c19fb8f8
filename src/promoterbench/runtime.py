"""Process set-up shared by the workflow scripts: logging, threads, devices."""

from __future__ import annotations

import glob
import importlib.util
import json
import logging
import os
import shutil
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


def warn(log: logging.Logger, message: str) -> None:
    """Log a warning and print it on stderr, so that it is seen on screen, not only in the log."""
    log.warning(message)
    print(f"WARNING: {message}", file=sys.stderr)


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


DEVICES = ("auto", "cpu", "cuda", "mps", "xla")
CUBLAS_WORKSPACE = ":4096:8"  # what deterministic cuBLAS needs (CUDA >= 10.2 release notes)
# conda environment (envs/NAME.yaml) of the rules that train or predict, by config ``device``
TORCH_ENVS = {"cuda": "torch-cuda", "xla": "torch-xla"}


def gpu_present() -> bool:
    """Whether this machine shows an NVIDIA GPU (/dev/nvidiaN), without importing torch."""
    return bool(glob.glob("/dev/nvidia[0-9]*"))


def uses_gpu(device: str) -> bool:
    """Whether a job with config ``device`` runs on a CUDA GPU: cuda, or auto where one is."""
    return device == "cuda" or (device == "auto" and gpu_present())


def torch_env(device: str) -> str:
    """The conda environment (its name under envs/) of a job with config ``device``: a CUDA
    torch for cuda (and auto on a GPU machine), torch_xla for xla, the CPU build otherwise."""
    return TORCH_ENVS["cuda"] if uses_gpu(device) else TORCH_ENVS.get(device, "torch-cpu")


def resolve_device(name: str, deterministic: bool = True):
    """The torch device for config ``device``; a clear error when it is not available.

    With ``deterministic``, ``CUBLAS_WORKSPACE_CONFIG`` is set (unless it is already) before CUDA
    initialises: cuBLAS reads it once, and deterministic matmuls need it (see :func:`configure`).

    ``xla`` imports torch_xla only here (it is not a dependency of the package) and uses the
    PJRT runtime named by ``PJRT_DEVICE``; unset, it is TPU where the machine has TPU devices and
    an error elsewhere (libtpu would wait minutes for cloud metadata that is not there).
    """
    if deterministic and name in ("auto", "cuda"):
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", CUBLAS_WORKSPACE)
    import torch

    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError(
                "device: cuda was requested but torch.cuda.is_available() is False "
                f"(torch {torch.__version__}: a CPU-only build, or no visible GPU)"
            )
        return torch.device("cuda")
    if name == "mps":
        if not torch.backends.mps.is_available():
            raise RuntimeError("device: mps was requested but this torch build/machine has no MPS")
        return torch.device("mps")
    if name == "xla":
        if importlib.util.find_spec("torch_xla") is None:
            raise RuntimeError(
                "device: xla needs the torch_xla package (pip install 'torch_xla[tpu]' with the "
                "same version as torch; envs/torch-xla.yaml pins a working pair)"
            )
        if "PJRT_DEVICE" not in os.environ:
            if not tpu_present():
                raise RuntimeError(
                    "device: xla, but this machine has no TPU (no /dev/accel* or /dev/vfio/* "
                    "devices) and PJRT_DEVICE is unset: set PJRT_DEVICE=CPU to run XLA on the "
                    "CPU (as the tests do), or PJRT_DEVICE=TPU if the TPU is there after all"
                )
            os.environ["PJRT_DEVICE"] = "TPU"
        import torch_xla

        return torch_xla.device()
    raise ValueError(f"unknown device {name!r}: choose one of {', '.join(DEVICES)}")


def configure(device, deterministic: bool = True) -> dict | None:
    """Set CUDA's numerics explicitly and return them (for train_summary.json; None off CUDA).

    fp32 matmuls and convolutions in IEEE fp32, never TF32 (Ampere and later would otherwise use
    TF32 in cuDNN convolutions: other numbers than on the CPU). ``deterministic``: deterministic
    cuDNN and torch kernels (an op without one warns in the log), no autotuning, so the same
    seed, data and GPU give the same numbers; off: ``cudnn.benchmark`` autotunes each fixed
    shape (faster, but the chosen kernels, and so the last bits, may differ between runs).
    """
    if device.type != "cuda":
        return None
    import torch

    torch.backends.cuda.matmul.fp32_precision = "ieee"
    torch.backends.cudnn.fp32_precision = "ieee"
    torch.backends.cudnn.deterministic = deterministic
    torch.backends.cudnn.benchmark = not deterministic
    torch.use_deterministic_algorithms(deterministic, warn_only=True)
    return {
        "matmul_fp32_precision": torch.backends.cuda.matmul.fp32_precision,
        "cudnn_fp32_precision": torch.backends.cudnn.fp32_precision,
        "deterministic": deterministic,
        "cudnn_benchmark": torch.backends.cudnn.benchmark,
        "cublas_workspace_config": os.environ.get("CUBLAS_WORKSPACE_CONFIG"),
    }


def rng_state(device):
    """The random generator state of an accelerator (dropout and masks drawn on it); None on the
    CPU, whose generator the checkpoint keeps anyway."""
    import torch

    if device.type == "cuda":
        return torch.cuda.get_rng_state(device)
    if device.type == "mps":
        return torch.mps.get_rng_state()
    if device.type == "xla":
        import torch_xla.core.xla_model as xm

        return xm.get_rng_state(device)
    return None


def set_rng_state(device, state) -> None:
    """Restore what :func:`rng_state` returned."""
    import torch

    if state is None:
        return
    if device.type == "cuda":
        torch.cuda.set_rng_state(state, device)
    elif device.type == "mps":
        torch.mps.set_rng_state(state)
    elif device.type == "xla":
        import torch_xla.core.xla_model as xm

        xm.set_rng_state(int(state), device)


def tpu_present() -> bool:
    """Whether TPU chips are visible: /dev/accel* (TPU v2-v4 VMs) or /dev/vfio/N (v5e and later)."""
    return bool(glob.glob("/dev/accel*") or glob.glob("/dev/vfio/[0-9]*"))


def check_device(device, requested: str) -> str:
    """Describe the device in use and fail if it is not what was asked for.

    On a TPU VM, a second process cannot open libtpu and torch_xla may quietly fall back to the
    CPU: that is an error here, not a slow run.
    """
    if device.type == "xla":
        import torch_xla.runtime as xr

        kind = xr.device_type()
        wanted = os.environ.get("PJRT_DEVICE", "TPU")
        if kind != wanted:
            raise RuntimeError(
                f"device: xla asked for PJRT_DEVICE={wanted} but got {kind} (is another process "
                "holding libtpu? the tpu profile runs one TPU job at a time)"
            )
        return f"xla ({kind})"
    if requested not in ("auto", device.type):
        raise RuntimeError(f"device: {requested} was requested but {device} was selected")
    if device.type == "cuda":
        import torch

        return f"cuda ({torch.cuda.get_device_name(device)})"
    return device.type


def open_device(requested: str, deterministic: bool = True) -> tuple:
    """The device a training or prediction job runs on (:func:`resolve_device`), checked
    (:func:`check_device`) and configured (:func:`configure`): (device, its description, CUDA's
    numerics or None)."""
    device = resolve_device(requested, deterministic)
    where = check_device(device, requested)
    return device, where, configure(device, deterministic)


def device_fields(device, where: str, precision: str, threads: int, cuda: dict | None) -> dict:
    """Where a training job ran, for its train_summary.json: the device's description, precision
    and threads, CUDA's numerics (fp32 precision of matmuls and cuDNN, determinism; CUDA only)
    and the XLA graph compilations and their seconds (XLA only)."""
    return {"device": where, "precision": precision, "threads": threads, "cuda": cuda,
            "xla": xla_metrics(device)}  # fmt: skip


def finish_training(path: str | os.PathLike, summary: dict, checkpoints: str | os.PathLike) -> None:
    """Write a finished training's summary (JSON) and remove its checkpoints: nothing is left to
    resume."""
    with open(path, "w") as fh:
        json.dump(summary, fh, indent=2)
    shutil.rmtree(checkpoints, ignore_errors=True)


def sync_device(device) -> None:
    """Run the queued graph on lazy devices (XLA): once per training step."""
    if device.type == "xla":
        import torch_xla

        torch_xla.sync()


def xla_metrics(device) -> dict | None:
    """XLA graph compilations of this process so far and their seconds (XLA only).

    Every new input shape compiles a new graph; on a TPU each costs the same minutes as here.
    """
    if device.type != "xla":
        return None
    import torch_xla.debug.metrics as met

    compiles, nanoseconds, _ = met.metric_data("CompileTime") or (0, 0.0, None)
    return {"compilations": int(compiles), "compile_seconds": round(nanoseconds / 1e9, 2)}

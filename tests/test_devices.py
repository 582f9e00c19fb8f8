"""Device selection fails fast and clearly when the device is not there."""

from __future__ import annotations

import importlib.util
import os

import pytest
import torch
import yaml

from conftest import REPO
from promoterbench import runtime
from promoterbench.teams import get_team
from promoterbench.teams.base import FitContext
from promoterbench.training import Trainer

CUBLAS = "CUBLAS_WORKSPACE_CONFIG"


@pytest.mark.skipif(
    importlib.util.find_spec("torch_xla") is not None, reason="torch_xla is installed"
)
def test_xla_without_torch_xla_names_the_package():
    with pytest.raises(
        RuntimeError,
        match=r"device: xla needs the torch_xla package \(pip install 'torch_xla\[tpu\]'",
    ):
        runtime.resolve_device("xla")


def test_xla_without_a_tpu_or_pjrt_device_says_how_to_proceed(monkeypatch):
    """Unset PJRT_DEVICE on a machine without TPU devices: libtpu would wait minutes for cloud
    metadata; the device check fails at once and names PJRT_DEVICE=CPU."""
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name: object() if name == "torch_xla" else real_find_spec(name),
    )
    monkeypatch.delenv("PJRT_DEVICE", raising=False)
    monkeypatch.setattr(runtime, "tpu_present", lambda: False)
    with pytest.raises(RuntimeError, match="this machine has no TPU .* set PJRT_DEVICE=CPU"):
        runtime.resolve_device("xla")


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is visible")
def test_cuda_on_a_machine_without_gpu_fails():
    with pytest.raises(
        RuntimeError, match="device: cuda was requested but torch.cuda.is_available\\(\\) is False"
    ):
        runtime.resolve_device("cuda")


def test_auto_and_cpu_resolve_and_are_checked(monkeypatch):
    device = runtime.resolve_device("cpu")
    assert runtime.check_device(device, "cpu") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert runtime.check_device(runtime.resolve_device("auto"), "auto") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device: "Test GPU")
    auto = runtime.resolve_device("auto")
    assert auto == torch.device("cuda")
    assert runtime.check_device(auto, "auto") == "cuda (Test GPU)"
    with pytest.raises(RuntimeError, match="device: cuda was requested but cpu was selected"):
        runtime.check_device(device, "cuda")
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        runtime.resolve_device("tpu")


def test_fp16_needs_cuda():
    team = get_team("camformers")
    with pytest.raises(ValueError, match="precision: fp16 needs device: cuda"):
        Trainer(team, team.settings("cpu"), FitContext(device="cpu", precision="fp16"))


@pytest.mark.parametrize("name", ["tiny", "dream2022"])
def test_the_test_configs_pin_the_cpu(name):
    """A GPU host runs the workflow tests as CI does; CUDA has its own tests (test_cuda.py)."""
    config = yaml.safe_load((REPO / "tests" / "data" / f"{name}.yaml").read_text())
    assert config["device"] == "cpu"


@pytest.fixture
def cuda_numerics():
    """Restores torch's global numerics settings that runtime.configure changes."""
    backends = (torch.backends.cuda.matmul, torch.backends.cudnn)
    saved = [b.fp32_precision for b in backends]
    flags = torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark
    algorithms = (torch.are_deterministic_algorithms_enabled(),
                  torch.is_deterministic_algorithms_warn_only_enabled())  # fmt: skip
    yield
    for backend, value in zip(backends, saved):
        backend.fp32_precision = value
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = flags
    torch.use_deterministic_algorithms(algorithms[0], warn_only=algorithms[1])


@pytest.mark.usefixtures("cuda_numerics")
@pytest.mark.parametrize("deterministic", [True, False])
def test_cuda_numerics_are_set_explicitly_and_reported(deterministic, monkeypatch):
    """No GPU needed: the settings are torch's global flags. fp32 matmuls, cuDNN convolutions
    and recurrences in IEEE fp32 (cuDNN's default is TF32), determinism as configured; the
    returned record is what train_summary.json keeps under "cuda"."""
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", runtime.CUBLAS_WORKSPACE)
    # TF32 everywhere beforehand (as a library calling set_float32_matmul_precision may leave it)
    torch.backends.cuda.matmul.fp32_precision = torch.backends.cudnn.fp32_precision = "tf32"
    assert runtime.configure(torch.device("cpu"), deterministic) is None
    assert torch.backends.cuda.matmul.fp32_precision == "tf32"  # only CUDA's are set
    record = runtime.configure(torch.device("cuda"), deterministic)
    assert torch.backends.cuda.matmul.fp32_precision == "ieee"
    assert torch.backends.cudnn.conv.fp32_precision == torch.backends.cudnn.rnn.fp32_precision
    assert torch.backends.cudnn.conv.fp32_precision == "ieee"
    assert torch.backends.cudnn.deterministic is deterministic
    assert torch.backends.cudnn.benchmark is not deterministic
    assert torch.are_deterministic_algorithms_enabled() is deterministic
    assert record == {
        "matmul_fp32_precision": "ieee",
        "cudnn_fp32_precision": "ieee",
        "deterministic": deterministic,
        "cudnn_benchmark": not deterministic,
        "cublas_workspace_config": runtime.CUBLAS_WORKSPACE,
    }


def test_the_cublas_workspace_is_set_before_cuda_is_first_asked(monkeypatch):
    """cuBLAS reads CUBLAS_WORKSPACE_CONFIG once, when CUDA starts: resolve_device sets it
    before its first CUDA call where the run is deterministic, and leaves a user's own alone."""
    seen = []
    monkeypatch.setattr(
        torch.cuda, "is_available", lambda: seen.append(os.environ.get(CUBLAS)) is None
    )
    for name in ("cuda", "auto"):
        monkeypatch.delenv(CUBLAS, raising=False)
        assert runtime.resolve_device(name, deterministic=True) == torch.device("cuda")
    monkeypatch.delenv(CUBLAS, raising=False)
    runtime.resolve_device("cuda", deterministic=False)
    monkeypatch.setenv(CUBLAS, ":16:8")
    runtime.resolve_device("cuda", deterministic=True)
    assert seen == [runtime.CUBLAS_WORKSPACE, runtime.CUBLAS_WORKSPACE, None, ":16:8"]

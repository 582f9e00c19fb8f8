"""Device selection fails fast and clearly when the device is not there."""

from __future__ import annotations

import importlib.util

import yaml

import pytest
import torch

from conftest import REPO
from promoterbench import runtime
from promoterbench.teams import get_team
from promoterbench.teams.base import FitContext
from promoterbench.training import Trainer


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

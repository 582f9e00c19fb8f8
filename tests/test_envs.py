"""Conda environments pin the same versions as pyproject.toml."""

from __future__ import annotations

import re
import tomllib

import pytest
import yaml

from conftest import REPO
from promoterbench import runtime
from workflow_helpers import device_rules

ENVS = sorted((REPO / "envs").glob("*.yaml"))
# torch_xla is only released for some torch versions (newest on PyPI: 2.9.0)
XLA_PAIR = {"torch": "2.9.0", "torch_xla": "2.9.0"}


def pins(requirements: list[str]) -> dict[str, str]:
    out = {}
    for req in requirements:
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;#]+).*", req.strip())
        if m:
            out[m.group(1).lower().replace("-", "_")] = m.group(2)
    return out


def project_pins() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    return pins(reqs)


def env_pins(path) -> dict[str, str]:
    deps = yaml.safe_load(path.read_text())["dependencies"]
    pip = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    return pins(pip)


def test_every_rule_family_has_an_environment():
    assert {p.stem for p in ENVS} == {"data", "torch-cpu", "torch-cuda", "torch-xla", "plots"}


@pytest.mark.parametrize("path", ENVS, ids=lambda p: p.stem)
def test_environment_pins_equal_pyproject(path):
    expected = project_pins()
    got = env_pins(path)
    assert got, f"{path.name} pins nothing"
    for name, version in got.items():
        if path.stem == "torch-xla" and name in XLA_PAIR:
            assert version == XLA_PAIR[name]
            continue
        assert (
            expected.get(name) == version
        ), f"{path.name}: {name}=={version}, pyproject: {expected.get(name)}"


def test_every_environment_is_used_and_exists():
    """Named in a rule, or chosen for the rules that train and predict by config device."""
    rules = "\n".join(p.read_text() for p in (REPO / "workflow" / "rules").glob("*.smk"))
    named = set(re.findall(r'"\.\./\.\./envs/([\w-]+)\.yaml"', rules))
    by_device = {runtime.torch_env(device) for device in runtime.DEVICES}
    assert named | by_device == {p.stem for p in ENVS}


def test_the_rules_that_read_the_device_take_its_environment():
    for path in (REPO / "workflow" / "rules").glob("*.smk"):
        for rule in device_rules() & set(re.findall(r"^rule (\w+):", path.read_text(), re.M)):
            body = path.read_text().split(f"rule {rule}:\n", 1)[1].split("\n\n\n", 1)[0]
            assert "conda:\n        TORCH_ENV\n" in body, rule


@pytest.mark.parametrize(
    "device, gpu, env",
    [("cuda", False, "torch-cuda"), ("auto", True, "torch-cuda"), ("auto", False, "torch-cpu"),
     ("xla", False, "torch-xla"), ("cpu", True, "torch-cpu"), ("mps", False, "torch-cpu")],
)  # fmt: skip
def test_torch_environment_follows_the_device(monkeypatch, device, gpu, env):
    monkeypatch.setattr(runtime, "gpu_present", lambda: gpu)
    assert runtime.torch_env(device) == env

"""Conda environments pin the same versions as pyproject.toml."""

from __future__ import annotations

import re
import tomllib

import pytest
import yaml

from conftest import REPO

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


def test_rules_name_existing_environments():
    rules = "\n".join(p.read_text() for p in (REPO / "workflow" / "rules").glob("*.smk"))
    named = set(re.findall(r'"\.\./\.\./envs/([\w-]+)\.yaml"', rules))
    assert named and named <= {p.stem for p in ENVS}

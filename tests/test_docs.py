"""The documentation: a short README, a site that builds strictly, reference pages that match the
schema and the team registry."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from promoterbench import reference_docs
from promoterbench.teams import REGISTRY, get_team

SCHEMA = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
ENV = dict(os.environ, NO_MKDOCS_2_WARNING="1")  # Material's notice about its successor


def build(root: Path, site: Path) -> subprocess.CompletedProcess:
    # not -q: mkdocs 1.6 does not count the warnings it is told to hide, and --strict passes
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f",
                           str(root / "mkdocs.yml"), "-d", str(site)],
                          capture_output=True, text=True, env=ENV)  # fmt: skip


def site_copy(dest: Path) -> Path:
    """The documentation's sources, with what its hook reads, in ``dest``."""
    shutil.copytree(REPO / "docs", dest / "docs")
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(REPO / "workflow" / "schemas", dest / "workflow" / "schemas")
    return dest


def test_the_readme_is_a_front_door():
    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) <= 200
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", readme):  # relative links resolve
        assert (REPO / target).exists(), target


def test_the_site_builds_strictly_with_the_generated_reference_pages(tmp_path):
    out = build(REPO, tmp_path / "site")
    assert out.returncode == 0, out.stderr[-3000:]
    config = (tmp_path / "site" / "reference" / "configuration" / "index.html").read_text()
    zoo = (tmp_path / "site" / "reference" / "zoo" / "index.html").read_text()
    assert "budget.train_flops" in config and "<code>ga_generations</code>" not in config
    assert all(f"<code>{name}</code>" in zoo for name in REGISTRY)


@pytest.mark.parametrize(
    "breakage",
    ["a broken link", "a broken anchor", "a page left out of the navigation", "a missing page"],
)
def test_a_broken_site_fails_the_strict_build(tmp_path, breakage):
    root = site_copy(tmp_path)
    page = root / "docs" / "scoring.md"
    if breakage == "a broken link":
        page.write_text(page.read_text() + "\nSee [nothing](no-such-page.md).\n")
    elif breakage == "a broken anchor":
        page.write_text(page.read_text() + "\nSee [nothing](models.md#no-such-heading).\n")
    elif breakage == "a page left out of the navigation":
        (root / "docs" / "orphan.md").write_text("# Orphan\n")
    else:
        page.unlink()
    out = build(root, tmp_path / "site")
    assert out.returncode != 0, breakage


def test_the_configuration_reference_lists_every_key_with_its_default():
    page = reference_docs.config_page(SCHEMA)

    def keys(node: dict, prefix: str = ""):
        for name, child in node.get("properties", {}).items():
            yield prefix + name, child
            yield from keys(child, prefix + name + ".")

    rows = {
        line.split(" | ")[0].strip("| `"): line
        for line in page.splitlines()
        if line.startswith("| `")
    }
    assert set(rows) == {key for key, _ in keys(SCHEMA)}
    for key, node in keys(SCHEMA):
        assert node["description"].replace("|", "\\|") in rows[key]
        if node.get("default", {}) != {}:  # a section's default comes from its keys
            assert f"`{json.dumps(node['default'])}`" in rows[key]


def test_a_key_without_a_description_fails_the_build():
    schema = {"properties": {"data": {"type": "string"}}}
    with pytest.raises(ValueError, match="config schema: data has no description"):
        reference_docs.config_page(schema)


@pytest.fixture(scope="module")
def zoo_page() -> str:
    return reference_docs.zoo_page()  # builds every model at both scales: once for the module


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_the_zoo_reference_gives_every_models_parameters_at_both_scales(name, zoo_page):
    team = get_team(name)
    row = next(line for line in zoo_page.splitlines() if line.startswith(f"| `{name}` |"))
    cells = [cell.strip() for cell in row.strip("|").split(" | ")]
    assert cells[1] == team.kind and cells[2] == team.architecture
    assert cells[3] == f"{team.n_params(team.settings('cpu')):,}"
    assert cells[4] == f"{team.n_params(team.settings('paper')):,}"

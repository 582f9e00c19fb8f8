"""A user's own teams for the tests: a model file written by the scaffold, and a throwaway package
declaring one as an entry point, installed with pip into a folder of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from promoterbench.teams import scaffold

FILE_TEAM = "my_cnn"  # a file named in the config
PACKAGE_TEAM = "lab_cnn"  # an installed package's entry point
PACKAGE = "labteams"  # its distribution and import name
PACKAGE_VERSION = "0.3.0"
# a few reads and an epoch, in batches small enough for a probe curve with a last quarter
TINY_OVERRIDES = {"recipe": {"max_reads": 1000}, "train": {"max_epochs": 1, "batch_size": 64}}


def model_file(directory: Path, name: str = FILE_TEAM) -> Path:
    """The scaffold's model file for team ``name`` in ``directory``."""
    path, _ = scaffold.write(name, directory)
    return path


def package(directory: Path) -> Path:
    """The source of a package whose entry point adds :data:`PACKAGE_TEAM` to the zoo."""
    root = directory / PACKAGE
    model_file(root / PACKAGE, PACKAGE_TEAM)
    (root / PACKAGE / "__init__.py").write_text("")
    (root / "pyproject.toml").write_text(f"""\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{PACKAGE}"
version = "{PACKAGE_VERSION}"

[project.entry-points."promoterbench.teams"]
{PACKAGE_TEAM} = "{PACKAGE}.{PACKAGE_TEAM}:{scaffold.class_name(PACKAGE_TEAM)}"

[tool.setuptools]
packages = ["{PACKAGE}"]
""")  # fmt: skip
    return root


def pip_install(source: Path, target: Path) -> dict[str, str]:
    """``pip install`` the package at ``source`` into ``target`` (offline, no dependencies);
    the environment of a process that has it installed (``target`` on PYTHONPATH)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps",
         "--no-build-isolation", "--target", str(target), str(source)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    path = [str(target), *filter(None, [os.environ.get("PYTHONPATH")])]
    return os.environ | {"PYTHONPATH": os.pathsep.join(path)}

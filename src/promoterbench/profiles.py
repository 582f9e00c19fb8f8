"""Make ``snakemake --profile slurm`` and ``--profile tpu`` work as typed.

Snakemake looks up ``--profile NAME`` in the working directory and in its user configuration
directory, never under ``./profiles/``. ``install`` links (or copies) the repository's named
profiles into that user directory — the one Snakemake itself computes with
``platformdirs.AppDirs("snakemake", "snakemake")``, which honours ``XDG_CONFIG_HOME``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from platformdirs import AppDirs

NAMES = ("slurm", "tpu")


def user_profile_dir() -> Path:
    """Where Snakemake searches for named profiles of this user."""
    return Path(AppDirs("snakemake", "snakemake").user_config_dir)


def repository_profiles() -> Path:
    """The repository's profiles/ folder (this package lives in <repo>/src/promoterbench)."""
    here = Path(__file__).resolve().parents[2] / "profiles"
    if not (here / NAMES[0]).is_dir():
        raise FileNotFoundError(
            f"{here}: no profiles here; install promoterbench from its repository"
        )
    return here


def install(target: Path | None = None, copy: bool = False, force: bool = False) -> list[str]:
    """Install the named profiles; returns one line per profile saying what happened.

    A profile of the same name that is not ours is left alone unless ``force``.
    """
    source = repository_profiles()
    target = target or user_profile_dir()
    target.mkdir(parents=True, exist_ok=True)
    report = []
    for name in NAMES:
        src, dest = source / name, target / name
        ours = dest.is_symlink() and dest.resolve() == src.resolve()
        if dest.exists() or dest.is_symlink():
            if not (ours or force):
                report.append(f"skipped {dest}: exists and is not promoterbench's (use --force)")
                continue
            if dest.is_dir() and not dest.is_symlink():
                shutil.rmtree(dest)
            else:
                dest.unlink()
        if copy:
            shutil.copytree(src, dest)
        else:
            dest.symlink_to(src, target_is_directory=True)
        report.append(f"{'copied' if copy else 'linked'} {dest} -> {src}")
    return report

"""Make ``snakemake --profile slurm`` and ``--profile tpu`` work as typed.

Snakemake looks up ``--profile NAME`` in the working directory and in its user configuration
directory, never under ``./profiles/``. ``install`` links (or copies) the repository's named
profiles into that user directory — the one Snakemake itself computes with
``platformdirs.AppDirs("snakemake", "snakemake")``, which honours ``XDG_CONFIG_HOME``.
"""

from __future__ import annotations

import shutil
import time
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

    A profile of the same name that is not ours is left alone, or with ``force`` moved aside to a
    dated backup beside it first.
    """
    source = repository_profiles()
    target = target or user_profile_dir()
    target.mkdir(parents=True, exist_ok=True)
    report = []
    for name in NAMES:
        src, dest = source / name, target / name
        ours = dest.is_symlink() and dest.resolve() == src.resolve()
        if ours:
            dest.unlink()
        elif dest.exists() or dest.is_symlink():
            if not force:
                report.append(_in_the_way(dest))
                continue
            backup = dest.with_name(f"{name}.backup-{time.strftime('%Y%m%dT%H%M%S')}")
            dest.rename(backup)
            report.append(f"moved {dest} (not promoterbench's) to {backup}")
        if copy:
            shutil.copytree(src, dest)
        else:
            dest.symlink_to(src, target_is_directory=True)
        report.append(f"{'copied' if copy else 'linked'} {dest} -> {src}")
    return report


def _in_the_way(dest: Path) -> str:
    """The line for a profile folder of another origin: where, what is there, the ways forward."""
    if dest.is_symlink():
        what = f"a link to {dest.readlink()}"
    elif dest.is_dir():
        names = sorted(p.name for p in dest.iterdir())
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        entries = f"{len(names)} entr{'y' if len(names) == 1 else 'ies'}"
        what = f"a folder of {entries} ({shown})" if names else "an empty folder"
    else:
        what = "a file"
    return (
        f"skipped {dest}: {what}, not promoterbench's {dest.name} profile, is in the way. "
        f"Either remove it and run `promoterbench install-profiles` again, or run "
        f"`promoterbench install-profiles --force`, which moves it to "
        f"{dest.name}.backup-<date> beside it first"
    )

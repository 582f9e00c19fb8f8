"""Run the workflow in a temporary copy of the repository."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "tests" / "data" / "tiny.yaml"
WORKFLOW_FILES = ("Snakefile", "config.yaml", "workflow", "profiles", "envs")
# A run that hangs (an executor plugin can) is killed when no job has finished for STALL_S: one
# job takes seconds on an idle machine and minutes when other test modules share its cores (as
# in CI), so a bound on the whole run's time would fail a slow machine rather than a hang.
STALL_S = 900
DONE = re.compile(rb"^\d+ of \d+ steps \(\d+%\) done$", re.M)


def copy_workflow(dest: Path) -> Path:
    for name in WORKFLOW_FILES:
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest / name)
    shutil.copy(TINY, dest / "tiny.yaml")
    return dest


def snakemake(
    workdir: Path,
    *args: str,
    configs: tuple[str, ...] = ("tiny.yaml",),
    check: bool = True,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """Run snakemake in ``workdir`` with the tiny config (later config files override earlier),
    in this process's environment or ``env``."""
    # --configfile takes several values: keep it last so it does not swallow the targets
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", *args, "--configfile", *configs]
    result = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, env=env)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}"
        )
    return result


def run_watched(
    cmd: list[str],
    cwd: Path,
    log: Path,
    env: dict[str, str] | None = None,
    poll: Callable[[], None] | None = None,
) -> int:
    """Run a snakemake command with its output in ``log``, calling ``poll`` twice a second; kill
    it, and fail, when no job has finished for STALL_S seconds. Its exit status."""
    import pytest  # only the tests that run a workflow use this

    with log.open("w") as out, log.open("rb") as reader:
        # its own process group: the SLURM plugin can hang and ignore SIGTERM, so it is killed
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, env=env)  # fmt: skip
        done, progress, partial = 0, time.monotonic(), b""
        while proc.poll() is None:
            # only what was written since the last look; a line still being written waits
            *lines, partial = (partial + reader.read()).split(b"\n")
            if (now_done := len(DONE.findall(b"\n".join(lines)))) > 0:
                done, progress = done + now_done, time.monotonic()
            elif time.monotonic() - progress > STALL_S:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                pytest.fail(f"{' '.join(cmd)}: no job finished in {STALL_S} s, after {done}:\n"
                            f"{log.read_text()[-6000:]}")  # fmt: skip
            if poll:
                poll()
            time.sleep(0.5)
    return proc.returncode


def planned_jobs(dry_run_output: str) -> list[tuple[str, dict[str, str]]]:
    """(rule, wildcards) of every job listed by ``snakemake -n``."""
    jobs: list[tuple[str, dict[str, str]]] = []
    for line in dry_run_output.splitlines():
        rule = re.match(r"^(?:local)?rule (\w+):$", line)
        if rule:
            jobs.append((rule.group(1), {}))
        wildcards = re.match(r"^\s+wildcards: (.*)$", line)
        if wildcards and jobs:
            jobs[-1][1].update(kv.split("=", 1) for kv in wildcards.group(1).split(", "))
    return jobs


def declared_memory(dry_run_output: str) -> dict[str, int]:
    """benchmark file -> the job's declared mem_mb, for every job listed by ``snakemake -n``."""
    declared: dict[str, int] = {}
    benchmark = None
    for line in dry_run_output.splitlines():
        if re.match(r"^(?:local)?rule \w+:$", line):
            benchmark = None
        found = re.match(r"^\s+benchmark: (\S+)$", line)
        if found:
            benchmark = found.group(1)
        mem = re.search(r"^\s+resources: .*\bmem_mb=(\d+)", line)
        if mem and benchmark:
            declared[benchmark] = int(mem.group(1))
    return declared


def memory_overruns(
    workdir: Path,
    *targets: str,
    configs: tuple[str, ...] = ("tiny.yaml",),
    args: tuple[str, ...] = (),
) -> list[tuple[str, float, int]]:
    """(benchmark, peak RSS, declared mem_mb) of every job of ``targets`` whose measured peak
    exceeds what it declares (what --resources mem_mb=... and SLURM rely on); fails when a job
    declares no mem_mb or left no benchmark."""
    plan = snakemake(workdir, *args, "-n", "--forceall", *targets, configs=configs)
    declared = declared_memory(plan.stdout)
    jobs = planned_jobs(plan.stdout)
    assert jobs, f"no jobs planned for {targets}"
    assert len(declared) == len(jobs), f"{len(declared)} of {len(jobs)} jobs declare mem_mb"
    peaks = {b: pd.read_csv(workdir / b, sep="\t")["max_rss"].iloc[0] for b in declared}
    return [(b, peaks[b], mem) for b, mem in declared.items() if not peaks[b] <= mem]


def device_rules() -> set[str]:
    """The rules whose jobs read config ``device`` (they train or predict)."""
    found = set()
    for path in (REPO / "workflow" / "rules").glob("*.smk"):
        for rule, body in re.findall(
            r"^rule (\w+):\n(.*?)(?=^\S|\Z)", path.read_text(), re.M | re.S
        ):
            if 'config["device"]' in body:
                found.add(rule)
    return found

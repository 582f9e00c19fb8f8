"""The slurm profile on a real one-node SLURM cluster (tests/cluster/slurm.sh).

The tiny workflow runs to the end through sbatch, with two of the user's own teams (a model file
in the working directory, a package installed with pip) imported inside every job of theirs, and a
training job cancelled after its first checkpoint is resubmitted by the profile's ``retries`` and
resumes from that checkpoint.
Needs root and apt-get (or SLURM already installed); skipped otherwise, unless
PROMOTERBENCH_REQUIRE_SLURM=1 (as ``make test-slurm`` sets), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pandas as pd
import pytest
import yaml

from plugin_helpers import FILE_TEAM, PACKAGE_TEAM, TINY_OVERRIDES, model_file, package
from plugin_helpers import pip_install
from workflow_helpers import REPO, TINY, copy_workflow, device_rules, planned_jobs, run_watched

pytestmark = [pytest.mark.slurm, pytest.mark.workflow]

SCRIPT = Path(__file__).with_name("slurm.sh")
CANNOT_RUN_HERE = 3  # slurm.sh's exit status when this machine cannot host the cluster
# The team whose training is cancelled: more reads and epochs than in tiny.yaml, so that there is
# time (two epochs, >= 7 s) to cancel it between its first checkpoint and its end.
RETRY_TEAM = "camformers"
RETRY_CONFIG = {"teams": {RETRY_TEAM: {"recipe": {"max_reads": 4000}, "train": {"max_epochs": 3}}}}
# The user's teams: a file the config names relative to the working directory (the jobs' too), and
# an installed package's entry point (its folder on the PYTHONPATH the jobs inherit)
USER_CONFIG = {"teams": {FILE_TEAM: {"class": f"models/{FILE_TEAM}.py:MyCnn", **TINY_OVERRIDES},
                         PACKAGE_TEAM: TINY_OVERRIDES}}  # fmt: skip
# What this cluster needs in the shipped profile: its partitions, any account (not checked
# without accounting), and squeue as the status command (no slurmdbd; MinJobAge is 300 s).
PROFILE_VALUES = {
    "CHANGE_ME_cpu_partition": "cpu",
    "CHANGE_ME_gpu_partition": "gpu",
    "CHANGE_ME_account": "promoterbench",
    "slurm-status-command: sacct": "slurm-status-command: squeue",
}


def cannot_run(reason: str) -> NoReturn:
    if os.environ.get("PROMOTERBENCH_REQUIRE_SLURM") == "1":
        pytest.fail(f"{reason} (and PROMOTERBENCH_REQUIRE_SLURM=1)")
    pytest.skip(reason)


def slurm_sh(action: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), action], capture_output=True, text=True)


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    """A one-node SLURM for this module; taken down afterwards, whatever happened."""
    if os.geteuid() != 0:
        cannot_run(
            "a real SLURM cluster needs root (slurm.sh installs packages, writes /etc/slurm)"
        )
    if not shutil.which("apt-get") and not shutil.which("slurmctld"):
        cannot_run(
            "a real SLURM cluster needs apt-get (Debian's slurm-wlm, munge) or SLURM installed"
        )
    up = slurm_sh("up")
    if up.returncode != 0:
        slurm_sh("down")
        if up.returncode == CANNOT_RUN_HERE:
            cannot_run(up.stderr.strip())
        pytest.fail(f"slurm.sh up failed:\n{up.stdout}{up.stderr}")
    try:
        yield
    finally:
        down = slurm_sh("down")
        assert down.returncode == 0, down.stderr


def filled_profile(dest: Path) -> Path:
    """A copy of profiles/slurm with this cluster's values in place of the CHANGE_ME ones."""
    text = (REPO / "profiles" / "slurm" / "config.yaml").read_text()
    for old, new in PROFILE_VALUES.items():
        assert old in text, f"profiles/slurm/config.yaml no longer has {old!r}"
        text = text.replace(old, new)
    dest.mkdir()
    (dest / "config.yaml").write_text(text)
    return dest


def squeue_jobs() -> list[tuple[str, str, str]]:
    """(job id, comment, state) of every job SLURM still lists, finished ones included."""
    out = subprocess.run(["squeue", "--noheader", "--states=all", "--format=%i|%k|%T"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    return [tuple(line.split("|", 2)) for line in out.splitlines() if line]  # type: ignore[misc]


def cancel_running(comment: str) -> str | None:
    """scancel the running job with this comment (the plugin's rule_<rule>_wildcards_<values>)."""
    for job_id, job_comment, state in squeue_jobs():
        if job_comment == comment and state == "RUNNING":
            subprocess.run(["scancel", job_id], check=True)
            return job_id
    return None


@dataclass
class Run:
    workdir: Path
    plan: str  # the dry run's output
    returncode: int
    output: str
    cancelled: str | None  # the SLURM job id of the cancelled training (None: it ended first)


@pytest.fixture(scope="module")
def slurm_run(cluster: None, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The tiny workflow through the slurm profile; RETRY_TEAM's training cancelled once."""
    workdir = copy_workflow(tmp_path_factory.mktemp("slurm"))
    profile = filled_profile(workdir / "profile-here")
    (workdir / "retry.yaml").write_text(yaml.safe_dump(RETRY_CONFIG))
    (workdir / "user.yaml").write_text(yaml.safe_dump(USER_CONFIG))
    model_file(workdir / "models")
    env = pip_install(package(tmp_path_factory.mktemp("lab")), tmp_path_factory.mktemp("site"))
    checkpoint = workdir / "results" / "synthetic" / "checkpoints" / RETRY_TEAM / "rep1" / "last.pt"
    # short status polling: the plugin's defaults (40 s, growing) would double the run time
    snakemake = [sys.executable, "-m", "snakemake", "--profile", str(profile),
                 "--config", "device=cpu",
                 "--slurm-init-seconds-before-status-checks", "5",
                 "--seconds-between-status-checks", "5"]  # fmt: skip
    configs = ["--configfile", TINY.name, "retry.yaml", "user.yaml"]
    configs += ["--", "results/leaderboard.tsv"]  # the end of the config files
    # the plan: every job the run must have (a dry run lists local rules as `rule`, too)
    plan = subprocess.run([*snakemake, "-n", *configs], cwd=workdir, capture_output=True, text=True,
                          env=env)  # fmt: skip
    assert plan.returncode == 0, plan.stdout[-3000:] + plan.stderr[-3000:]
    cmd = [*snakemake, "--verbose", *configs]  # --verbose logs every sbatch call
    log = workdir / "snakemake.out"
    tried: list[str | None] = []  # once: the cancelled job's id (None: it had ended)

    def cancel_after_first_epoch() -> None:
        if not tried and checkpoint.exists():  # its first epoch is done: cancel it
            tried.append(cancel_running(f"rule_train_wildcards_synthetic_{RETRY_TEAM}_1"))

    returncode = run_watched(cmd, workdir, log, env, poll=cancel_after_first_epoch)
    run = Run(workdir, plan.stdout, returncode, log.read_text(), tried[0] if tried else None)
    assert run.returncode == 0, f"snakemake failed ({run.returncode}):\n{run.output[-8000:]}"
    return run


def sbatch_calls(output: str) -> dict[str, list[str]]:
    """The plugin's sbatch calls (logged with --verbose), by their --comment."""
    calls: dict[str, list[str]] = {}
    for call in re.findall(r"sbatch call: (sbatch .*)", output):
        calls.setdefault(re.search(r"--comment (\S+)", call).group(1), []).append(call)
    return calls


def own_output(output: str) -> str:
    """Snakemake's output without the logs of failed jobs it prints (they list jobs of their own)."""
    return re.sub(r"^Logfile .*:\n={80}\n.*?^={80}$", "", output, flags=re.M | re.S)


def test_every_job_but_local_rules_is_an_sbatch_job_and_gpu_jobs_get_a_gpu(slurm_run: Run):
    calls = sbatch_calls(slurm_run.output)
    jobs = {(rule, tuple(wc.values())) for rule, wc in planned_jobs(slurm_run.plan)}
    local = set(re.findall(r"^localrule (\w+):$", own_output(slurm_run.output), re.M))
    assert local == {"publish_leaderboard"}
    remote = {(rule, wc) for rule, wc in jobs if rule not in local}
    comments = {f"rule_{r}" + (f"_wildcards_{'_'.join(wc)}" if wc else "") for r, wc in remote}
    assert comments == set(calls)  # each job submitted, nothing else
    assert {rule for rule, _ in remote} >= {"simulate", "ingest", "train", "predict", "bootstrap"}
    for comment, submissions in calls.items():
        gpu_job = comment.removeprefix("rule_").split("_wildcards_")[0] in device_rules()
        for call in submissions:
            assert (" --gpus=1" in call) == gpu_job, call
            assert (" -p gpu " if gpu_job else " -p cpu ") in call, call
            assert " -A promoterbench " in call, call
    trains = [c for comment, cs in calls.items() if comment.startswith("rule_train_") for c in cs]
    assert trains and all(" --cpus-per-task=8 " in c for c in trains)  # the profile's set-threads


def test_the_leaderboard_lists_every_entry(slurm_run: Run):
    board = pd.read_csv(slurm_run.workdir / "results" / "leaderboard.tsv", sep="\t")
    teams = set(yaml.safe_load(TINY.read_text())["teams"]) | set(USER_CONFIG["teams"])
    assert set(board["team"]) == teams | {"oracle", "ensemble"}
    assert list(board["rank"]) == list(range(1, len(teams) + 3))


def test_the_users_teams_ran_in_sbatch_jobs_that_imported_them(slurm_run: Run):
    calls = sbatch_calls(slurm_run.output)
    for team in USER_CONFIG["teams"]:
        for rule in ("split", "train", "predict", "evaluate"):
            job = f"rule_{rule}_wildcards_synthetic_{team}"
            assert any(comment.startswith(job) for comment in calls), job
    board = pd.read_csv(slurm_run.workdir / "results" / "leaderboard.tsv", sep="\t")
    users = board.set_index("team").loc[sorted(USER_CONFIG["teams"])]
    assert (users["kind"] == "user").all() and users["rank"].notna().all()


def test_a_cancelled_training_is_resubmitted_and_resumes_from_its_checkpoint(slurm_run: Run):
    assert slurm_run.cancelled, "the training ended before it was cancelled"
    comment = f"rule_train_wildcards_synthetic_{RETRY_TEAM}_1"
    assert len(sbatch_calls(slurm_run.output)[comment]) == 2  # the cancelled job, then its retry
    assert re.search(rf"SLURM-job '{slurm_run.cancelled}' failed, SLURM status is: 'CANCELLED'",
                     slurm_run.output)  # fmt: skip
    train_log = (
        slurm_run.workdir / "results" / "synthetic" / "logs" / "train" / RETRY_TEAM / "rep1.log"
    )
    assert re.search(
        r"resuming from checkpoint \S+last\.pt after epoch [12]\b", train_log.read_text()
    )
    history = pd.read_csv(slurm_run.workdir / "results" / "synthetic" / "models" / RETRY_TEAM / "rep1" /
                          "history.tsv", sep="\t")  # fmt: skip
    assert list(history["epoch"]) == [1, 2, 3]  # the epochs before the cancel are kept

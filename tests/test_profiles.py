"""The slurm and tpu profiles dry-run as typed and put the resources where they belong."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
import yaml

from workflow_helpers import REPO, copy_workflow, device_rules, planned_jobs, snakemake

pytestmark = pytest.mark.workflow


def dry_run(workdir, *args, env=None):
    cmd = [sys.executable, "-m", "snakemake", "-n", "results/leaderboard.tsv", *args]
    return subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, env=env)


def job_resources(output: str) -> dict[str, set[str]]:
    """rule -> the distinct 'resources:' lines of its jobs in a dry run."""
    out: dict[str, set[str]] = {}
    rule = None
    for line in output.splitlines():
        if line.startswith(("rule ", "localrule ")):
            rule = line.split()[1].rstrip(":")
        elif line.strip().startswith("resources:") and rule:
            out.setdefault(rule, set()).add(line.strip())
    return out


def device_job_resources(workdir, config: tuple[str, ...] = (), profile: str | None = None):
    """job_resources of the yeast leaderboard with the learning-rate tuning, and of an other data
    set's leaderboard (data deepstarr): together they run every rule that reads config device."""
    res: dict[str, set[str]] = {}
    for target, data in ((("tune",), ()), ((), ("data=deepstarr",))):
        values = (*config, *data)
        args = (*target, *(("--config", *values) if values else ()))
        out = dry_run(workdir, *args, *(("--profile", f"profiles/{profile}") if profile else ()))
        assert out.returncode == 0, out.stderr[-3000:]
        for rule, lines in job_resources(out.stdout).items():
            res.setdefault(rule, set()).update(lines)
    return res


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return copy_workflow(tmp_path_factory.mktemp("profiles"))


def test_slurm_profile_puts_gpus_on_training_and_prediction(workdir):
    out = dry_run(workdir, "--profile", "profiles/slurm")
    assert out.returncode == 0, out.stderr[-3000:]
    res = job_resources(out.stdout)
    for rule in ("train", "predict"):
        assert res[rule] and all(
            "gpu=1" in r and "CHANGE_ME_gpu_partition" in r for r in res[rule]
        ), rule
    profile = yaml.safe_load((REPO / "profiles/slurm/config.yaml").read_text())
    # memory is for the rules to declare (they know their inputs), not fixed by the profile
    assert "mem_mb" not in profile["default-resources"]
    assert not any("mem_mb" in r for r in profile["set-resources"].values())
    # sacct where slurmdbd exists; tests/cluster/test_slurm.py runs the squeue alternative
    assert profile["slurm-status-command"] == "sacct"
    for rule in ("simulate", "ingest", "evaluate"):
        assert all("gpu=" not in r and "CHANGE_ME_cpu_partition" in r for r in res[rule]), rule


def test_tpu_profile_caps_the_tpu_and_trains_on_xla(workdir):
    out = dry_run(workdir, "--profile", "profiles/tpu")
    assert out.returncode == 0, out.stderr[-3000:]
    res = job_resources(out.stdout)
    assert all("tpu=1" in r for r in res["train"] | res["predict"])
    assert all("tpu=" not in r for r in res["ingest"] | res["evaluate"])
    profile = (REPO / "profiles/tpu/config.yaml").read_text()
    assert "  - tpu=1" in profile and "  - device=xla" in profile  # global cap and device


def test_profiles_work_as_typed_after_installing_them(workdir, tmp_path):
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "xdg"))
    before = dry_run(workdir, "--profile", "tpu", env=env)
    assert before.returncode != 0 and "profile" in (before.stdout + before.stderr).lower()
    install = subprocess.run([sys.executable, "-m", "promoterbench", "install-profiles"], env=env,
                             capture_output=True, text=True, check=True)  # fmt: skip
    assert (tmp_path / "xdg" / "snakemake" / "tpu").is_symlink(), install.stdout
    for name, marker in (("tpu", "tpu=1"), ("slurm", "gpu=1")):
        out = dry_run(workdir, "--profile", name, env=env)
        assert out.returncode == 0, out.stderr[-3000:]
        trains = [w for rule, w in planned_jobs(out.stdout) if rule == "train"]
        assert len(trains) == 6 and all(marker in r for r in job_resources(out.stdout)["train"])


ACCELERATOR = {"slurm": ("gpu=1", "CHANGE_ME_gpu_partition"), "tpu": ("tpu=1",)}


@pytest.mark.parametrize("profile", sorted(ACCELERATOR))
def test_every_rule_that_reads_the_device_holds_the_accelerator(workdir, profile):
    """The shipped profiles, unmodified, on the leaderboard and the learning-rate tuning: a GPU
    on a GPU partition (slurm), the TPU (tpu)."""
    rules = device_rules()
    assert {"train", "predict", "tune_trial", "train_model", "predict_model"} <= rules
    res = device_job_resources(workdir, profile=profile)
    for rule in sorted(rules):
        held = res.get(rule) and all(m in r for r in res[rule] for m in ACCELERATOR[profile])
        assert held, (profile, rule, res.get(rule))


def test_a_local_run_declares_the_gpu_of_a_cuda_job_and_none_on_the_cpu(workdir):
    for device, gpus in (("cuda", "gpu=1"), ("cpu", "gpu=0")):
        res = device_job_resources(workdir, config=(f"device={device}",))
        for rule in sorted(device_rules()):
            assert res.get(rule) and all(gpus in r for r in res[rule]), (
                device,
                rule,
                res.get(rule),
            )


def test_the_slurm_profile_does_not_cap_gpu_jobs_at_one():
    """Snakemake picks its executor after parsing the workflow, so the workflow's cap of one GPU job
    (a local run shares one GPU) also applied to SLURM runs, where each job has a GPU of its own:
    the real cluster test ran its GPU jobs one at a time and timed out. The profile lifts it."""
    profile = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    resources = dict(item.split("=") for item in profile["resources"])
    assert int(resources["gpu"]) >= profile["jobs"]


# Three jobs holding the GPU resource of the workflow's rules (common.smk's gpus), each writing
# when it started and ended: the workflow's own resource and cap, without a GPU.
GPU_JOBS = """
configfile: "config.yaml"


include: "workflow/rules/common.smk"


rule hold_all:
    input:
        expand("held/{n}.txt", n=range(3)),


rule hold:
    output:
        "held/{n}.txt",
    resources:
        gpu=gpus,
    shell:
        "date +%s.%N > {output}; sleep 3; date +%s.%N >> {output}"
"""


def held(workdir, *args: str) -> list[tuple[float, float]]:
    """(start, end) of the three GPU jobs of a local run with ``args``, by start."""
    shutil.rmtree(workdir / "held", ignore_errors=True)
    snakemake(workdir, "-s", "gpu_jobs.smk", "--cores", "3", *args, configs=("config.yaml",))
    spans = [tuple(map(float, p.read_text().split())) for p in (workdir / "held").glob("*.txt")]
    assert len(spans) == 3
    return sorted(spans)


def overlap(spans: list[tuple[float, float]]) -> bool:
    return any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:]))


def test_a_local_run_starts_one_gpu_job_at_a_time_unless_given_more(workdir):
    """Snakemake assigns no device ids, so two CUDA jobs would share cuda:0: the workflow caps
    the gpu resource at 1 (common.smk); --resources gpu=N lifts the cap; CPU jobs hold no GPU."""
    (workdir / "gpu_jobs.smk").write_text(GPU_JOBS)
    assert not overlap(held(workdir, "--config", "device=cuda"))
    assert overlap(held(workdir, "--resources", "gpu=3", "--config", "device=cuda"))
    assert overlap(held(workdir, "--config", "device=cpu"))

"""A training job killed mid-run resumes from its checkpoint and ends bit-identical."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import torch

from promoterbench import training
from workflow_helpers import copy_workflow, snakemake

pytestmark = pytest.mark.workflow
MODEL = "results/synthetic/models/camformers/rep1/model.pt"
CHECKPOINT = "results/synthetic/checkpoints/camformers/rep1/last.pt"
CONFIGS = ("tiny.yaml", "resume.yaml")


def workdir(path):
    path.mkdir()
    copy_workflow(path)
    # monitor none: the final weights are the last epoch's, so every resumed step counts
    train = "{max_epochs: 4, monitor: none}"
    (path / "resume.yaml").write_text(
        f"teams: {{camformers: {{recipe: {{max_reads: 4000}}, train: {train}}}}}\n"
    )
    snakemake(path, "results/synthetic/teams/camformers/split.parquet", configs=CONFIGS)
    return path


def test_killed_training_resumes_and_matches_an_uninterrupted_run(tmp_path):
    whole = workdir(tmp_path / "whole")
    snakemake(whole, MODEL, configs=CONFIGS)

    killed = workdir(tmp_path / "killed")
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", MODEL, "--configfile", *CONFIGS]
    run = subprocess.Popen(
        cmd,
        cwd=killed,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while not (killed / CHECKPOINT).exists():
        assert run.poll() is None, "training finished before its first checkpoint could be seen"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)  # the job and Snakemake, as a preempted node would
    run.wait()
    saved = training.load(killed / CHECKPOINT)
    assert 1 <= saved["epoch"] < 4 and not (killed / MODEL).exists()

    snakemake(killed, "--unlock", configs=CONFIGS)
    snakemake(killed, MODEL, configs=CONFIGS)
    log = (killed / "results/synthetic/logs/train/camformers/rep1.log").read_text()
    assert f"resuming from checkpoint {CHECKPOINT} after epoch {saved['epoch']}" in log

    a = training.load(whole / MODEL)
    b = training.load(killed / MODEL)
    assert a["state"]["best_epoch"] == b["state"]["best_epoch"] == 4
    history = [
        pd.read_csv(d / "results/synthetic/models/camformers/rep1/history.tsv", sep="\t")
        for d in (whole, killed)
    ]
    assert history[0]["train_loss"].tolist() == history[1]["train_loss"].tolist()
    probe = [  # the curve measured before the kill comes back from the checkpoint
        pd.read_csv(d / "results/synthetic/models/camformers/rep1/probe.tsv", sep="\t")
        for d in (whole, killed)
    ]
    assert len(probe[0]) >= 10 and probe[0].equals(probe[1])
    for name, tensor in a["state"]["model"].items():
        assert torch.equal(tensor, b["state"]["model"][name]), name
    assert not (killed / CHECKPOINT).exists()  # removed once the model is saved

"""The benchmark scripts run and report what they promise (figures are measured, not asserted)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd

from conftest import REPO


def test_ingest_benchmark_reports_every_step(tmp_path):
    out = tmp_path / "ingest.tsv"
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "ingest.py"), "--reads", "3000", "--out", str(out)],
                   check=True, capture_output=True)  # fmt: skip
    table = pd.read_csv(out, sep="\t")
    assert list(table["step"]) == ["ingest", "bin", "ingest+bin", "ingest_gzip"]
    assert (
        (table["reads"] == 3000).all()
        and (table["wall_s"] > 0).all()
        and (table["peak_rss_mb"] > 0).all()
    )


def test_simulate_benchmark_reports_the_reads(tmp_path):
    out = tmp_path / "simulate.tsv"
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "simulate.py"), "--reads", "2000", "--out", str(out)],
                   check=True, capture_output=True)  # fmt: skip
    table = pd.read_csv(out, sep="\t")
    assert list(table["step"]) == ["test_set", "train_reads"]
    assert table.set_index("step").loc["train_reads", "sequences"] == 2000


def test_train_throughput_benchmark_runs_a_team_step(tmp_path):
    out = tmp_path / "throughput.tsv"
    cmd = [sys.executable, str(REPO / "benchmarks" / "train_throughput.py"), "--team", "camformers",
           "--scale", "cpu", "--device", "cpu", "--steps", "2", "--warmup", "1", "--batch-size", "16", "--out", str(out)]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True)
    row = pd.read_csv(out, sep="\t").iloc[0]
    assert row["team"] == "camformers" and row["device"] == "cpu" and row["batch"] == 16
    assert row["samples_per_s"] > 0 and row["n_params"] == 110_593


def test_predict_throughput_benchmark_reports_each_batch_size(tmp_path):
    out = tmp_path / "predict.tsv"
    cmd = [sys.executable, str(REPO / "benchmarks" / "predict_throughput.py"), "--team", "autosome",
           "--scale", "cpu", "--device", "cpu", "--batch-sizes", "16", "32", "--sequences", "40",
           "--repeats", "1", "--out", str(out)]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True)
    table = pd.read_csv(out, sep="\t")
    assert list(table["batch"]) == [16, 32] and (table["team"] == "autosome").all()
    assert (table["sequences"] == 40).all() and (table["sequences_per_s"] > 0).all()
    ratio = table["sequences_per_s"] / table["forward_sequences_per_s"]
    np.testing.assert_allclose(table["predict_over_forward"], ratio, rtol=0.01)


def test_bootstrap_cost_benchmark_reports_each_replicate_count(tmp_path, small_world):
    out = tmp_path / "bootstrap.tsv"
    cmd = [sys.executable, str(REPO / "benchmarks" / "bootstrap_cost.py"), "--truth-dir",
           str(small_world), "--entries", "3", "--replicates", "1", "2", "--resamples", "20",
           "--out", str(out)]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True)
    table = pd.read_csv(out, sep="\t")
    assert table["replicates"].tolist() == [1, 2] and (table["entries"] == 3).all()
    assert (table["wall_s"] >= 0).all() and (table["peak_rss_mb"] > 0).all()


def test_benchmarks_set_the_workflows_numerics_on_their_device(monkeypatch):
    """On CUDA, torch's defaults (TF32 convolutions) would time other arithmetic than the
    workflow's: the benchmarks configure the device as train.py does."""
    import argparse

    import torch

    from promoterbench import runtime

    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))
    from _common import model_device

    configured = []
    monkeypatch.setattr(runtime, "configure", configured.append)
    monkeypatch.setattr(runtime, "set_threads", lambda *args, **kwargs: None)
    device = model_device(argparse.Namespace(threads=1, device="cpu"))
    assert configured == [device] == [torch.device("cpu")]

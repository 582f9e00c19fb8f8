"""The tpu profile end to end on an XLA device: torch_xla's CPU backend (PJRT_DEVICE=CPU).

Three runs of the tiny config (plus tests/data/xla.yaml: no dropout, so the devices draw no random
masks) in the torch 2.9 + torch_xla 2.9 environment that ``make install-tpu`` builds: on the CPU
device (fp32, the reference), on XLA in fp32, and with ``--profile tpu`` as shipped (XLA, bf16,
to the leaderboard). Every team must train and predict on the XLA device with few graph
compilations, and its predictions must agree with the CPU run's.

Needs that environment (``make install-tpu VENV=.venv-xla``, or PROMOTERBENCH_XLA_VENV); skipped
without it, unless PROMOTERBENCH_REQUIRE_XLA=1 (as ``make test-xla`` sets).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from workflow_helpers import REPO, copy_workflow, run_watched

pytestmark = [pytest.mark.xla, pytest.mark.workflow]

VENV = Path(os.environ.get("PROMOTERBENCH_XLA_VENV", REPO / ".venv-xla")).resolve()
XLA_CONFIG = REPO / "tests" / "data" / "xla.yaml"
TEAMS = sorted(yaml.safe_load(XLA_CONFIG.read_text())["teams"])
TORCH_TEAMS = [t for t in TEAMS if t != "kmer_ridge"]
# A graph per shape: the first and the later training steps (the optimiser's state appears at the
# first), a short last training batch, validation and the loss readout. Wan&Barton's reads keep
# their length, padded on XLA to the next multiple of 8 nt: one such set per width.
MAX_COMPILATIONS = 6
# fp32 on XLA computes what the CPU computes, in another order: the predictions must agree.
FP32_MIN_R = 0.999
# bf16 rounds every activation: the predictions must rank alike, or, where a barely trained model
# predicts nearly the same value for every sequence (so r measures rounding), lie within 5 % of
# the training labels' SD of the CPU's.
BF16_MIN_R, BF16_MAX_DIFF_SD = 0.95, 0.05


def xla_python() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        reason = f"no torch_xla environment at {VENV} (make install-tpu VENV=.venv-xla)"
        if os.environ.get("PROMOTERBENCH_REQUIRE_XLA") == "1":
            pytest.fail(f"{reason}, and PROMOTERBENCH_REQUIRE_XLA=1")
        pytest.skip(reason)
    return python


@dataclass
class Run:
    workdir: Path
    results: Path

    def summary(self, team: str) -> dict:
        return json.loads(
            (self.results / "models" / team / "rep1" / "train_summary.json").read_text()
        )

    def predictions(self, team: str) -> np.ndarray:
        path = self.results / "predictions" / team / "rep1.tsv"
        return pd.read_csv(path, sep="\t")["prediction"].to_numpy()

    def log(self, kind: str, team: str) -> str:
        """The log of the team's replicate-1 job of rule ``kind`` (train, predict)."""
        return (self.results / "logs" / kind / team / "rep1.log").read_text()


def run(tmp: Path, name: str, *args: str, targets: list[str]) -> Run:
    """The tiny + xla config through snakemake in the torch_xla environment."""
    (tmp / name).mkdir()
    workdir = copy_workflow(tmp / name)
    (workdir / XLA_CONFIG.name).write_text(XLA_CONFIG.read_text())
    cmd = [str(xla_python()), "-m", "snakemake", *args, "--configfile", "tiny.yaml",
           XLA_CONFIG.name, "--", *targets]  # fmt: skip
    log = workdir / "snakemake.out"
    returncode = run_watched(cmd, workdir, log, dict(os.environ, PJRT_DEVICE="CPU"))
    assert returncode == 0, f"{' '.join(cmd)}:\n{log.read_text()[-8000:]}"
    return Run(workdir, workdir / "results" / "synthetic")


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Run]:
    tmp = tmp_path_factory.mktemp("xla")
    submissions = [f"results/synthetic/submissions/{team}/rep1.json" for team in TEAMS]
    tpu = ("--profile", "profiles/tpu")
    return {
        "cpu": run(tmp, "cpu", "--cores", "2", "--config", "device=cpu", targets=submissions),
        "fp32": run(
            tmp, "fp32", *tpu, "--config", "device=xla", "precision=fp32", targets=submissions
        ),
        "bf16": run(tmp, "bf16", *tpu, targets=["results/leaderboard.tsv"]),  # as shipped
    }


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_every_team_trains_and_predicts_on_the_xla_device(runs, precision):
    rows = []
    for team in TORCH_TEAMS:
        summary = runs[precision].summary(team)
        assert summary["device"] == "xla (CPU)" and summary["precision"] == precision, team
        history = pd.read_csv(
            runs[precision].results / "models" / team / "rep1" / "history.tsv", sep="\t"
        )
        assert np.isfinite(history["train_loss"]).all(), team
        assert "on xla:0" in runs[precision].log("predict", team), team
        widths = 3 if team == "wan_barton" else 1  # 89-111 nt on XLA: 96, 104 and 112
        compiled = summary["xla"]["compilations"]
        assert 1 <= compiled <= MAX_COMPILATIONS * widths, (team, summary["xla"])
        rows.append(f"{team}\t{precision}\t{compiled}\t{summary['xla']['compile_seconds']}"
                    f"\t{summary['train_seconds']}")  # fmt: skip
    print("\nteam\tprecision\tcompilations\tcompile_s\ttrain_s", *rows, sep="\n")


def test_fp32_predictions_match_the_cpu(runs):
    for team in TEAMS:
        cpu, xla = runs["cpu"].predictions(team), runs["fp32"].predictions(team)
        assert np.corrcoef(cpu, xla)[0, 1] >= FP32_MIN_R, team


def test_bf16_predictions_agree_with_fp32_on_the_cpu(runs):
    labels = pd.read_csv(runs["cpu"].workdir / "resources" / "synthetic" / "train_sequences.txt",
                         sep="\t", header=None)[1].std()  # fmt: skip
    for team in TEAMS:
        cpu, bf16 = runs["cpu"].predictions(team), runs["bf16"].predictions(team)
        r = np.corrcoef(cpu, bf16)[0, 1]
        assert r >= BF16_MIN_R or np.abs(cpu - bf16).max() <= BF16_MAX_DIFF_SD * labels, (team, r)


def test_the_tpu_profile_run_reaches_the_leaderboard(runs):
    board = pd.read_csv(runs["bf16"].workdir / "results" / "leaderboard.tsv", sep="\t")
    assert set(board["team"]) == set(TEAMS) | {"oracle", "ensemble"}
    assert np.isfinite(board["score_pearson_r2"]).all()

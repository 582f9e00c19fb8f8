"""CUDA behaviour, where a GPU is visible (skipped elsewhere; benchmarks/gpu_check.sh runs it):
one team per block type (BiLSTM, swish loop, attention) trains with finite losses, and training,
prediction and a killed-and-resumed run give the same numbers bit for bit; the set-up memory
check reads the GPU's free memory; and the workflow itself trains and predicts on the GPU."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F
import yaml

from promoterbench import memory, runtime
from promoterbench.recurrent import BiLSTM, lstm_recurrence
from promoterbench.teams import get_team
from promoterbench.teams.base import FitContext
from test_recipe_gaps import killed_after_epoch
from test_teams import random_reads
from workflow_helpers import TINY, copy_workflow, memory_overruns, snakemake

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

TEAMS = ["noisy_chardonnay", "madlab", "unlock_dna"]  # BiLSTM, swish loop, attention
TRAIN, VAL, TEST = random_reads(600, 1), random_reads(100, 2), random_reads(200, 3)
TIMES = ["seconds", "samples_per_s"]


def fit(name, precision, checkpoints=None):
    team = get_team(name)
    settings = team.settings("cpu", {"train": {"max_epochs": 2, "patience": None}})
    device = runtime.resolve_device("cuda")
    runtime.configure(device, deterministic=True)
    context = FitContext(device, precision, checkpoint_dir=checkpoints)
    fitted = team.fit(TRAIN, VAL, settings, context)
    return fitted, team.predict(fitted.state, TEST.sequence, settings, context)


def same(a, b):
    (fa, pa), (fb, pb) = a, b
    assert fa.history.drop(columns=TIMES).equals(fb.history.drop(columns=TIMES))
    for key, value in fa.state["model"].items():
        assert torch.equal(value, fb.state["model"][key]), key
    assert (pa == pb).all()


@pytest.mark.parametrize("precision", ["fp32", "bf16", "fp16"])
@pytest.mark.parametrize("name", TEAMS)
def test_training_and_prediction_repeat_bit_for_bit_with_finite_losses(name, precision):
    first = fit(name, precision)
    history = first[0].history
    assert torch.isfinite(torch.tensor(history[["train_loss", "val_loss"]].to_numpy())).all()
    same(first, fit(name, precision))


@pytest.mark.parametrize("name", TEAMS)
def test_a_killed_run_resumes_to_the_same_numbers(name, tmp_path, monkeypatch):
    whole = fit(name, "fp32")
    with killed_after_epoch(monkeypatch, 1):
        fit(name, "fp32", tmp_path)
    assert runtime.rng_state(torch.device("cuda")) is not None
    same(whole, fit(name, "fp32", tmp_path))


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_recurrences_run_in_float32_under_cuda_autocast(dtype):
    torch.manual_seed(0)
    lstm = BiLSTM(6, 4).cuda()
    x, gates = torch.randn(3, 20, 6, device="cuda"), torch.randn(3, 20, 16, device="cuda")
    recurrent = torch.randn(4, 16, device="cuda")
    with torch.autocast("cuda", dtype=dtype):
        outs = (lstm(x), lstm_recurrence(gates, recurrent, F.silu, sequences=True))
    assert all(out.dtype == torch.float32 for out in outs)


def test_the_set_up_memory_check_reads_the_gpus_own_free_memory():
    """memory.check_device_memory with torch's real free memory (the CPU tests replace it): a
    batch of half the free memory's worth of 1 MB reads passes, one of all of it is refused."""
    device = runtime.resolve_device("cuda")
    free = torch.cuda.mem_get_info(device)[0] / memory.MB
    needs = {"model_mb": 0.0, "activations_per_read_mb": 1.0}
    half = int(free // 2)
    need = memory.check_device_memory(needs, {"train": {"batch_size": half}}, device)
    assert need == pytest.approx(memory.BACKWARD * half)
    with pytest.raises(MemoryError, match="MB are free there: set a smaller train.batch_size"):
        memory.check_device_memory(needs, {"train": {"batch_size": int(free)}}, device)


GPU_TEAMS = ("camformers", "noisy_chardonnay")  # a CNN, a BiLSTM


@pytest.mark.workflow
def test_the_workflow_trains_and_predicts_on_the_gpu(tmp_path):
    """train.py and predict.py as a user runs them with device: cuda (the CPU tests pin the
    CPU): the set-up memory check, the reads staged on the GPU, CUDA's numerics recorded in
    train_summary.json, scores, and every job within the mem_mb it declares (the CUDA-context
    term of promoterbench.memory)."""
    workdir = copy_workflow(tmp_path)
    teams = yaml.safe_load(TINY.read_text())["teams"]
    config = yaml.safe_load(TINY.read_text()) | {
        "device": "cuda",
        "teams": {team: teams[team] for team in GPU_TEAMS},
    }
    (workdir / "gpu.yaml").write_text(yaml.safe_dump(config))
    targets = [f"results/synthetic/evaluation/{team}/rep1.tsv" for team in GPU_TEAMS]
    args, configs = ("--replace-workflow-config",), ("gpu.yaml",)
    snakemake(workdir, *args, *targets, configs=configs)
    results = workdir / "results" / "synthetic"
    for team in GPU_TEAMS:
        summary = json.loads(
            (results / "models" / team / "rep1" / "train_summary.json").read_text()
        )
        assert summary["device"].startswith("cuda ("), team
        assert summary["cuda"] == {
            "matmul_fp32_precision": "ieee",
            "cudnn_fp32_precision": "ieee",
            "deterministic": True,
            "cudnn_benchmark": False,
            "cublas_workspace_config": runtime.CUBLAS_WORKSPACE,
        }, team
        log = (results / "logs" / "train" / team / "rep1.log").read_text()
        assert "training reads staged on cuda" in log, team
    assert memory_overruns(workdir, *targets, configs=configs, args=args) == []

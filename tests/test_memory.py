"""The memory the model jobs declare: what autograd keeps, and how it adds up."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from promoterbench import memory
from promoterbench.teams import get_team


def test_saved_activations_are_what_backward_keeps():
    """Linear saves its input and weight, ReLU its output (which the next Linear saves again):
    only the ReLU output (5 x 3 float32) is neither the input nor a parameter."""
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    assert memory.saved_activation_bytes(model, torch.randn(5, 4)) == 5 * 3 * 4


NEEDS = {"base_mb": 1000, "data_mb": 500.0, "model_mb": 100.0, "batch_activations_mb": 1000.0,
         "encoded_read_bytes": 110.0, "activations_per_read_mb": 8.0}  # fmt: skip


def test_activations_count_only_where_the_model_runs_on_the_cpu(monkeypatch):
    monkeypatch.setattr(memory, "CUDA_CONTEXT_MB", 1200)
    # (1000 + 500 + 100 + 1.1 x 1000) x 1.2 = 3240 -> 3300; on a TPU (1600) x 1.2 = 1920 -> 2000;
    # on a GPU the CUDA context besides: (1600 + 1200) x 1.2 = 3360 -> 3400
    assert memory.train_mem_mb(NEEDS, "cpu") == 3300
    assert memory.train_mem_mb(NEEDS, "xla") == 2000
    assert memory.train_mem_mb(NEEDS, "cuda") == 3400
    # 71,103 test sequences, both strands: 2 x 71,103 x (450 + 110) B = 75.9 MB; on the CPU a
    # quarter of a 64-read batch's saved activations: 0.25 x 64 x 8 = 128 MB
    assert memory.predict_mem_mb(NEEDS, "cpu", 71_103) == 1600  # (1175.9 + 128) x 1.2 = 1565
    assert memory.predict_mem_mb(NEEDS, "xla", 71_103) == 1500  # 1175.9 x 1.2 = 1411
    assert memory.predict_mem_mb(NEEDS, "cuda", 71_103) == 2900  # 2375.9 x 1.2 = 2851


def test_the_cuda_context_counts_where_auto_finds_a_gpu(monkeypatch):
    monkeypatch.setattr(memory, "uses_gpu", lambda device: device == "auto")
    assert memory.context_mb("auto") == memory.CUDA_CONTEXT_MB > 0
    assert memory.context_mb("cpu") == 0


def test_a_batch_too_large_for_the_gpu_fails_naming_the_remedies():
    # 100 MB of model and 1.1 x 8 MB x 1,024 reads = 9,111 MB
    assert memory.device_need_mb(NEEDS, 1024) == pytest.approx(100 + 1.1 * 8 * 1024)
    memory.check_fits(NEEDS, 1024, 9200.0, "cuda:0")
    with pytest.raises(MemoryError, match=r"batch of 1024 reads needs about 9,111 MB on cuda:0 "
                       r"\(8.0 MB .*9,000 MB are free .*train.batch_size.*recompute_activations") as err:  # fmt: skip
        memory.check_fits(NEEDS, 1024, 9000.0, "cuda:0")
    # a remedy must change what is checked: the estimate is of float32 activations, whatever the
    # precision, so naming bf16 would send a user round again to the same error
    assert "precision" not in str(err.value) and "bf16" not in str(err.value)


def test_the_gpu_check_reads_the_free_memory_of_a_cuda_device(monkeypatch):
    settings = {"train": {"batch_size": 1024}}
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device: (1000 * memory.MB, 0))
    assert memory.check_device_memory(NEEDS, settings, torch.device("cpu")) == 0  # no check
    assert memory.check_device_memory({"base_mb": 500}, settings, torch.device("cuda")) == 0
    with pytest.raises(MemoryError, match="1,000 MB are free there"):
        memory.check_device_memory(NEEDS, settings, torch.device("cuda"))
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device: (10_000 * memory.MB, 0))
    need = memory.check_device_memory(NEEDS, settings, torch.device("cuda"))  # what a step needs
    assert need == memory.device_need_mb(NEEDS, 1024)


@pytest.mark.parametrize("scale", ["cpu", "paper"])
def test_a_teams_needs_grow_with_its_reads_and_batch(scale):
    team = get_team("camformers")
    settings = team.settings(scale)
    small, large = team.memory_needs(settings, 1000), team.memory_needs(settings, 1_000_000)
    # uint8 codes of 110 nt, a float32 label and the int64 length
    assert small["encoded_read_bytes"] == 110 + 4 + 8
    per_read = memory.LOADED_READ_BYTES + small["encoded_read_bytes"]
    assert large["data_mb"] == pytest.approx(1_000_000 * per_read / memory.MB, abs=0.1)
    assert small["model_mb"] == large["model_mb"] > 0
    double = team.memory_needs(team.settings(scale, {"train": {"batch_size": 512}}), 1000)
    assert double["batch_activations_mb"] == pytest.approx(2 * small["batch_activations_mb"], 0.01)

"""How much memory the model jobs need, estimated before they run (no torch import at the top:
the workflow's resource functions use this module).

The ``split`` job, which knows how many reads a team trains on, measures the team's needs and
writes them next to the split (``memory.json``, :meth:`Team.memory_needs`); the ``train`` and
``predict`` rules turn them into ``resources: mem_mb``, so ``snakemake --resources mem_mb=...``
and the SLURM profile ask for what a job really needs.

A training process holds: the interpreter with torch and Arrow (:data:`BASE_MB`, the CUDA build
of torch included); the reads, once as loaded from the bins and once as the team encodes them;
the model with its gradients, optimiser state and the copies kept for the best epoch and the
checkpoint; and, where the model runs on the CPU, the activations a batch keeps for its backward
pass — measured by running the model on a few random reads and summing the tensors autograd
saves. On an accelerator the activations live in device memory, not in the job's RAM, and a CUDA
job's RAM holds the CUDA context besides (:data:`CUDA_CONTEXT_MB`). Checked
against the peak RSS of paper-scale training steps on the CPU (fp32): autosome, batch 1,024,
11.4 GB saved for a measured peak of 12.1 GB; camformers 1.1 / 2.1 GB; madlab 2.1 / 2.7 GB;
noisy_chardonnay 0.7 / 1.1 GB; wan_barton 0.4 / 1.0 GB.
"""

from __future__ import annotations

import math

from promoterbench.runtime import uses_gpu

MB = 2**20
BASE_MB = 1000  # python + torch (CUDA build: ~900 MB RSS once imported) + pyarrow + pandas
LOADED_READ_BYTES = 450  # a read as loaded from the bins (table, then Reads; measured at 6.6 M)
MODEL_COPIES = 8  # float32 weights, gradients, ≤ 2 optimiser moments, best and checkpoint copies
BACKWARD = 1.1  # peak over the saved activations while their gradients are made
INFERENCE = 0.25  # share of the saved activations alive at once without a backward pass
HEADROOM = 1.2
# Host RAM of an initialised CUDA context (driver, kernels loaded, cuBLAS/cuDNN handles), which
# the RSS of an imported torch does not include. Sized from published figures until measured
# (benchmarks/gpu_check.sh): 1,122 MiB of RSS at the first CUDA op without lazy module loading
# (pytorch/pytorch#12873); lazy loading (CUDA >= 11.7, torch's default) needs less.
CUDA_CONTEXT_MB = 1200
# evaluation batch on CPUs: larger ones are slower there (paper-scale LegNet on one core:
# benchmarks/predict_throughput.py, README "Training throughput")
CPU_EVAL_BATCH = 64
ACCELERATOR_EVAL_BATCH = 1024


def saved_activation_bytes(model, x) -> int:
    """Bytes of the tensors autograd keeps for the backward pass of ``model(x)`` (parameters and
    inputs not counted; a storage shared by several saved tensors counted once)."""
    import torch

    inputs = x if isinstance(x, tuple) else (x,)
    skip = {t.untyped_storage().data_ptr() for t in (*model.parameters(), *inputs)}
    saved: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in skip:
            saved[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        model(x)
    return sum(saved.values())


def base_needs(n_reads: int) -> dict:
    """The needs (memory.json) of a job that holds the interpreter and ``n_reads`` reads (or
    rows) as loaded, and nothing else."""
    return {
        "reads": int(n_reads),
        "base_mb": BASE_MB,
        "data_mb": round(n_reads * LOADED_READ_BYTES / MB, 1),
        "encoded_read_bytes": 0.0,
        "model_mb": 0.0,
        "batch_activations_mb": 0.0,
        "activations_per_read_mb": 0.0,
    }


def on_host(device: str) -> bool:
    """Whether the model's activations live in the job's RAM (config ``device``)."""
    return device in ("cpu", "auto")


def train_mem_mb(needs: dict, device: str) -> int:
    """``mem_mb`` of a training job (``needs``: a team's memory.json)."""
    total = needs["base_mb"] + needs["data_mb"] + needs["model_mb"] + context_mb(device)
    if on_host(device):
        total += BACKWARD * needs["batch_activations_mb"]
    return _round(total * HEADROOM)


def predict_mem_mb(needs: dict, device: str, test_sequences: int) -> int:
    """``mem_mb`` of a prediction job: the test set (both strands at most), the model, and on the
    CPU one evaluation batch's activations (nothing is kept for a backward pass: a few layers'
    outputs are alive at once)."""
    total = needs["base_mb"] + needs["model_mb"] + context_mb(device)
    total += 2 * test_sequences * (LOADED_READ_BYTES + needs["encoded_read_bytes"]) / MB
    if on_host(device):
        total += INFERENCE * needs["activations_per_read_mb"] * CPU_EVAL_BATCH
    return _round(total * HEADROOM)


def context_mb(device: str) -> int:
    """Host RAM of the CUDA context for a job on a GPU (config ``device``), else 0."""
    return CUDA_CONTEXT_MB if uses_gpu(device) else 0


def device_need_mb(needs: dict, batch_size: int) -> float:
    """Accelerator memory a training step needs: the model with its gradients and optimiser
    state, and the activations of one batch of ``batch_size`` reads during its backward pass.
    The activations are memory.json's, measured in float32 whatever the precision: under bf16
    or fp16 autocast a team's may be fewer or more (casts are saved too), so there the check
    is only as good as the float32 figure (benchmarks/gpu_check.sh compares it with bf16)."""
    return needs["model_mb"] + BACKWARD * needs["activations_per_read_mb"] * batch_size


def check_fits(needs: dict, batch_size: int, free_mb: float, device: str) -> None:
    """Fail before training when a batch cannot fit the accelerator's free memory, naming the
    remedies (an out-of-memory error would come only after the set-up, in the first step)."""
    need = device_need_mb(needs, batch_size)
    if need <= free_mb:
        return
    raise MemoryError(
        f"a training batch of {batch_size} reads needs about {need:,.0f} MB on {device} "
        f"({needs['activations_per_read_mb']} MB of activations a read, memory.json), but "
        f"{free_mb:,.0f} MB are free there: set a smaller train.batch_size, "
        "train.recompute_activations: true (autosome), or use a GPU with more memory"
    )


def check_device_memory(needs: dict, settings: dict, device) -> float:
    """:func:`check_fits` on a CUDA device, with its free memory now (a torch team's training:
    ``needs`` from its memory.json, ``settings`` resolved); returns what a step needs there, in
    MB (0 elsewhere: nothing checked)."""
    if device.type != "cuda" or "activations_per_read_mb" not in needs:
        return 0.0
    import torch

    free, _ = torch.cuda.mem_get_info(device)
    batch_size = int(settings["train"]["batch_size"])
    check_fits(needs, batch_size, free / MB, str(device))
    return device_need_mb(needs, batch_size)


def _round(mb: float) -> int:
    """Up to the next 100 MB."""
    return int(math.ceil(mb / 100) * 100)

"""Training throughput of one team on one device: samples/s, step time and peak memory.

    python benchmarks/train_throughput.py --team autosome --scale paper --device cuda --precision bf16

Runs the team's own training step (the shared Trainer: its inputs, loss, optimiser, schedule,
clipping) on random 110-nt reads, after warm-up steps (which include XLA compilation). Prints the
figures and appends them to benchmarks/train_throughput.tsv (or --out).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from _common import emit, peak_rss_mb

from promoterbench import runtime
from promoterbench.teams import get_team
from promoterbench.teams.base import FitContext, Reads
from promoterbench.training import Trainer

HEADER = "team\tscale\tdevice\tprecision\tbatch\tsteps\tsamples_per_s\tstep_ms_median\tpeak_memory_mb\tn_params"


def wait(device: torch.device) -> None:
    """Block until queued device work is done, so timings are real."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "xla":
        import torch_xla.core.xla_model as xm

        xm.wait_device_ops()


def peak_memory_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    if device.type == "xla":
        import torch_xla.core.xla_model as xm

        info = xm.get_memory_info(device)
        return info.get("peak_bytes_used", info.get("bytes_used", 0)) / 2**20
    return peak_rss_mb()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--team", required=True)
    parser.add_argument("--scale", choices=("paper", "cpu"), default="paper")
    parser.add_argument("--device", default="auto", choices=runtime.DEVICES)
    parser.add_argument("--precision", default="fp32", choices=("fp32", "bf16", "fp16"))
    parser.add_argument("--batch-size", type=int, help="default: the team's batch size")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="CPU threads")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).with_name("train_throughput.tsv")
    )
    args = parser.parse_args()

    runtime.set_threads(args.threads, torch=True)
    device = runtime.resolve_device(args.device)
    runtime.check_device(device, args.device)
    team = get_team(args.team)
    overrides = {"train": {"batch_size": args.batch_size}} if args.batch_size else {}
    settings = team.settings(args.scale, overrides)
    batch = int(settings["train"]["batch_size"])
    trainer = Trainer(team, settings, FitContext(device=device, precision=args.precision))
    data = team.encode(Reads.random(batch * 2), settings)  # the team's own encoding
    state = trainer.setup(data, team.encode(Reads.random(0), settings))
    state.model.train()
    order = np.random.default_rng(1).permutation(len(data))
    times = []
    for i in range(args.warmup + args.steps):
        idx = np.sort(order[(i % 2) * batch : (i % 2 + 1) * batch])
        start = time.perf_counter()
        trainer.step(state, data, idx)
        wait(device)
        if i >= args.warmup:
            times.append(time.perf_counter() - start)
    median = statistics.median(times)
    row = (args.team, args.scale, runtime.check_device(device, args.device), args.precision, batch,
           args.steps, f"{batch / median:.0f}", f"{median * 1000:.1f}", f"{peak_memory_mb(device):.0f}",
           team.count_params(state.model))  # fmt: skip
    line = "\t".join(map(str, row))
    emit(HEADER, [line], args.out)


if __name__ == "__main__":
    main()

"""Training throughput of one team on one device: samples/s, step time and peak memory.

    python benchmarks/train_throughput.py --team autosome --scale paper --device cuda --precision bf16

Runs the team's own training step (the shared Trainer: its inputs, loss, optimiser, schedule,
clipping) on random 110-nt reads, after warm-up steps (which include XLA compilation). Prints the
figures and appends them to benchmarks/train_throughput.tsv (or --out).
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from _common import emit, model_device, model_parser, peak_memory_mb, wait

from promoterbench import runtime
from promoterbench.teams import get_team
from promoterbench.teams.base import FitContext, Reads
from promoterbench.training import Trainer

HEADER = "team\tscale\tdevice\tprecision\tbatch\tsteps\tsamples_per_s\tstep_ms_median\tpeak_memory_mb\tn_params"


def main() -> None:
    parser = model_parser(__doc__, "train_throughput.tsv", threads=2)
    parser.add_argument("--batch-size", type=int, help="default: the team's batch size")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    device = model_device(args)
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

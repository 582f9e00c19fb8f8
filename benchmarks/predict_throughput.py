"""Prediction throughput of one team on one device, per evaluation batch size.

    python benchmarks/predict_throughput.py --team autosome --scale paper --device cpu \
        --batch-sizes 32 64 128 256 --sequences 1500

Runs the team's own test-time prediction (its encoding, test-time augmentation and the shared
Trainer's evaluation loop) with freshly initialised weights on random 110-nt reads, once per batch
size after one warm-up batch. Prints test sequences/s and peak memory and appends them to
benchmarks/predict_throughput.tsv (or --out).
"""

from __future__ import annotations

import time

from _common import emit, model_device, model_parser, peak_memory_mb, reset_peak, wait

from promoterbench import runtime
from promoterbench.teams import get_team
from promoterbench.teams.base import FitContext, Reads
from promoterbench.training import Trainer

HEADER = (
    "team\tscale\tdevice\tprecision\tthreads\tbatch\tsequences\tsequences_per_s\tpeak_memory_mb"
)


def main() -> None:
    parser = model_parser(__doc__, "predict_throughput.tsv", threads=1)  # predict jobs: 1
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64])
    parser.add_argument("--sequences", type=int, default=1000, help="test sequences per size")
    args = parser.parse_args()
    device = model_device(args)
    team = get_team(args.team)
    settings = team.settings(args.scale)
    trainer = Trainer(team, settings, FitContext(device=device, precision=args.precision))
    model = team.build_model(settings).to(device)
    reads = Reads.random(args.sequences, seed=1)
    data = team.encode_test(reads.sequence, settings)
    encoded = team.encode(reads, settings)
    params = team.fit_target(encoded, encoded, settings)
    lines = []
    for size in args.batch_sizes:
        trainer.eval_batch_size = size
        reset_peak(device)
        warm_up = team.encode_test(reads.sequence.slice(0, size), settings)
        team.predict_encoded(trainer, model, warm_up, params)
        wait(device)
        start = time.perf_counter()
        team.predict_encoded(trainer, model, data, params)
        wait(device)
        rate = args.sequences / (time.perf_counter() - start)
        row = (args.team, args.scale, runtime.check_device(device, args.device), args.precision,
               args.threads, size, args.sequences, f"{rate:.1f}", f"{peak_memory_mb(device):.0f}")  # fmt: skip
        lines.append("\t".join(map(str, row)))
    emit(HEADER, lines, args.out)


if __name__ == "__main__":
    main()

"""Prediction throughput of one team on one device, per evaluation batch size, beside the bare
forward passes of its model on the same batches.

    python benchmarks/predict_throughput.py --team autosome --scale paper --device cpu \
        --batch-sizes 32 64 128 256 --sequences 1500

``predict``: the team's own test-time prediction from sequences, as the workflow's predict rule
and ``promoterbench predict`` run it (promoterbench.predictors.SavedModel: encoding, test-time
augmentation, the shared Trainer's evaluation loop, the target back-transform), with freshly
initialised weights on random 110-nt reads. ``forward``: the model alone on the input tensors
that run fed it (recorded, as contiguous copies), in the same no-gradient and precision context. After a
warm-up run, the two are timed in turn ``--repeats`` times per batch size and the best of each
counts (a shared machine's load hits both alike). Prints test sequences/s of both, their ratio and the peak
memory, and appends them to benchmarks/predict_throughput.tsv (or --out).
"""

from __future__ import annotations

import time

from _common import emit, model_device, model_parser, peak_memory_mb, reset_peak, wait

from promoterbench import runtime, training
from promoterbench.fitting import FitContext
from promoterbench.teams import get_team
from promoterbench.teams.base import Reads

HEADER = (
    "team\tscale\tdevice\tprecision\tthreads\tbatch\tsequences\tsequences_per_s"
    "\tforward_sequences_per_s\tpredict_over_forward\tpeak_memory_mb"
)


def recorded_inputs(team, state, reads, settings, context) -> list:
    """The input tensors of every forward pass of one prediction run (which also warms up)."""
    inputs, original = [], team.inputs

    def record(*args, **kwargs):
        x = original(*args, **kwargs)
        # kept in the standard (contiguous) layout, as a model's own code would build them
        inputs.append(tuple(t.contiguous() for t in x) if isinstance(x, tuple) else x.contiguous())
        return x

    team.inputs = record
    try:
        team.predict(state, reads.sequence, settings, context)
    finally:
        del team.inputs  # the class's method again
    return inputs


def forward_seconds(model, inputs: list, device, precision: str) -> float:
    """Seconds of the bare forward passes over ``inputs``."""
    start = time.perf_counter()
    with training.inference(device), training.autocast(device, precision):
        for x in inputs:
            model(*x) if isinstance(x, tuple) else model(x)
    wait(device)
    return time.perf_counter() - start


def main() -> None:
    parser = model_parser(__doc__, "predict_throughput.tsv", threads=1)  # predict jobs: 1
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64])
    parser.add_argument("--sequences", type=int, default=1000, help="test sequences per size")
    parser.add_argument(
        "--repeats", type=int, default=3, help="timings of each, alternated; the best counts"
    )
    args = parser.parse_args()
    device = model_device(args)
    team = get_team(args.team)
    settings = team.settings(args.scale)
    model = team.build_model(settings).to(device).eval()
    reads = Reads.random(args.sequences, seed=1)
    encoded = team.encode(reads, settings)
    state = {
        "model": model.state_dict(),
        "target_params": team.fit_target(encoded, encoded, settings),
    }
    lines = []
    for size in args.batch_sizes:
        reset_peak(device)  # the peak of this size alone
        context = FitContext(device=device, precision=args.precision, eval_batch_size=size)
        inputs = recorded_inputs(team, state, reads, settings, context)
        forward_seconds(model, inputs[:1], device, args.precision)  # warm-up
        best = [float("inf"), float("inf")]  # predict, forward: alternated, best of the repeats
        for _ in range(args.repeats):
            wait(device)
            start = time.perf_counter()
            team.predict(state, reads.sequence, settings, context)
            wait(device)
            best[0] = min(best[0], time.perf_counter() - start)
            best[1] = min(best[1], forward_seconds(model, inputs, device, args.precision))
        rate, bare = args.sequences / best[0], args.sequences / best[1]
        row = (args.team, args.scale, runtime.check_device(device, args.device), args.precision,
               args.threads, size, args.sequences, f"{rate:.1f}", f"{bare:.1f}",
               f"{rate / bare:.3f}", f"{peak_memory_mb(device):.0f}")  # fmt: skip
        lines.append("\t".join(map(str, row)))
    emit(HEADER, lines, args.out)


if __name__ == "__main__":
    main()

"""Benchmark the synthetic-world simulator: reads/s and peak memory for N training reads.

    python benchmarks/simulate.py --reads 6739258

Prints the figures and appends them to benchmarks/simulate.tsv. The test set is simulated
separately first (it is the same size for any N) and reported as its own row.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from _common import emit, peak_rss_mb

from promoterbench.simulate import write_train
from promoterbench.simulate.design import CategorySizes, design_test_set
from promoterbench.simulate.expression import ExpressionModel
from promoterbench.simulate.measure import Measurement


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--reads",
        type=int,
        default=6_739_258,
        help="training reads (default: the real file's count)",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("simulate.tsv"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model, measurement = ExpressionModel(), Measurement()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        test = design_test_set(model, np.random.default_rng(args.seed), CategorySizes())
        rows.append(("test_set", len(test.sequences), time.perf_counter() - start))
        start = time.perf_counter()
        write_train(Path(tmp) / "train_sequences.txt", args.reads, args.seed, model, measurement)
        rows.append(("train_reads", args.reads, time.perf_counter() - start))
    header = "step\tsequences\tthreads\twall_s\tsequences_per_s\tpeak_rss_mb"
    lines = [
        f"{step}\t{n}\t{args.threads}\t{s:.2f}\t{n / s:.0f}\t{peak_rss_mb():.0f}"
        for step, n, s in rows
    ]
    emit(header, lines, args.out)


if __name__ == "__main__":
    main()

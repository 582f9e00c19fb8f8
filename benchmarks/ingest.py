"""Benchmark ingest and length binning on N simulated reads in the official format.

    python benchmarks/ingest.py --reads 6739258

Simulates the reads with promoterbench.simulate, then runs each step in a fresh process (so
peak RSS is the step's own), prints reads, wall seconds, reads/s and peak RSS, and appends them
to benchmarks/ingest.tsv (or --out). The goal for 6,739,258 reads on 2 cores is ingest + bin in
at most 6 s and 2.5 GB. ``ingest_gzip`` ingests the same file gzip-compressed (level 6, as
``gzip`` writes it); the goal is at most twice the plain ingest's wall time.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import emit, peak_rss_mb

HEADER = "step\treads\tthreads\twall_s\treads_per_s\tpeak_rss_mb"
SOURCES = {"ingest": "train_sequences.txt", "ingest_gzip": "train_sequences.txt.gz"}


def run_step(step: str, work: Path, threads: int) -> dict:
    """Run one step in a child process; it reports its own wall time and peak RSS."""
    cmd = [sys.executable, __file__, "--step", step, "--work", str(work), "--threads", str(threads)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.splitlines()[-1])


def child(step: str, work: Path, threads: int) -> None:
    from promoterbench import binning, runtime
    from promoterbench.ingest import ingest

    runtime.set_threads(threads)
    start = time.perf_counter()
    if step in SOURCES:
        summary = ingest(work / SOURCES[step], work / "reads.parquet", work / "rejected.tsv",
                         work / "ingest.tsv", min_length=50, max_length=250, max_rejected_fraction=0.1)  # fmt: skip
        reads = summary.kept
    else:
        reads = sum(
            binning.bin_by_length(
                work / "reads.parquet", work / "by_length", work / "bins.tsv", writers=threads
            ).values()
        )
    wall = time.perf_counter() - start
    print(json.dumps({"step": step, "reads": reads, "wall_s": wall, "peak_rss_mb": peak_rss_mb()}))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reads", type=int, default=6_739_258)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("ingest.tsv"))
    parser.add_argument("--step", choices=(*SOURCES, "bin"), help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        return child(args.step, args.work, args.threads)

    import torch

    from promoterbench.simulate import write_train
    from promoterbench.simulate.expression import ExpressionModel
    from promoterbench.simulate.measure import Measurement

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_train(
            work / "train_sequences.txt", args.reads, args.seed, ExpressionModel(), Measurement()
        )
        # the gzip copy is written by reading the plain file, which also warms the page cache
        with (
            open(work / SOURCES["ingest"], "rb") as src,
            gzip.open(work / SOURCES["ingest_gzip"], "wb", 6) as dst,
        ):
            shutil.copyfileobj(src, dst, 1 << 24)
        rows = [run_step("ingest", work, args.threads), run_step("bin", work, args.threads)]
        rows.append({"step": "ingest+bin", "reads": rows[0]["reads"], "wall_s": rows[0]["wall_s"] + rows[1]["wall_s"],
                     "peak_rss_mb": max(r["peak_rss_mb"] for r in rows)})  # fmt: skip
        rows.append(run_step("ingest_gzip", work, args.threads))
    lines = [f"{r['step']}\t{r['reads']}\t{args.threads}\t{r['wall_s']:.2f}\t{r['reads'] / r['wall_s']:.0f}"
             f"\t{r['peak_rss_mb']:.0f}" for r in rows]  # fmt: skip
    emit(HEADER, lines, args.out)
    print(f"# ingest gzip / plain: {rows[3]['wall_s'] / rows[0]['wall_s']:.2f}x wall time")


if __name__ == "__main__":
    main()

"""Cost of the paired bootstrap: seconds and peak memory per entry-replicate, at full size.

    python benchmarks/bootstrap_cost.py --truth-dir DIR --entries 7 --replicates 1 3 --resamples 1000

Scores ``entries`` × ``replicates`` prediction vectors (the truth plus noise of several sizes, so
that every entry has its own ranks) with the workflow's bootstrap (``bootstrap.resample``, then the
per-entry summary and the pairwise table) on the private split of the test set in ``DIR`` (the
official file and id folders, as `promoterbench score --truth-dir` takes them: the real 71,103
sequences, or a simulated world). Prints wall and CPU seconds, seconds per entry-replicate and the
process's peak RSS, and appends them to benchmarks/bootstrap_cost.tsv (or --out).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from _common import emit, peak_rss_mb

from promoterbench import bootstrap, formats, testset

HEADER = ("test_sequences\tentries\treplicates\tresamples\twall_s\tcpu_s\ts_per_entry_replicate"
          "\tpeak_rss_mb")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--truth-dir", type=Path, required=True)
    parser.add_argument("--entries", type=int, default=7)
    parser.add_argument("--replicates", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("bootstrap_cost.tsv"))
    args = parser.parse_args()

    design = testset.TestDesign.from_dir(args.truth_dir)
    _, truth = formats.read_official_txt(testset.find_file(args.truth_dir, testset.TEST_FILE))
    rng = np.random.default_rng(0)
    lines = []
    for replicates in args.replicates:
        preds = {
            f"entry{e}": [truth + rng.normal(0, 0.5 + e, len(truth)) for _ in range(replicates)]
            for e in range(args.entries)
        }
        wall, cpu = time.perf_counter(), time.process_time()
        samples = bootstrap.resample(preds, truth, design, "private", args.resamples, seed=1)
        bootstrap.summarise(samples), bootstrap.pairwise(samples)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        runs = args.entries * replicates
        lines.append(f"{design.n}\t{args.entries}\t{replicates}\t{args.resamples}\t{wall:.1f}"
                     f"\t{cpu:.1f}\t{wall / runs:.2f}\t{peak_rss_mb():.0f}")  # fmt: skip
    emit(HEADER, lines, args.out)


if __name__ == "__main__":
    main()

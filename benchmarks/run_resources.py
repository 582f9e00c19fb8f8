"""Wall time and peak memory of every job of a finished run, next to the memory it declared.

    python benchmarks/run_resources.py --directory rehearsal --configfile rehearsal.yaml

Reads the Snakemake benchmark table of every job (results/**/benchmarks/) and asks Snakemake, with
a dry run of the whole DAG, what each job declared (``resources: mem_mb``); prints one row per job
and a total, and appends them to benchmarks/run_resources.tsv (or --out).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pandas as pd
from _common import emit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from workflow_helpers import declared_memory  # noqa: E402  (the parser the tests use)

HEADER = "run\tjob\twall_s\tpeak_rss_mb\tdeclared_mem_mb\tpeak_over_declared"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--directory", type=Path, default=Path("."), help="the run's workdir")
    parser.add_argument("--configfile", nargs="*", default=[], help="as given to the run")
    parser.add_argument("--target", default="results/leaderboard.tsv")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("run_resources.tsv"))
    args = parser.parse_args()

    cmd = [sys.executable, "-m", "snakemake", "-n", "--forceall", "--directory",
           str(args.directory), args.target]  # fmt: skip
    if args.configfile:
        cmd += ["--configfile", *args.configfile]
    plan = subprocess.run(cmd, capture_output=True, text=True, check=True)
    lines, wall = [], 0.0
    for benchmark, mem_mb in sorted(declared_memory(plan.stdout).items()):
        row = pd.read_csv(args.directory / benchmark, sep="\t").iloc[-1]
        job = benchmark.split("benchmarks/", 1)[1].removesuffix(".tsv")
        wall += row["s"]
        ratio = row["max_rss"] / mem_mb
        lines.append(f"{args.directory}\t{job}\t{row['s']:.1f}\t{row['max_rss']:.0f}\t{mem_mb}"
                     f"\t{ratio:.2f}")  # fmt: skip
    lines.append(f"{args.directory}\tall jobs (sum)\t{wall:.1f}\t\t\t")
    emit(HEADER, lines, args.out)


if __name__ == "__main__":
    main()

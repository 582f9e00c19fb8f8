"""Benchmark reading DeepSTARR and lentiMPRA at their real size into their validated tables.

    python benchmarks/other_datasets.py                 # 402,296 / 40,570 / 41,186 and 226,000 rows
    python benchmarks/other_datasets.py --scale 0.01    # a quick check

Writes simulated files in the official layouts (random sequences of the real lengths, the real
row counts times --scale; DeepSTARR's training regions on both strands, validation and test on
the two halves of chr2R; lentiMPRA's 10 folds, half the rows reversed), then reads and writes
each data set in a fresh process (so peak RSS is the step's own) and prints rows, wall seconds,
rows/s and peak RSS, appended to benchmarks/other_datasets.tsv (or --out).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _common import emit, peak_rss_mb

HEADER = "dataset\trows\twall_s\trows_per_s\tpeak_rss_mb"
DEEPSTARR_ROWS = {"train": 402_296, "val": 40_570, "test": 41_186}  # Zenodo record 5502060
LENTIMPRA_ROWS = 226_000  # K562, about (PROVENANCE.md)


def random_sequences(rng: np.random.Generator, n: int, length: int) -> list[str]:
    codes = rng.integers(0, 4, size=(n, length), dtype=np.uint8)
    text = np.frombuffer(b"ACGT", dtype=np.uint8)[codes].tobytes().decode()
    return [text[i * length : (i + 1) * length] for i in range(n)]


def write_deepstarr(folder: Path, scale: float, rng: np.random.Generator) -> None:
    from promoterbench.datasets import deepstarr

    for split, rows in DEEPSTARR_ROWS.items():
        n = max(2, int(rows * scale)) // 2 * 2  # both strands of each region
        chrom, first = (
            ("chr3L", 0) if split == "train" else ("chr2R", 0 if split == "val" else 13e6)
        )
        starts = (first + 50 * np.arange(n // 2)).astype(int).repeat(2)
        ids = [f"{chrom}_{s}_{s + 248}_{'+-'[i % 2]}_peak" for i, s in enumerate(starts)]
        seqs = random_sequences(rng, n, deepstarr.LENGTH)
        values = rng.normal(size=(n, 2))
        with open(folder / deepstarr.fasta_name(split), "w") as fh:
            fh.writelines(f">{i}\n{s}\n" for i, s in zip(ids, seqs))
        with open(folder / deepstarr.activity_name(split), "w") as fh:
            fh.write("\t".join(deepstarr.OUTPUTS) + "\n")
            fh.writelines(f"{a:.4f}\t{b:.4f}\n" for a, b in values)


def write_lentimpra(path: Path, scale: float, rng: np.random.Generator) -> None:
    from promoterbench.datasets import lentimpra

    n = max(20, int(LENTIMPRA_ROWS * scale))
    middle = random_sequences(rng, n, lentimpra.LENGTH - 30)
    with open(path, "w") as fh:
        fh.write("seq_id\tseq\tmean_value\tfold\n")
        for i, element in enumerate(middle):
            seq_id = f"seq{i // 2}{lentimpra.REVERSED if i % 2 else lentimpra.FORWARD}"
            seq = lentimpra.ADAPTER5 + element + lentimpra.ADAPTER3
            fh.write(f"{seq_id}\t{seq}\t{rng.normal():.3f}\t{i // 2 % 10}\n")


def child(dataset: str, work: Path) -> None:
    from promoterbench.datasets import deepstarr, lentimpra, tables

    start = time.perf_counter()
    if dataset == "deepstarr":
        table, qc, quarantine = deepstarr.read(work / "deepstarr")
    else:
        table, qc, quarantine = lentimpra.read(work / "K562_clean.tsv")
    paths = {k: work / f"{dataset}.{k}" for k in ("table", "qc", "rejected")}
    tables.write_outputs(dataset, table, qc, quarantine, paths, 0.001)
    wall = time.perf_counter() - start
    print(json.dumps({"rows": table.num_rows, "wall_s": wall, "peak_rss_mb": peak_rss_mb()}))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="share of the real row counts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("other_datasets.tsv"))
    parser.add_argument("--child", choices=("deepstarr", "lentimpra"), help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.work)
    rng = np.random.default_rng(args.seed)
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "deepstarr").mkdir()
        write_deepstarr(work / "deepstarr", args.scale, rng)
        write_lentimpra(work / "K562_clean.tsv", args.scale, rng)
        for dataset in ("deepstarr", "lentimpra"):
            cmd = [sys.executable, __file__, "--child", dataset, "--work", str(work)]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.splitlines()[-1])
            lines.append(f"{dataset}\t{r['rows']}\t{r['wall_s']:.2f}\t{r['rows'] / r['wall_s']:.0f}"
                         f"\t{r['peak_rss_mb']:.0f}")  # fmt: skip
    emit(HEADER, lines, args.out)


if __name__ == "__main__":
    main()

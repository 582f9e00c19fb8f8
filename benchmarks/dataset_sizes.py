"""Size check of DeepSTARR and lentiMPRA through the workflow at their real size (issue 28 §4):
what each job needs, so users know what to ask a cluster for.

    python benchmarks/dataset_sizes.py                                # both, the real row counts
    python benchmarks/dataset_sizes.py --data deepstarr --scale 0.01  # a quick check

Writes simulated record files (benchmarks/other_datasets.py: random sequences of the real lengths,
the real row counts times --scale) into a fresh copy of the workflow and runs, through Snakemake
at ``scale: paper`` on the CPU, each data set's fetch (linked), ingest, row selection and one
capped training step of every model (``train.max_steps`` 1, validation on --val-rows rows; the
k-mer baseline is solved in full). Prints each job's wall time and peak RSS (Snakemake's
benchmark files) beside the memory it declares, appended to benchmarks/dataset_sizes.tsv (or
--out).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from _common import emit
from other_datasets import write_deepstarr, write_lentimpra

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from workflow_helpers import copy_workflow, declared_memory  # noqa: E402  (as the tests run it)

from promoterbench import architectures  # noqa: E402

HEADER = "data\tscale\tjob\twall_s\tpeak_rss_mb\tdeclared_mem_mb"


def write_record(data: str, folder: Path, scale: float, rng: np.random.Generator) -> None:
    """The simulated files of ``data``'s record in ``folder``, as the workflow fetches them."""
    folder.mkdir(parents=True)
    if data == "deepstarr":
        return write_deepstarr(folder, scale, rng)
    table = folder / "K562_clean.tsv"
    write_lentimpra(table, scale, rng)
    with tarfile.open(folder / "human_mpra_data.tar.gz", "w:gz") as tar:
        tar.add(table, arcname=f"human_mpra_data/{table.name}")
    table.unlink()


def run(data: str, work: Path, args: argparse.Namespace) -> list[str]:
    """Run ``data``'s jobs up to one training step per model in ``work``; a line per job."""
    capped = {"train": {"max_steps": 1, "max_val_reads": args.val_rows}}
    models = {m: capped for m in architectures.models(data)} | {architectures.BASELINE: {}}
    config = {"data": data, "scale": "paper", "device": "cpu",
              data: {"local_dir": str(work / "record"), "verify_md5": False, "models": models}}  # fmt: skip
    (work / "size.yaml").write_text(yaml.safe_dump(config))
    targets = [f"results/{data}/models/{m}/rep1/train_summary.json" for m in models]
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", *targets, "--configfile", "size.yaml"]
    subprocess.run(cmd, cwd=work, check=True, capture_output=True, text=True)
    plan = subprocess.run([*cmd[:5], "-n", "--forceall", *cmd[5:]], cwd=work, check=True,
                          capture_output=True, text=True)  # fmt: skip
    lines = []
    for benchmark, declared in declared_memory(plan.stdout).items():
        measured = pd.read_csv(work / benchmark, sep="\t").iloc[0]
        job = benchmark.removeprefix(f"results/{data}/benchmarks/").removesuffix(".tsv")
        lines.append(f"{data}\t{args.scale:g}\t{job}\t{measured['s']:.1f}"
                     f"\t{measured['max_rss']:.0f}\t{declared}")  # fmt: skip
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", nargs="*", default=["deepstarr", "lentimpra"])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the real row counts")
    parser.add_argument("--val-rows", type=int, default=1024, help="validation rows of a step")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("dataset_sizes.tsv"))
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    lines = []
    for data in args.data:
        with tempfile.TemporaryDirectory() as tmp:
            work = copy_workflow(Path(tmp))
            write_record(data, work / "record", args.scale, rng)
            lines += run(data, work, args)
    emit(HEADER, lines, args.out)


if __name__ == "__main__":
    main()

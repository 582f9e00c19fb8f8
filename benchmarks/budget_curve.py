"""Score against training compute: the default run at several multiples of the FLOP budget.

    python benchmarks/budget_curve.py --factors 0.5 1 2 4 --cores 2 [--replicates 3]

Runs the workflow to ``results/leaderboard.tsv`` once per factor with ``budget.train_flops`` set
to that multiple of the config's budget, each run in a directory of its own (``--base``/``<factor>x``,
kept: a rerun reuses what is finished, and ``--base`` may hold the default run as ``1x``), and
collects each entry's scores (private split; with ``--replicates N``, the mean and SD over N
training seeds), steps, training FLOPs and still-learning flag. One row
per factor and entry is printed and appended to benchmarks/budget_curve.tsv (``--out``); the
figure of score against training FLOPs is written next to it (``--figure``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import matplotlib
import pandas as pd
import yaml
from _common import emit

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
HEADER = ("factor\tbudget_flops\tteam\tkind\treplicates\tscore_pearson_r2\tscore_pearson_r2_sd"
          "\tscore_spearman\tscore_spearman_sd\tsteps\ttrain_flops\tstill_learning"
          "\ttrain_cpu_seconds")  # fmt: skip


def run(directory: Path, budget: float, replicates: int, cores: int) -> None:
    """The workflow run in ``directory`` under ``budget`` with ``replicates`` training seeds per
    model (its log: budget_curve.log there)."""
    directory.mkdir(parents=True, exist_ok=True)
    budget_file = directory / "budget.yaml"
    budget_file.write_text(
        yaml.safe_dump({"budget": {"train_flops": float(budget)}, "replicates": replicates})
    )
    cmd = [sys.executable, "-m", "snakemake", "--cores", str(cores), "--snakefile",
           str(REPO / "Snakefile"), "--directory", str(directory), "--configfile",
           str(REPO / "config.yaml"), str(budget_file.resolve()), "--", "results/leaderboard.tsv"]  # fmt: skip
    log = directory / "budget_curve.log"
    with open(log, "a") as fh:
        done = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}); see {log}")


def number(value: float, spec: str) -> str:
    """``value`` formatted, or empty where the entry has none (the oracle's steps, say)."""
    return "" if pd.isna(value) else format(value, spec)


def plot(frame: pd.DataFrame, out: Path) -> None:
    """Private Pearson score against training FLOPs, one line per trained model; the entries
    without a budget (k-mer ridge, ensemble, oracle) as their values at each budget."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for team, rows in frame.groupby("team"):
        rows = rows.sort_values("budget_flops")
        trained = rows["train_flops"].notna().all()
        x = rows["train_flops"] if trained else rows["budget_flops"]
        ax.plot(x, rows["score_pearson_r2"], marker="o" if trained else None,
                linestyle="-" if trained else "--", label=team)  # fmt: skip
    ax.set_xscale("log")
    ax.set_xlabel("training FLOPs (dashed: entries without a budget, at the run's budget)")
    ax.set_ylabel("Pearson score (private split)")
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(out, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--factors", type=float, nargs="+", default=[0.5, 1.0, 2.0, 4.0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--replicates", type=int, default=1, help="training seeds per model")
    parser.add_argument("--base", type=Path, default=Path("budget_curve"), help="run directories")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("budget_curve.tsv"))
    parser.add_argument("--figure", type=Path, default=Path(__file__).with_name("budget_curve.png"))
    args = parser.parse_args()

    default = float(yaml.safe_load((REPO / "config.yaml").read_text())["budget"]["train_flops"])
    lines, frames = [], []
    for factor in args.factors:
        directory = args.base / f"{factor:g}x"
        run(directory, factor * default, args.replicates, args.cores)
        board = pd.read_csv(directory / "results/leaderboard.tsv", sep="\t")
        board = board.assign(factor=factor, budget_flops=factor * default)
        frames.append(board)
        for row in board.itertuples():
            lines.append("\t".join((
                f"{factor:g}", f"{factor * default:.3g}", row.team, row.kind, str(row.replicates),
                f"{row.score_pearson_r2:.4f}", number(row.score_pearson_r2_sd, ".4f"),
                f"{row.score_spearman:.4f}", number(row.score_spearman_sd, ".4f"),
                number(row.steps, ".0f"),
                number(row.train_flops, ".4g"), "" if pd.isna(row.still_learning) else
                str(row.still_learning), number(row.train_cpu_seconds, ".1f"),
            )))  # fmt: skip
    emit(HEADER, lines, args.out)
    plot(pd.concat(frames), args.figure)
    print(f"figure: {args.figure}")


if __name__ == "__main__":
    main()

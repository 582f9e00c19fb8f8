"""How often MadLab's freshly drawn network runs away (see ``promoterbench.teams.madlab.runs_away``).

    python benchmarks/madlab_runaways.py --seeds 300 60

Draws the network from seeds 0…n−1 at ``scale: cpu`` and ``paper`` (first count, second count),
with the team's initialisers, and counts the draws whose swish BiLSTM runs away. Prints the counts
and appends them to benchmarks/madlab_runaways.tsv (or --out).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from _common import emit

from promoterbench.teams import get_team
from promoterbench.teams.madlab import MultiScaleNet, runs_away


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs=2, default=[300, 60], metavar=("CPU", "PAPER"))
    parser.add_argument("--faithful-to", default="code", choices=("code", "report"))
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("madlab_runaways.tsv"))
    args = parser.parse_args()
    team, lines = get_team("madlab"), []
    for scale, seeds in zip(("cpu", "paper"), args.seeds):
        settings = team.settings(scale, {"faithful_to": args.faithful_to})
        length = settings["recipe"]["input_length"]
        away = 0
        for seed in range(seeds):
            torch.manual_seed(seed)
            model = MultiScaleNet(
                **settings["model"],
                length=length,
                trainable_transformer=args.faithful_to == "report",
            )
            away += runs_away(model, length)
        lines.append(f"{scale}\t{args.faithful_to}\t{seeds}\t{away}\t{away / seeds:.3f}")
    emit("scale\tfaithful_to\tseeds\truns_away\tshare", lines, args.out)


if __name__ == "__main__":
    main()

"""Combine the evaluations of every replicate, the bootstrap and the paired comparisons into the
ranked leaderboard."""

from collections import defaultdict
from pathlib import Path

import pandas as pd

from promoterbench import leaderboard, runtime

log = runtime.setup_logging(snakemake.log[0])
params = snakemake.params
evaluations, summaries = defaultdict(list), defaultdict(list)
for name, path in zip(params.names, snakemake.input.evaluations):
    evaluations[name].append(path)
for path in snakemake.input.summaries:  # results/{data}/models/{team}/rep{rep}/train_summary.json
    summaries[Path(path).parent.parent.name].append(path)
kinds = {name: "external" for name in params.external}
board = leaderboard.build(evaluations, summaries, kinds, params.split, snakemake.wildcards.data)
board = leaderboard.with_intervals(board, pd.read_csv(snakemake.input.bootstrap, sep="\t"))
board = leaderboard.with_comparisons(board, pd.read_csv(snakemake.input.pairwise, sep="\t"))
ism = defaultdict(list)
for path in snakemake.input.ism:  # results/synthetic/ism/{name}/rep{rep}.tsv
    ism[Path(path).parent.name].append(path)
if ism:
    board = leaderboard.with_ism(board, ism)
board.to_csv(snakemake.output.leaderboard, sep="\t", index=False, float_format="%.4f")
log.info("leaderboard (%s split):\n%s", params.split, board.to_string(index=False))
for line in leaderboard.adjacent_verdicts(board):
    log.info("%s", line)

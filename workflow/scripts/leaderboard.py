"""Combine the evaluations and the bootstrap into the ranked leaderboard."""

from pathlib import Path

import pandas as pd

from promoterbench import leaderboard, runtime

log = runtime.setup_logging(snakemake.log[0])
params = snakemake.params
evaluations = dict(zip(params.names, snakemake.input.evaluations))
summaries = {Path(p).parent.name: p for p in snakemake.input.summaries}
kinds = {name: "external" for name in params.external}
board = leaderboard.build(evaluations, summaries, kinds, params.split, snakemake.wildcards.data)
board = leaderboard.with_intervals(board, pd.read_csv(snakemake.input.bootstrap, sep="\t"))
board.to_csv(snakemake.output.leaderboard, sep="\t", index=False, float_format="%.4f")
log.info("leaderboard (%s split):\n%s", params.split, board.to_string(index=False))

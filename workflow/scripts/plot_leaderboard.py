"""Bar chart of both official scores per leaderboard entry."""

import pandas as pd

from promoterbench import plots, runtime

log = runtime.setup_logging(snakemake.log[0])
board = pd.read_csv(snakemake.input.leaderboard, sep="\t")
plots.leaderboard_chart(board, snakemake.output.figure)
log.info("wrote %s", snakemake.output.figure)

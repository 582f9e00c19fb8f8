"""The paired comparison matrix of the leaderboard's entries."""

import pandas as pd

from promoterbench import runtime
from promoterbench.plots.pairwise import pairwise_matrix

log = runtime.setup_logging(snakemake.log[0])
board = pd.read_csv(snakemake.input.leaderboard, sep="\t")
pairwise_matrix(board, pd.read_csv(snakemake.input.pairwise, sep="\t"), snakemake.output.png)
log.info("wrote %s", snakemake.output.png)

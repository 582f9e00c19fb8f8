"""Leaderboard chart: both scores with bootstrap intervals."""

import pandas as pd

from promoterbench import runtime
from promoterbench.plots.leaderboard import leaderboard_chart

log = runtime.setup_logging(snakemake.log[0])
leaderboard_chart(pd.read_csv(snakemake.input.leaderboard, sep="\t"), snakemake.output.png)
log.info("wrote %s", snakemake.output.png)

"""Per-category heatmap of every leaderboard entry."""

import pandas as pd

from promoterbench import runtime
from promoterbench.plots.categories import category_heatmap

log = runtime.setup_logging(snakemake.log[0])
board = pd.read_csv(snakemake.input.leaderboard, sep="\t")
tables = {
    n: pd.read_csv(p, sep="\t") for n, p in zip(snakemake.params.names, snakemake.input.evaluations)
}
category_heatmap(tables, list(board["team"]), snakemake.params.split, snakemake.output.png)
log.info("wrote %s", snakemake.output.png)

"""Read-length histogram with the lengths each team keeps."""

import numpy as np
import pandas as pd

from promoterbench import binning, runtime
from promoterbench.plots.lengths import length_histogram

log = runtime.setup_logging(snakemake.log[0])
reads = binning.read_bins(snakemake.input.bins, columns=["read_id", "length"])
read_id, length = reads["read_id"].to_numpy(), reads["length"].to_numpy()
order = np.argsort(read_id)
kept = {}
for team, path in zip(snakemake.params.teams, snakemake.input.splits):
    ids = pd.read_parquet(path, columns=["read_id"])["read_id"].to_numpy()
    lengths = length[order[np.searchsorted(read_id, ids, sorter=order)]]
    kept[team] = pd.Series(lengths).value_counts()
length_histogram(pd.read_csv(snakemake.input.counts, sep="\t"), kept, snakemake.output.png)
log.info("wrote %s", snakemake.output.png)

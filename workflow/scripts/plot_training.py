"""Training curves of every team trained in epochs."""

import pandas as pd

from promoterbench import runtime
from promoterbench.plots.training import training_curves

log = runtime.setup_logging(snakemake.log[0])
histories = {
    t: pd.read_csv(p, sep="\t") for t, p in zip(snakemake.params.teams, snakemake.input.histories)
}
training_curves(histories, snakemake.output.png)
log.info("wrote %s", snakemake.output.png)

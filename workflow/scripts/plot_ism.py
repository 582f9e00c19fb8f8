"""The true ISM of two example test sequences beside each model's."""

import pandas as pd

from promoterbench import runtime
from promoterbench.plots.ism import truth_beside_models

log = runtime.setup_logging(snakemake.log[0])
names = snakemake.params.names


def read(path):
    return pd.read_parquet(path).astype({"id": str})


models = {n: read(p) for n, p in zip(names, snakemake.input.effects)}
scores = {
    n: pd.read_csv(p, sep="\t", dtype={"id": str}) for n, p in zip(names, snakemake.input.scores)
}
drawn = pd.read_csv(snakemake.input.sequences, sep="\t", dtype={"id": str})
examples = drawn.groupby("category", sort=False)["id"].first().tolist()[:2]  # one per category
truth_beside_models(read(snakemake.input.truth), models, scores, examples, snakemake.output.png)
log.info("wrote %s (sequences %s)", snakemake.output.png, ", ".join(examples))

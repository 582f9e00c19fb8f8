"""Apply one model's data recipe to its data set's table: the rows it trains and validates on,
and what training on them will need in memory."""

import json

import pyarrow.parquet as pq

from promoterbench import architectures, runtime
from promoterbench.architectures import recipe

log = runtime.setup_logging(snakemake.log[0])
cfg, data = snakemake.params.model, snakemake.wildcards.dataset
settings = architectures.settings(data, cfg["model"], cfg["scale"], cfg["overrides"])
table = pq.read_table(snakemake.input.table)
selection = recipe.select(table, settings)
selection.to_parquet(snakemake.output.selection, index=False)
# train and predict's mem_mb: the training job reads the whole table (and encodes its rows)
needs = recipe.memory_needs(data, cfg["model"], settings, table.num_rows)
with open(snakemake.output.memory, "w") as fh:
    json.dump(needs, fh, indent=2)
log.info("%s on %s: %s rows; memory needs of its training: %s", cfg["model"], data,
         selection["split"].value_counts().to_dict(), needs)  # fmt: skip

"""Predict the test rows of an other data set with a trained model: one column per output."""

import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq

from promoterbench import runtime, training
from promoterbench.architectures import recipe
from promoterbench.datasets import files
from promoterbench.fitting import FitContext

log = runtime.setup_logging(snakemake.log[0])
runtime.set_threads(snakemake.threads, torch=True)
params, data = snakemake.params, snakemake.wildcards.dataset
saved = training.load(snakemake.input.model)
device, where, _ = runtime.open_device(params.device, params.deterministic)
context = FitContext(device=device, precision=params.precision, log=log)
table = pq.read_table(snakemake.input.table)
test = table.filter(pc.equal(table.column("split"), "test"))
pred = recipe.predict(data, saved["model"], saved["state"], test, saved["settings"], context)
log.info("%s: predicted %d test rows on %s", saved["model"], test.num_rows, where)
columns = {name: pred[:, j] for j, name in enumerate(files.OUTPUTS[data])}
pd.DataFrame({"id": test.column("id").to_pylist(), **columns}).to_csv(
    snakemake.output.predictions, sep="\t", index=False, float_format="%.7g"
)

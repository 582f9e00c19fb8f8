"""Measured vs predicted per output of an other data set's test rows, replicate 1 of each model."""

from promoterbench import output_scores, runtime
from promoterbench.datasets import files
from promoterbench.plots.predictions import output_scatter

log = runtime.setup_logging(snakemake.log[0])
data, inp = snakemake.wildcards.dataset, snakemake.input
outputs = files.OUTPUTS[data]
ids, truth = output_scores.test_truth(inp.table, outputs)
preds = {
    name: output_scores.read_predictions(path, ids, outputs)
    for name, path in zip(snakemake.params.names, inp.predictions)
}
cell_type = snakemake.params.options.get("cell_type")
output_scatter(preds, truth, output_scores.labels(outputs, cell_type), snakemake.output.png, data)
log.info("wrote %s", snakemake.output.png)

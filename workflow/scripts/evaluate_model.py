"""Score one replicate's test predictions of an other data set: Pearson r and Spearman rho per
output and their means over the outputs (the ranking scores)."""

from promoterbench import output_scores, runtime
from promoterbench.datasets import files

log = runtime.setup_logging(snakemake.log[0])
data, inp = snakemake.wildcards.dataset, snakemake.input
outputs = files.OUTPUTS[data]
ids, truth = output_scores.test_truth(inp.table, outputs)
pred = output_scores.read_predictions(inp.predictions, ids, outputs)
labels = output_scores.labels(outputs, snakemake.params.options.get("cell_type"))
evaluation = output_scores.evaluate(truth, pred, labels)
evaluation.to_csv(snakemake.output.evaluation, sep="\t", index=False, float_format="%.6g")
log.info("%s:\n%s", inp.predictions, evaluation.to_string(index=False))

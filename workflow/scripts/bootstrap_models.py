"""Bootstrap an other data set's test rows and the replicates: intervals of both ranking scores,
the mean rank of every model, and the paired comparison of every two."""

from collections import defaultdict

from promoterbench import bootstrap, output_scores, runtime
from promoterbench.datasets import files

log = runtime.setup_logging(snakemake.log[0])
data, inp, params = snakemake.wildcards.dataset, snakemake.input, snakemake.params
outputs = files.OUTPUTS[data]
ids, truth = output_scores.test_truth(inp.table, outputs)
preds = defaultdict(list)
for name, path in zip(params.names, inp.predictions):
    preds[name].append(output_scores.read_predictions(path, ids, outputs))
cfg = params.bootstrap
log.info("%d resamples of %d test rows, %d models (%s replicates)", cfg["resamples"], len(ids),
         len(preds), ", ".join(str(len(p)) for p in preds.values()))  # fmt: skip
samples = bootstrap.resample_outputs(preds, truth, cfg["resamples"], cfg["seed"])
scores = output_scores.SCORES
bootstrap.summarise(samples, scores=scores).to_csv(
    snakemake.output.bootstrap, sep="\t", index=False, float_format="%.6g"
)
bootstrap.pairwise(samples, scores).to_csv(
    snakemake.output.pairwise, sep="\t", index=False, float_format="%.6g"
)

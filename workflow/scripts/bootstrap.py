"""Bootstrap the test set and the replicates: intervals of both scores, the mean rank of every
entry, and the paired comparison of every two entries."""

from collections import defaultdict

from promoterbench import bootstrap, formats, runtime, scoring, testset

log = runtime.setup_logging(snakemake.log[0])
inp, params = snakemake.input, snakemake.params
design, truth = testset.load(inp.test, inp.subsets, inp.public)
split = params.split
preds = defaultdict(list)
for name, path in zip(params.names, inp.submissions):
    pred = formats.read_submission(path, design.n)
    if split in scoring.scorable_splits(pred, design):
        preds[name].append(pred)
    else:
        log.info("%s does not cover the %s split: no bootstrap", path, split)
cfg = params.bootstrap
log.info("%d resamples of the %s split, %d entries (%s replicates)", cfg["resamples"], split,
         len(preds), ", ".join(str(len(p)) for p in preds.values()))  # fmt: skip
samples = bootstrap.resample(preds, truth, design, split, cfg["resamples"], cfg["seed"])
bootstrap.summarise(samples).to_csv(
    snakemake.output.bootstrap, sep="\t", index=False, float_format="%.6g"
)
bootstrap.pairwise(samples).to_csv(
    snakemake.output.pairwise, sep="\t", index=False, float_format="%.6g"
)

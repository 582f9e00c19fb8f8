"""Bootstrap the test set: intervals of both scores and the mean rank of every entry."""

from promoterbench import bootstrap, formats, runtime, scoring, testset

log = runtime.setup_logging(snakemake.log[0])
inp, params = snakemake.input, snakemake.params
design, truth = testset.load(inp.test, inp.subsets, inp.public)
split = params.split
preds = {}
for name, path in zip(params.names, inp.submissions):
    pred = formats.read_submission(path, design.n)
    if split in scoring.scorable_splits(pred, design):
        preds[name] = pred
    else:
        log.info("%s does not cover the %s split: no bootstrap", name, split)
cfg = params.bootstrap
log.info("%d resamples of the %s split, %d entries", cfg["resamples"], split, len(preds))
samples = bootstrap.resample(preds, truth, design, split, cfg["resamples"], cfg["seed"])
bootstrap.summarise(samples).to_csv(
    snakemake.output.bootstrap, sep="\t", index=False, float_format="%.6g"
)

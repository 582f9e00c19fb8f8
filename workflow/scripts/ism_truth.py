"""Draw the test sequences of the ISM comparison; their true ISM (the noise-free expression model,
the oracle's) and the oracle's agreement with it."""

from promoterbench import formats, ism, runtime, testset
from promoterbench import sequences as sq
from promoterbench.predictors import Oracle

log = runtime.setup_logging(snakemake.log[0])
cfg = snakemake.params.ism
sequences, _ = formats.read_official_txt(snakemake.input.test)
design = testset.TestDesign.from_ids(
    len(sequences), snakemake.input.subsets, snakemake.input.public
)
drawn = ism.draw(design, sequences, cfg["sequences"], cfg["seed"])
drawn.to_csv(snakemake.output.sequences, sep="\t", index=False)
sequences = sq.as_string_array(drawn["sequence"].tolist())
oracle = Oracle()
truth = ism.ism(oracle, drawn["id"].tolist(), sequences, region=ism.VARIABLE)
truth.to_parquet(snakemake.output.effects, index=False)
ism.agreement(truth, truth).to_csv(snakemake.output.scores, sep="\t", index=False)
log.info("true ISM of %d test sequences (%s): %d effects", len(drawn),
         drawn["category"].value_counts().to_dict(), len(truth))  # fmt: skip

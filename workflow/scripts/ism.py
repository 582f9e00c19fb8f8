"""A trained model's ISM of the drawn test sequences and, per sequence, its Pearson r with the
true ISM."""

import time

import pandas as pd

from promoterbench import ism, runtime
from promoterbench import sequences as sq
from promoterbench.predictors import SavedModel

log = runtime.setup_logging(snakemake.log[0])
runtime.set_threads(snakemake.threads, torch=True)
params = snakemake.params
model = SavedModel.load(snakemake.input.model, params.device, params.precision,
                        params.deterministic, progress=ism.quiet, log=log)  # fmt: skip
log.info("loaded %s", model.description)
drawn = pd.read_csv(snakemake.input.sequences, sep="\t", dtype={"id": str})
sequences = sq.as_string_array(drawn["sequence"].tolist())
start = time.perf_counter()
effects = ism.ism(model, drawn["id"].tolist(), sequences, region=ism.VARIABLE)
log.info("ISM of %d sequences (%d variants) in %.1f s", len(drawn),
         len(effects) + len(drawn), time.perf_counter() - start)  # fmt: skip
effects.to_parquet(snakemake.output.effects, index=False)
truth = pd.read_parquet(snakemake.input.truth).astype({"id": str})
scores = ism.agreement(effects, truth)
scores.to_csv(snakemake.output.scores, sep="\t", index=False, float_format="%.6f")
log.info("%s: mean r with the true ISM %.4f", model.name, scores["r_truth"].mean())

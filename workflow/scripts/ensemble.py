"""The ensemble reference's submission: the mean of the members' standardised predictions."""

from pathlib import Path

import numpy as np
import pandas as pd

from promoterbench import ensemble, formats, runtime

log = runtime.setup_logging(snakemake.log[0])
# results/{data}/predictions/{team}/rep{rep}.tsv
paths = {Path(p).parent.name: p for p in snakemake.input.predictions}
predictions = ensemble.standardised_mean(ensemble.read_predictions(paths))
log.info("ensemble replicate %s of %d models (%s): %d test predictions",
         snakemake.wildcards.rep, len(paths), ", ".join(snakemake.input.predictions),
         len(predictions))  # fmt: skip
pd.DataFrame({"index": np.arange(len(predictions)), "prediction": predictions}).to_csv(
    snakemake.output.predictions, sep="\t", index=False
)
formats.write_submission(snakemake.output.submission, predictions)

"""The ensemble reference's submission: the mean of the members' standardised predictions."""

from pathlib import Path

import numpy as np
import pandas as pd

from promoterbench import ensemble, formats, runtime

log = runtime.setup_logging(snakemake.log[0])
paths = {Path(p).stem: p for p in snakemake.input.predictions}
predictions = ensemble.standardised_mean(ensemble.read_predictions(paths))
log.info("ensemble of %d models (%s): %d test predictions",
         len(paths), ", ".join(paths), len(predictions))  # fmt: skip
pd.DataFrame({"index": np.arange(len(predictions)), "prediction": predictions}).to_csv(
    snakemake.output.predictions, sep="\t", index=False
)
formats.write_submission(snakemake.output.submission, predictions)

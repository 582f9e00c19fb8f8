"""Predict the test set with a trained team: TSV and the official submission JSON."""

import numpy as np
import pandas as pd

from promoterbench import formats, runtime, training
from promoterbench.predictors import SavedModel

log = runtime.setup_logging(snakemake.log[0])
runtime.set_threads(snakemake.threads, torch=True)
params = snakemake.params
try:
    model = SavedModel.load(
        snakemake.input.model, params.device, params.precision, params.deterministic, log=log
    )
except training.UnreadableFile as err:
    raise training.UnreadableFile(
        f"{err}; rebuild it with: snakemake --forcerun {snakemake.input.model}"
    ) from None
log.info("loaded %s", model.description)
sequences, _ = formats.read_official_txt(snakemake.input.test)
predictions = model.predict(sequences)
log.info(
    "%s: predicted %d test sequences on %s", model.name, len(predictions), model.context.device
)
if runtime.xla_metrics(model.context.device):
    log.info("XLA: %s", runtime.xla_metrics(model.context.device))
pd.DataFrame({"index": np.arange(len(predictions)), "prediction": predictions}).to_csv(
    snakemake.output.predictions, sep="\t", index=False
)
formats.write_submission(snakemake.output.submission, predictions)

"""Predict the test set with a trained team: TSV and the official submission JSON."""

import numpy as np
import pandas as pd

from promoterbench import formats, runtime, training
from promoterbench.teams import CLASS_KEY, get_team
from promoterbench.teams.base import FitContext

log = runtime.setup_logging(snakemake.log[0])
runtime.set_threads(snakemake.threads, torch=True)
params = snakemake.params
try:
    saved = training.load(snakemake.input.model)
except training.UnreadableFile as err:
    raise training.UnreadableFile(
        f"{err}; rebuild it with: snakemake --forcerun {snakemake.input.model}"
    ) from None
team = get_team(saved["team"], saved.get(CLASS_KEY))  # a plugin's class: as configured
device = runtime.resolve_device(params.device, params.deterministic)
runtime.check_device(device, params.device)
runtime.configure(device, params.deterministic)
sequences, _ = formats.read_official_txt(snakemake.input.test)
context = FitContext(device=device, precision=params.precision, log=log)
predictions = team.predict(saved["state"], sequences, saved["settings"], context)
log.info("%s: predicted %d test sequences on %s", team.name, len(predictions), device)
if runtime.xla_metrics(device):
    log.info("XLA: %s", runtime.xla_metrics(device))
pd.DataFrame({"index": np.arange(len(predictions)), "prediction": predictions}).to_csv(
    snakemake.output.predictions, sep="\t", index=False
)
formats.write_submission(snakemake.output.submission, predictions)

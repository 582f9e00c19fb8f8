"""One team's learning-rate trials as a table; the best validation r is marked."""

import json
from pathlib import Path

from promoterbench import runtime, tuning

log = runtime.setup_logging(snakemake.log[0])
trials = [json.loads(Path(path).read_text()) for path in snakemake.input.trials]
frame = tuning.table(trials)
frame.to_csv(snakemake.output.table, sep="\t", index=False)
log.info("wrote %s:\n%s", snakemake.output.table, frame.to_string(index=False))

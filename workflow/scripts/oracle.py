"""The oracle submission: the noise-free expression of every test sequence."""

import pandas as pd

from promoterbench import formats, runtime

log = runtime.setup_logging(snakemake.log[0])
truth = pd.read_csv(snakemake.input.truth, sep="\t")
formats.write_submission(snakemake.output.submission, truth["noise_free_expression"].to_numpy())
log.info("oracle: %d noise-free values", len(truth))

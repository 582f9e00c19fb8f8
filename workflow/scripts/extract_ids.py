"""Unpack the subset CSVs or public-leaderboard JSONs from an official tarball."""

from promoterbench import runtime
from promoterbench.download import extract_named

log = runtime.setup_logging(snakemake.log[0])
extract_named(snakemake.input.tarball, snakemake.params.names, snakemake.output.folder)

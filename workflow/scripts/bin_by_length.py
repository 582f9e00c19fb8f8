"""Partition the reads by length into a hive-style Parquet dataset."""

from promoterbench import runtime
from promoterbench.binning import bin_by_length

log = runtime.setup_logging(snakemake.log[0])
runtime.set_threads(snakemake.threads)
counts = bin_by_length(snakemake.input.reads, snakemake.output.bins, snakemake.output.counts)
log.info("%d length bins, %d reads", len(counts), sum(counts.values()))

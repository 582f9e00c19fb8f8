"""Validate the official training file into reads.parquet (+ QC and rejected lines).

Rejected lines and labels outside the sorting-bin range are also reported on stderr, so they are
seen on screen and not only in the log.
"""

from promoterbench import runtime
from promoterbench.ingest import ingest

log = runtime.setup_logging(snakemake.log[0])
runtime.set_threads(snakemake.threads)
cfg = snakemake.params.ingest
summary = ingest(
    snakemake.input.train,
    snakemake.output.reads,
    snakemake.output.rejected,
    snakemake.output.qc,
    min_length=cfg["min_length"],
    max_length=cfg["max_length"],
    max_rejected_fraction=cfg["max_rejected_fraction"],
    keep_rejected=snakemake.params.keep_rejected,
)
log.info("ingested: %s", dict(summary.rows()))
warning = summary.warning(snakemake.input.train, snakemake.output.rejected)
if warning:
    runtime.warn(log, warning)

"""Read an other data set's files into its validated table with the split, the QC table and the
rejected records (each named by file, line and reason)."""

from pathlib import Path

from promoterbench import runtime
from promoterbench.datasets import files, tables

log = runtime.setup_logging(snakemake.log[0])
data, out = snakemake.wildcards.dataset, snakemake.output
folder = Path(snakemake.input.files[0]).parent
table, qc, quarantine = files.read(data, folder, snakemake.params.options)
paths = {"table": out.table, "qc": out.qc, "rejected": out.rejected}
tables.write_outputs(files.TITLES[data], table, qc, quarantine, paths,
                     snakemake.params.max_rejected_fraction)  # fmt: skip
log.info("%s: %d rows; QC: %s", data, table.num_rows, dict(qc))

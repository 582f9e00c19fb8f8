"""Copy one cell type's table out of the lentiMPRA tarball."""

from pathlib import Path

from promoterbench import runtime
from promoterbench.datasets import lentimpra

log = runtime.setup_logging(snakemake.log[0])
out = Path(snakemake.output.table)
lentimpra.extract(snakemake.input.tarball, snakemake.wildcards.cell_type, out.parent)
log.info("extracted %s", out)

"""Fetch one official file of the challenge record (or link a local copy)."""

from pathlib import Path

from promoterbench import runtime
from promoterbench.download import fetch, link_local

log = runtime.setup_logging(snakemake.log[0])
source, dest = snakemake.params.source, Path(snakemake.output[0])
if source["local_dir"]:
    link_local(source["local_dir"], dest.name, dest)
else:
    fetch(source["url"], dest)

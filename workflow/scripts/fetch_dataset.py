"""Fetch one file of an other data set's record (or link a local copy), checked against its MD5."""

from promoterbench import runtime
from promoterbench.datasets import files, sources

log = runtime.setup_logging(snakemake.log[0])
data, name, source = snakemake.wildcards.dataset, snakemake.wildcards.file, snakemake.params.source
sources.obtain(files.RECORDS[data], name, snakemake.output[0], setting=data,
               local_dir=source["local_dir"], base_url=source["base_url"],
               verify=source["verify_md5"])  # fmt: skip

"""Simulate the synthetic GPRA world in the official file layout."""

from pathlib import Path

from promoterbench import runtime

log = runtime.setup_logging(snakemake.log[0])
runtime.set_threads(snakemake.threads, torch=True)

from promoterbench.simulate import write_world  # noqa: E402
from promoterbench.simulate.design import CategorySizes  # noqa: E402

cfg = snakemake.params.synthetic
summary = write_world(
    Path(snakemake.output.train).parent,
    cfg["seed"],
    cfg["train_reads"],
    CategorySizes(**cfg["test"]),
    cfg["probe_reads"],
)
log.info("synthetic world: %s", summary)

"""Combine the evaluations into the ranked leaderboard."""

from pathlib import Path

from promoterbench import leaderboard, runtime

log = runtime.setup_logging(snakemake.log[0])
names = snakemake.params.names
evaluations = dict(zip(names, snakemake.input.evaluations))
summaries = {Path(p).parent.name: p for p in snakemake.input.summaries}
kinds = {name: "external" for name in snakemake.params.external}
board = leaderboard.build(
    evaluations, summaries, kinds, snakemake.params.split, snakemake.wildcards.data
)
board.to_csv(snakemake.output.leaderboard, sep="\t", index=False, float_format="%.4f")
log.info("leaderboard (%s split):\n%s", snakemake.params.split, board.to_string(index=False))

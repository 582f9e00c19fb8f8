"""Apply one team's data recipe: kept read ids with their train/val fold, and what training on
them will need in memory."""

import json

from promoterbench import runtime
from promoterbench.selection import select_and_split
from promoterbench.teams import CLASS_KEY, get_team

log = runtime.setup_logging(snakemake.log[0])
cfg = snakemake.params.team
team = get_team(cfg["team"], cfg.get(CLASS_KEY))
settings = team.settings(cfg["scale"], cfg["overrides"])
split, summary = select_and_split(snakemake.input.bins, team, settings)
split.to_parquet(snakemake.output.split, index=False)
needs = team.memory_needs(settings, len(split))  # the train and predict rules' mem_mb
with open(snakemake.output.memory, "w") as fh:
    json.dump(needs, fh, indent=2)
summary.to_csv(snakemake.output.selection, sep="\t", index=False)
log.info("selection of %s:\n%s", team.name, summary.to_string(index=False))
log.info("memory needs of its training: %s", needs)

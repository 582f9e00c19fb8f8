"""Training curves of every model against its training FLOPs: the common probe's r (synthetic
data), otherwise each epoch's validation r."""

import json
from pathlib import Path

import pandas as pd

from promoterbench import runtime
from promoterbench.plots.training import training_curves
from promoterbench.probe import Probe

log = runtime.setup_logging(snakemake.log[0])
teams = snakemake.params.teams
probes = {t: pd.read_csv(p, sep="\t") for t, p in zip(teams, snakemake.input.probes)}
if snakemake.input.probe:
    curves = {t: c.rename(columns={"probe_r": "r"}) for t, c in probes.items()}
    ylabel = "probe r (measured labels of reads no model trained on)"
    ceiling = Probe.read(snakemake.input.probe, points=1).ceiling()
else:
    curves = {}
    for team, history, summary in zip(teams, snakemake.input.histories, snakemake.input.summaries):
        per_step = json.loads(Path(summary).read_text())["flops_per_step"]
        h = pd.read_csv(history, sep="\t")
        flops = h["steps"] * per_step if per_step else None
        curves[team] = pd.DataFrame({"train_flops": flops, "r": h.get("val_pearson_r")})
    ylabel, ceiling = "validation r", None
training_curves(curves, ylabel, ceiling, snakemake.output.png)
log.info("wrote %s", snakemake.output.png)

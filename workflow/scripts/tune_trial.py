"""One learning-rate trial of one team under the budget, scored on validation reads only."""

import json
from pathlib import Path

import pandas as pd

from promoterbench import flops, memory, replicates, runtime, selection, tuning
from promoterbench.scoring import correlations
from promoterbench.teams import CLASS_KEY, get_team
from promoterbench.teams.base import FitContext

log = runtime.setup_logging(snakemake.log[0])
runtime.set_threads(snakemake.threads, torch=True)
cfg, params = snakemake.params.team, snakemake.params
device = runtime.resolve_device(params.device, params.deterministic)  # before the FLOP count
runtime.check_device(device, params.device)
runtime.configure(device, params.deterministic)
team, factor = get_team(cfg["team"], cfg.get(CLASS_KEY)), float(snakemake.wildcards.factor)
replicate = int(snakemake.wildcards.rep)
base = team.settings(cfg["scale"], cfg["overrides"])
overrides = replicates.overrides(
    tuning.trial_overrides(cfg["overrides"], base, factor), base, replicate
)
settings, per_step = flops.budgeted_settings(team, cfg["scale"], overrides, params.budget)
key = tuning.lr_key(settings)
log.info("%s: %s = %g (%g × %g), seed %d, %s steps", team.name, key, settings["train"][key], factor,
         base["train"][key], settings["seed"], settings["train"].get("max_steps") or "the preset's")  # fmt: skip

step_mb = memory.check_device_memory(
    json.loads(Path(snakemake.input.memory).read_text()), settings, device
)
folds = selection.load_split(snakemake.input.bins, pd.read_parquet(snakemake.input.split))
train, val = folds["train"], folds["val"]
if len(val) == 0:  # trained without a validation split, as its authors did
    train, val = tuning.hold_out(train, int(base["seed"]))  # the same reads for every trial
    log.info("no validation split: %d of the training reads held out for the trial", len(val))
context = FitContext(device=device, precision=params.precision, log=log, step_mb=step_mb)
fitted = team.fit(train, val, settings, context)
r, rho = correlations(val.expression, team.predict(fitted.state, val.sequence, settings, context))
trial = {
    "team": team.name, "factor": factor, "replicate": replicate, "seed": settings["seed"],
    "setting": key, "value": settings["train"][key],
    "val_r": r, "val_rho": rho, "steps": fitted.state["steps"],
    "train_flops": per_step * fitted.state["steps"], "train_reads": len(train), "val_reads": len(val),
}  # fmt: skip
with open(snakemake.output.trial, "w") as fh:
    json.dump(trial, fh, indent=2)
log.info("validation r %.4f, rho %.4f", r, rho)

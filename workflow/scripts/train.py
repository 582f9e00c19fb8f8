"""Train one team on its split; save the model, the per-epoch history and a summary."""

import json
import time
from pathlib import Path

import pandas as pd
import torch

from promoterbench import flops, memory, probe, replicates, runtime, selection
from promoterbench.teams import CLASS_KEY, get_team
from promoterbench.teams.base import FitContext

log = runtime.setup_logging(snakemake.log[0])
threads = runtime.set_threads(snakemake.threads, torch=True)
cfg, params = snakemake.params.team, snakemake.params
team = get_team(cfg["team"], cfg.get(CLASS_KEY))
# the device before the FLOP count: torch's autograd engine sizes its device queues at the first
# backward pass, and one on the CPU before torch_xla's runtime is up leaves no queue for xla:0
# (runtime.open_device fails on a silent fallback; fp32 without TF32; determinism)
device, device_name, cuda = runtime.open_device(params.device, params.deterministic)
replicate = int(snakemake.wildcards.rep)
overrides = replicates.overrides(
    cfg["overrides"], team.settings(cfg["scale"], cfg["overrides"]), replicate
)
settings, per_step = flops.budgeted_settings(team, cfg["scale"], overrides, params.budget)
if per_step is not None and params.budget is not None:
    log.info("budget %.3g training FLOPs at %.4g a step: %d steps",
             params.budget, per_step, settings["train"]["max_steps"])  # fmt: skip
log.info("training %s replicate %d (seed %d, scale %s) on %s, %s, %d thread(s); settings: %s",
         team.name, replicate, settings["seed"], cfg["scale"], device_name, params.precision,
         threads, json.dumps(settings))  # fmt: skip

step_mb = memory.check_device_memory(
    json.loads(Path(snakemake.input.memory).read_text()), settings, device
)
folds = selection.load_split(snakemake.input.bins, pd.read_parquet(snakemake.input.split))
reads = (
    probe.Probe.read(snakemake.input.probe, params.probe["points"])
    if snakemake.input.probe
    else None
)
context = FitContext(device=device, precision=params.precision, log=log,
                     checkpoint_dir=params.checkpoints, probe=reads, step_mb=step_mb)  # fmt: skip
start, cpu_start = time.perf_counter(), time.process_time()
fitted = team.fit(folds["train"], folds["val"], settings, context)
seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start

torch.save(
    {
        "team": team.name,
        CLASS_KEY: cfg.get(CLASS_KEY),
        "settings": settings,
        "state": fitted.state,
        "n_params": fitted.n_params,
    },
    snakemake.output.model,
)
fitted.history.to_csv(snakemake.output.history, sep="\t", index=False)
curve = fitted.probe.assign(train_flops=fitted.probe["steps"] * per_step if per_step else None)
curve.to_csv(snakemake.output.probe, sep="\t", index=False)
final = [None, None]  # the trained model's r on the probe: labels, noise-free truth
if reads is not None:
    final = reads.measure(team.predict(fitted.state, reads.sequences, settings, context))
summary = {
    "team": team.name,
    "replicate": replicate,
    "seed": settings["seed"],
    "kind": team.kind,
    "architecture": team.architecture,
    "n_params": fitted.n_params,
    "train_seconds": round(seconds, 2),
    "train_cpu_seconds": round(cpu_seconds, 2),  # unaffected by jobs sharing the cores
    "train_reads": len(folds["train"]),
    "val_reads": len(folds["val"]),
    "best_epoch": fitted.state.get("best_epoch"),
    "steps": fitted.state.get("steps"),  # optimiser steps taken (train.max_steps caps them)
    "planned_steps": fitted.state.get("planned_steps"),  # what the recipe runs at most
    "flops_per_step": per_step,  # training FLOPs of one step (promoterbench.flops)
    "train_flops": per_step * fitted.state["steps"] if per_step is not None else None,
    "budget_flops": params.budget,
    "probe_r": final[0],
    "probe_r_truth": final[1],
    "probe_rise_last_quarter": probe.last_quarter_rise(fitted.probe),
    "still_learning": probe.still_learning(fitted.probe, params.probe["still_learning"]),
    **runtime.device_fields(device, device_name, params.precision, threads, cuda),
    "scale": cfg["scale"],
    "settings": settings,
}
runtime.finish_training(snakemake.output.summary, summary, params.checkpoints)
log.info("trained %s replicate %d in %.1f s (%d parameters)",
         team.name, replicate, seconds, fitted.n_params)  # fmt: skip
if summary["xla"]:
    log.info("XLA: %s", summary["xla"])

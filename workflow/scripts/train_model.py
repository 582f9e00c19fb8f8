"""Train one model of an other data set on its selected rows; save the model, the per-epoch
history and a summary."""

import json
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import torch

from promoterbench import architectures, memory, replicates, runtime
from promoterbench.architectures import recipe
from promoterbench.fitting import FitContext

log = runtime.setup_logging(snakemake.log[0])
threads = runtime.set_threads(snakemake.threads, torch=True)
cfg, params, data = snakemake.params.model, snakemake.params, snakemake.wildcards.dataset
model = cfg["model"]
device, device_name, cuda = runtime.open_device(params.device, params.deterministic)
replicate = int(snakemake.wildcards.rep)
settings = architectures.settings(data, model, cfg["scale"], cfg["overrides"])
overrides = replicates.overrides(cfg["overrides"], settings, replicate)
settings = architectures.settings(data, model, cfg["scale"], overrides)
log.info("training %s on %s, replicate %d (seed %d, scale %s) on %s, %s, %d thread(s); "
         "settings: %s", model, data, replicate, settings["seed"], cfg["scale"], device_name,
         params.precision, threads, json.dumps(settings))  # fmt: skip
step_mb = memory.check_device_memory(
    json.loads(Path(snakemake.input.memory).read_text()), settings, device
)
table = pq.read_table(snakemake.input.table)
selection = pd.read_parquet(snakemake.input.selection)
train, val = (recipe.take(table, selection, split) for split in ("train", "val"))
context = FitContext(device=device, precision=params.precision, log=log,
                     checkpoint_dir=params.checkpoints, step_mb=step_mb)  # fmt: skip
start, cpu_start = time.perf_counter(), time.process_time()
fitted = recipe.fit(data, model, train, val, settings, context)
seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start

torch.save(
    {"data": data, "model": model, "settings": settings, "state": fitted.state,
     "n_params": fitted.n_params},
    snakemake.output.model,
)  # fmt: skip
fitted.history.to_csv(snakemake.output.history, sep="\t", index=False)
summary = {
    "team": model,
    "data": data,
    "replicate": replicate,
    "seed": settings["seed"],
    "kind": "baseline" if model == architectures.BASELINE else "model",
    "n_params": fitted.n_params,
    "train_seconds": round(seconds, 2),
    "train_cpu_seconds": round(cpu_seconds, 2),  # unaffected by jobs sharing the cores
    "train_rows": train.num_rows,
    "val_rows": val.num_rows,
    "best_epoch": fitted.state.get("best_epoch"),
    "steps": fitted.state.get("steps"),  # optimiser steps taken (train.max_steps caps them)
    "planned_steps": fitted.state.get("planned_steps"),  # what the recipe runs at most
    **runtime.device_fields(device, device_name, params.precision, threads, cuda),
    "scale": cfg["scale"],
    "settings": settings,
}
runtime.finish_training(snakemake.output.summary, summary, params.checkpoints)
log.info("trained %s on %s, replicate %d, in %.1f s (%d parameters)",
         model, data, replicate, seconds, fitted.n_params)  # fmt: skip

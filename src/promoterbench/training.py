"""The one training loop every torch team shares.

The team supplies the recipe (batches, inputs, targets, loss, optimiser, scheduler); the trainer
owns the rest: seeding, device and precision, validation metrics, early stopping on the team's
monitor, a history row per epoch, the probe's curve (:mod:`promoterbench.probe`, when the context
has one), progress in the log, and a checkpoint after every epoch (written atomically next to, not
inside, the rule's outputs) from which a killed job resumes.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import pickle
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd
import torch

from promoterbench import memory, runtime, transfer
from promoterbench.fitting import Encoded, FitContext
from promoterbench.probe import CURVE_COLUMNS
from promoterbench.sampling import PassStream
from promoterbench.scoring import correlations
from promoterbench.settings import MONITORS

HISTORY_COLUMNS = [
    "epoch", "steps", "train_loss", "val_loss", "val_pearson_r", "val_spearman_rho",
    "val_r2_score", "lr", "seconds", "samples_per_s",
]  # fmt: skip


def r2_score(truth: np.ndarray, pred: np.ndarray) -> float:
    """Coefficient of determination 1 - SSE/SST."""
    sst = float(((truth - truth.mean()) ** 2).sum())
    return float("nan") if sst == 0 else 1.0 - float(((truth - pred) ** 2).sum()) / sst


def metrics(truth: np.ndarray, pred: np.ndarray) -> tuple[float, float, float]:
    """Pearson r, Spearman rho and R² of predictions; for several outputs (one column each),
    the mean over the outputs of each."""
    if truth.ndim == 1:
        return (*correlations(truth, pred), r2_score(truth.astype(np.float64), pred))
    per_output = [metrics(truth[:, j], pred[:, j]) for j in range(truth.shape[1])]
    return tuple(float(np.mean(values)) for values in zip(*per_output))


def monitor_value(monitor: str, row: dict) -> float:
    r, rho = row["val_pearson_r"], row["val_spearman_rho"]
    values = {
        "r": r,
        "r+rho": r + rho,
        "r2": r * r,
        "r2_score": row["val_r2_score"],
        "val_loss": row["val_loss"],
    }
    return values[monitor]


@dataclass
class EarlyStopping:
    """Best-so-far tracking with patience (epochs without improvement)."""

    monitor: str
    patience: int | None
    best: float | None = None
    best_epoch: int = 0
    bad_epochs: int = 0

    def update(self, epoch: int, value: float) -> bool:
        """Record an epoch's monitor value; True when it is the best so far."""
        mode = MONITORS[self.monitor]
        better = self.best is None or (value > self.best if mode == "max" else value < self.best)
        if not math.isnan(value) and better:
            self.best, self.best_epoch, self.bad_epochs = value, epoch, 0
            return True
        self.bad_epochs += 1
        return False

    @property
    def stop(self) -> bool:
        return self.patience is not None and self.bad_epochs >= self.patience


PRECISIONS = ("fp32", "bf16", "fp16")


def autocast(device: torch.device, precision: str):
    """Mixed-precision context for the forward pass (fp32: none)."""
    if precision == "fp32":
        return nullcontext()
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
    if dtype is None:
        raise ValueError(f"unknown precision {precision!r}: choose one of {', '.join(PRECISIONS)}")
    return torch.autocast(device.type, dtype=dtype)


def inference(device: torch.device):
    """No-gradient context for validation and prediction: inference mode, except on XLA, where
    torch_xla 2.9 fails in it ("Cannot set version_counter for inference tensor")."""
    return torch.no_grad() if device.type == "xla" else torch.inference_mode()


def fingerprint(*parts: object) -> str:
    """Stable hash of settings and data sizes: a checkpoint only resumes the same run."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


class UnreadableFile(ValueError):
    """A model or checkpoint file that torch cannot load safely."""


def load(path: str | os.PathLike) -> dict:
    """A model or checkpoint file, loaded with ``weights_only=True``: tensors and plain Python
    values only, so a file made elsewhere cannot run code. Raises UnreadableFile naming it."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch reports truncation and refused objects in several types
        lines = str(err).strip().splitlines()  # the first sentence says what went wrong
        reason = f"{type(err).__name__}: {lines[0].split('. ')[0]}" if lines else type(err).__name__
        if isinstance(err, pickle.UnpicklingError):
            reason += "; it holds more than tensors and plain values, whose loading could run code"
        raise UnreadableFile(f"{path} cannot be read ({reason})") from err


def _to_cpu(obj):
    """A copy of nested state with every tensor on the CPU (XLA/CUDA tensors saved portably)."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu().clone()
    if isinstance(obj, dict):
        return {k: _to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_cpu(v) for v in obj)
    return copy.deepcopy(obj)


@dataclass
class TrainState:
    """Everything an epoch changes, and a checkpoint restores."""

    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: object
    step_on: str | None
    scaler: torch.amp.GradScaler | None
    stopper: EarlyStopping
    target_params: dict
    rng: np.random.Generator
    planned_steps: int
    stream: PassStream
    forward: torch.nn.Module  # the model, or its torch.compile'd training forward pass
    best_state: dict = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)
    probe: list[dict] = field(default_factory=list)  # the probe's curve so far
    epoch: int = 0
    steps: int = 0  # optimiser steps taken


class Recipe(Protocol):
    """The hooks the Trainer calls (what :class:`~promoterbench.teams.torch_team.TorchTeam`
    provides); typed here so that this module imports no team."""

    name: str

    def build_model(self, settings: dict) -> torch.nn.Module: ...
    def optimizer(self, model: torch.nn.Module, settings: dict) -> torch.optim.Optimizer: ...
    def scheduler(self, optimizer: torch.optim.Optimizer, settings: dict, steps_per_epoch: int): ...
    def steps_per_epoch(self, n: int, settings: dict) -> int: ...
    def fit_target(self, train: Encoded, val: Encoded, settings: dict) -> dict: ...
    def batches(self, data: Encoded, settings: dict, rng, stream: PassStream) -> list: ...
    def eval_batches(self, data: Encoded, size: int) -> list[np.ndarray]: ...
    def inputs(self, data: Encoded, idx: np.ndarray, device: torch.device, settings: dict): ...
    def targets(
        self, data: Encoded, idx: np.ndarray, params: dict, device: torch.device
    ) -> torch.Tensor: ...
    def loss(self, output: torch.Tensor, target: torch.Tensor, settings: dict) -> torch.Tensor: ...
    def regularization(self, model: torch.nn.Module, settings: dict) -> torch.Tensor | float: ...
    def clip_gradients(self, model: torch.nn.Module, settings: dict) -> None: ...
    def prediction(self, output: torch.Tensor, params: dict) -> torch.Tensor: ...
    def predict_encoded(
        self, trainer: Trainer, model: torch.nn.Module, data: Encoded, params: dict
    ) -> np.ndarray: ...
    def encode_test(self, sequences, settings: dict) -> Encoded: ...


class Trainer:
    """Runs one team's training recipe (see module docstring)."""

    def __init__(self, team: Recipe, settings: dict, context: FitContext) -> None:
        self.team, self.settings, self.context = team, settings, context
        self.cfg = settings["train"]
        self.device = torch.device(context.device)
        self.precision = context.precision
        self.log = context.log
        self.max_steps = self.cfg.get("max_steps")
        self.probe = context.probe
        self.progress = True  # log evaluation progress (not for the probe's short measurements)
        self.probe_data: Encoded | None = None
        self.probe_curve = pd.DataFrame(columns=CURVE_COLUMNS)
        # prediction batch: smaller on CPUs, where larger ones are slower (see memory.py)
        self.eval_batch_size = context.eval_batch_size or (
            memory.CPU_EVAL_BATCH if self.device.type == "cpu" else memory.ACCELERATOR_EVAL_BATCH
        )
        if self.precision == "fp16" and self.device.type != "cuda":
            raise ValueError(
                "precision: fp16 needs device: cuda (bf16 works on CPUs, GPUs and TPUs)"
            )

    # -- prediction and validation -----------------------------------------------------------
    def _eval_outputs(self, model: torch.nn.Module, data: Encoded):
        """(batch indices, model outputs on the CPU) for every evaluation batch. On XLA a short
        last batch is padded (repeating its last read) to the full size: one graph, not two."""
        size = self.eval_batch_size
        batches = self.team.eval_batches(data, size)
        report, start, done = max(1, len(batches) // 10), time.perf_counter(), 0
        model.eval()
        with inference(self.device), autocast(self.device, self.precision):
            for b, idx in enumerate(batches, start=1):
                rows = idx
                if self.device.type == "xla" and len(idx) < size:
                    rows = np.concatenate([idx, np.full(size - len(idx), idx[-1])])
                x = self.team.inputs(data, rows, self.device, self.settings)
                yield idx, model(x).float().cpu()[: len(idx)]
                done += len(idx)
                if self.progress and self.context.progress is not None:
                    self.context.progress(done, len(data))
                elif self.progress and b % report == 0 and b < len(batches):
                    rate = done / (time.perf_counter() - start)
                    self.log.info("evaluated %d / %d sequences, %.0f/s", done, len(data), rate)

    def predict_outputs(
        self, model: torch.nn.Module, data: Encoded, target_params: dict
    ) -> np.ndarray:
        """Model predictions on the label scale (team's inverse target transform applied): one
        per read, or a column per output where the data's targets have several."""
        out = np.zeros(data.target.shape, dtype=np.float32)
        for idx, output in self._eval_outputs(model, data):
            out[idx] = self.team.prediction(output, target_params).numpy()
        return out

    def _validate(
        self, model: torch.nn.Module, val: Encoded, target_params: dict
    ) -> tuple[float, ...]:
        """Validation loss, Pearson r, Spearman rho and R² on the label scale (each the mean over
        the outputs where there are several)."""
        if len(val) == 0:
            return (float("nan"),) * 4
        loss_sum, pred = 0.0, np.zeros(val.target.shape, dtype=np.float32)
        cpu = torch.device("cpu")
        for idx, out in self._eval_outputs(model, val):  # loss and metrics on the host
            y = self.team.targets(val, idx, target_params, cpu)
            loss_sum += float(self.team.loss(out, y, self.settings)) * len(idx)
            pred[idx] = self.team.prediction(out, target_params).numpy()
        return (loss_sum / len(val), *metrics(val.target, pred))

    # -- training ------------------------------------------------------------------------------
    def setup(self, train: Encoded, val: Encoded) -> TrainState:
        """Seed everything and build the model, optimiser, scheduler and stopping rule."""
        seed = int(self.settings["seed"])
        torch.manual_seed(seed)
        model = self.team.build_model(self.settings).to(self.device)
        optimizer = self.team.optimizer(model, self.settings)
        if self.cfg.get("fused_optimizer") and not optimizer.defaults.get("fused"):
            raise ValueError(
                f"{self.team.name}: train.fused_optimizer is set, but its optimiser "
                f"({type(optimizer).__name__}) has no fused kernel (Adam, AdamW and SGD have)"
            )
        steps = self.team.steps_per_epoch(len(train), self.settings)
        scheduler, step_on = self.team.scheduler(optimizer, self.settings, steps)
        monitor = self.cfg.get("monitor", "none") if len(val) else "none"
        rng = np.random.default_rng(seed)
        return TrainState(
            model=model,
            optimizer=optimizer,
            scheduler=scheduler,
            step_on=step_on,
            scaler=torch.amp.GradScaler("cuda") if self.precision == "fp16" else None,
            stopper=EarlyStopping(monitor, self.cfg.get("patience")),
            target_params=self.team.fit_target(train, val, self.settings),
            rng=rng,
            stream=PassStream(len(train), rng),
            planned_steps=steps * int(self.cfg["max_epochs"]),
            forward=torch.compile(model) if self.cfg.get("compile") else model,
            best_state=_to_cpu(model.state_dict()),
        )

    def step(self, state: TrainState, data: Encoded, idx: np.ndarray) -> torch.Tensor:
        """One optimisation step on the reads ``idx``; returns the loss (still on the device)."""
        team, device = self.team, self.device
        x = team.inputs(data, idx, device, self.settings)
        y = team.targets(data, idx, state.target_params, device)
        with autocast(device, self.precision):
            out = state.forward(x)
        loss = team.loss(out.float(), y, self.settings) + team.regularization(
            state.model, self.settings
        )
        state.optimizer.zero_grad(set_to_none=True)
        if state.scaler is not None:  # fp16: scale the loss, unscale before clipping
            state.scaler.scale(loss).backward()
            state.scaler.unscale_(state.optimizer)
        else:
            loss.backward()
        team.clip_gradients(state.model, self.settings)
        if state.scaler is not None:
            state.scaler.step(state.optimizer)
            state.scaler.update()
        else:
            state.optimizer.step()
        if state.step_on == "batch":
            state.scheduler.step()
        runtime.sync_device(device)  # XLA: run this step's graph now
        state.steps += 1
        return loss.detach()

    def _measure_probe(self, state: TrainState) -> None:
        """The probe's r now (test-time predictions in evaluation mode; nothing training uses
        changes), appended to the curve."""
        self.progress = False
        pred = self.team.predict_encoded(self, state.model, self.probe_data, state.target_params)
        self.progress = True
        r, r_truth = self.probe.measure(pred)
        state.probe.append(dict(zip(CURVE_COLUMNS, [state.steps, r, r_truth])))
        self.log.info("probe at step %d: r %.4f, r with the noise-free truth %.4f",
                      state.steps, r, r_truth)  # fmt: skip
        state.model.train()

    def _train_epoch(
        self, state: TrainState, train: Encoded, epoch: int
    ) -> tuple[float, int, float]:
        """One epoch; (mean training loss, samples, seconds). Progress goes to the log."""
        state.model.train()
        start, seen = time.perf_counter(), 0
        loss_sum = torch.zeros((), device=self.device)  # summed on the device: no sync per batch
        batches = self.team.batches(train, self.settings, state.rng, state.stream)
        if self.max_steps is not None:  # a capped run stops mid-epoch; the schedule is unchanged
            batches = batches[: max(0, int(self.max_steps) - state.steps)]
        report = max(1, len(batches) // 5)
        total = min(state.planned_steps, int(self.max_steps or state.planned_steps))
        every = self.probe.interval(total) if self.probe is not None else 0
        for b, idx in enumerate(batches, start=1):
            loss_sum += self.step(state, train, idx) * len(idx)
            if every and (state.steps % every == 0 or state.steps == total):
                self._measure_probe(state)
            seen += len(idx)
            if b % report == 0 or b == len(batches):
                rate = seen / (time.perf_counter() - start)
                self.log.info("epoch %d: batch %d/%d, loss %.4f, %.0f samples/s",
                              epoch, b, len(batches), float(loss_sum) / seen, rate)  # fmt: skip
        return float(loss_sum) / max(seen, 1), seen, time.perf_counter() - start

    def _checkpoint(self, state: TrainState, key: str) -> None:
        """Write everything needed to resume after this epoch, atomically."""
        path = self._checkpoint_path()
        if path is None:
            return
        payload = {
            "fingerprint": key, "epoch": state.epoch, "steps": state.steps, "model": state.model.state_dict(),
            "optimizer": state.optimizer.state_dict(),
            "scheduler": state.scheduler.state_dict() if state.scheduler is not None else None,
            "scaler": state.scaler.state_dict() if state.scaler is not None else None,
            "stopper": dict(state.stopper.__dict__), "best_state": state.best_state,
            "history": state.history, "probe": state.probe, "target_params": state.target_params,
            "torch_rng": torch.get_rng_state(), "device_rng": runtime.rng_state(self.device),
            "numpy_rng": state.rng.bit_generator.state,
            "stream": state.stream.state_dict(),
        }  # fmt: skip
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        torch.save(_to_cpu(payload), tmp)
        os.replace(tmp, path)

    def _resume(self, state: TrainState, key: str) -> None:
        """Continue from the last checkpoint of the same run, if there is one. One that cannot be
        read (truncated, corrupt, or holding more than tensors and plain values) is moved next to
        the checkpoint folder (which goes once training succeeds), as ``FOLDER.last.pt.corrupt``,
        with a warning in the log and on screen, and training starts afresh."""
        path = self._checkpoint_path()
        if path is None or not path.exists():
            return
        try:
            saved = load(path)
        except UnreadableFile as err:
            aside = path.parent.with_name(f"{path.parent.name}.{path.name}.corrupt")
            os.replace(path, aside)
            runtime.warn(self.log, f"{err}; moved it to {aside} (kept), training starts afresh")
            return
        if saved.get("fingerprint") != key:
            self.log.info("ignoring checkpoint %s: it belongs to other settings or data", path)
            return
        state.model.load_state_dict(saved["model"])
        state.optimizer.load_state_dict(saved["optimizer"])
        if state.scheduler is not None:
            state.scheduler.load_state_dict(saved["scheduler"])
        if state.scaler is not None:
            state.scaler.load_state_dict(saved["scaler"])
        state.stopper = EarlyStopping(**saved["stopper"])
        state.best_state, state.history = saved["best_state"], saved["history"]
        state.probe = saved["probe"]
        state.target_params, state.epoch = saved["target_params"], saved["epoch"]
        state.steps = saved["steps"]
        torch.set_rng_state(saved["torch_rng"])
        runtime.set_rng_state(self.device, saved.get("device_rng"))
        state.rng.bit_generator.state = saved["numpy_rng"]
        state.stream.load_state_dict(saved["stream"])
        self.log.info("resuming from checkpoint %s after epoch %d", path, state.epoch)

    def _check_finite(self, epoch: int, train_loss: float, val_loss: float) -> None:
        """Fail at once on a non-finite epoch loss: every later epoch would be wasted."""
        if math.isfinite(train_loss) and math.isfinite(val_loss):
            return
        raise FloatingPointError(
            f"{self.team.name}: epoch {epoch} ended with training loss {train_loss} and "
            f"validation loss {val_loss} on {self.device.type} in {self.precision}: the model "
            "diverged or overflowed (try precision: fp32 or bf16, a smaller learning rate, or "
            "another seed); the last checkpoint is from the epoch before"
        )

    def _stage(self, *datasets: Encoded) -> None:
        """Put the codes and labels of the training and validation reads on a GPU once, where
        they fit (:mod:`promoterbench.transfer`): each batch is then gathered there."""
        for data, name in zip(datasets, ("training", "validation")):
            if transfer.should_stage(data, self.device, self.context.step_mb):
                transfer.stage(data, self.device)
                self.log.info("%s reads staged on %s: %.1f MB", name, self.device,
                              transfer.staged_bytes(data) / memory.MB)  # fmt: skip

    def _capped(self, state: TrainState) -> bool:
        return self.max_steps is not None and state.steps >= int(self.max_steps)

    def _checkpoint_path(self) -> Path | None:
        if self.context.checkpoint_dir is None:
            return None
        return Path(self.context.checkpoint_dir) / "last.pt"

    def fit(self, train: Encoded, val: Encoded) -> tuple[torch.nn.Module, pd.DataFrame, dict]:
        """Train; returns the model with the best monitored weights, the history and the target
        transform. Resumes from a checkpoint of the same run; writes one after every epoch."""
        state = self.setup(train, val)
        self._stage(train, val)
        if self.probe is not None:
            self.probe_data = self.team.encode_test(self.probe.sequences, self.settings)
        key = fingerprint(self.settings, len(train), len(val), self.device.type, self.precision)
        self._resume(state, key)
        monitor = state.stopper.monitor
        for epoch in range(state.epoch + 1, int(self.cfg["max_epochs"]) + 1):
            if state.stopper.stop or self._capped(state):
                break
            train_loss, seen, seconds = self._train_epoch(state, train, epoch)
            val_loss, r, rho, r2s = self._validate(state.model, val, state.target_params)
            self._check_finite(epoch, train_loss, val_loss if len(val) else 0.0)
            lr = state.optimizer.param_groups[0]["lr"]
            if state.step_on == "epoch":
                state.scheduler.step()
            elif state.step_on == "plateau":
                state.scheduler.step(val_loss)
            row = dict(zip(HISTORY_COLUMNS, [epoch, state.steps, train_loss, val_loss, r, rho, r2s,
                                             lr, seconds, seen / seconds]))  # fmt: skip
            state.history.append(row)
            self.log.info("epoch %d done: train loss %.4f, val loss %.4f, val r %.4f, val rho %.4f, %.1f s",
                          epoch, train_loss, val_loss, r, rho, seconds)  # fmt: skip
            if monitor == "none":  # no validation: the last epoch is the model
                state.best_state, state.stopper.best_epoch = (
                    _to_cpu(state.model.state_dict()),
                    epoch,
                )
            elif state.stopper.update(epoch, monitor_value(monitor, row)):
                state.best_state = _to_cpu(state.model.state_dict())
            state.epoch = epoch
            self._checkpoint(state, key)
        if state.stopper.stop:
            self.log.info(
                "early stopping: no %s improvement for %d epochs", monitor, state.stopper.patience
            )
        if self._capped(state):
            self.log.info("stopped at train.max_steps = %d optimiser steps (the recipe runs up to %d)",
                          self.max_steps, state.planned_steps)  # fmt: skip
        state.model.load_state_dict(state.best_state)
        self.probe_curve = pd.DataFrame(state.probe, columns=CURVE_COLUMNS)
        info = {
            "target_params": state.target_params,
            "best_epoch": state.stopper.best_epoch or state.epoch,
            "steps": state.steps,
            "planned_steps": state.planned_steps,
        }
        return state.model, pd.DataFrame(state.history, columns=HISTORY_COLUMNS), info

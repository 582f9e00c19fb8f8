"""The one training loop every torch team shares.

The team supplies the recipe (batches, inputs, targets, loss, optimiser, scheduler); the trainer
owns the rest: seeding, device and precision, validation metrics, early stopping on the team's
monitor, a history row per epoch, progress in the log, and a checkpoint after every epoch (written
atomically next to, not inside, the rule's outputs) from which a killed job resumes.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch
from scipy import stats

if TYPE_CHECKING:
    from promoterbench.teams.torch_team import TorchTeam
    from promoterbench.teams.base import FitContext

HISTORY_COLUMNS = [
    "epoch", "train_loss", "val_loss", "val_pearson_r", "val_spearman_rho", "val_r2_score", "lr",
    "seconds", "samples_per_s",
]  # fmt: skip
# what early stopping and checkpoint selection can watch: r+rho, r² (squared Pearson r),
# r2_score (coefficient of determination, Keras' R²), validation loss, or nothing (last epoch)
MONITORS = {"r+rho": "max", "r2": "max", "r2_score": "max", "val_loss": "min", "none": None}


@dataclass
class Encoded:
    """Reads as a team encodes them: uint8 codes, raw labels, per-read extras."""

    codes: np.ndarray
    target: np.ndarray
    extras: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.target)


def correlations(truth: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    """Pearson r and Spearman ρ (NaN when undefined)."""
    if len(truth) < 2 or np.std(pred) == 0 or np.std(truth) == 0:
        return float("nan"), float("nan")
    return float(stats.pearsonr(truth, pred)[0]), float(stats.spearmanr(truth, pred)[0])


def r2_score(truth: np.ndarray, pred: np.ndarray) -> float:
    """Coefficient of determination 1 - SSE/SST."""
    sst = float(((truth - truth.mean()) ** 2).sum())
    return float("nan") if sst == 0 else 1.0 - float(((truth - pred) ** 2).sum()) / sst


def monitor_value(monitor: str, row: dict) -> float:
    r, rho = row["val_pearson_r"], row["val_spearman_rho"]
    values = {
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


def autocast(device: torch.device, precision: str):
    """bf16 autocast where asked for; fp32 otherwise."""
    if precision == "fp32":
        return nullcontext()
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    raise ValueError(f"unknown precision {precision!r} (fp32 or bf16)")


def fingerprint(*parts: object) -> str:
    """Stable hash of settings and data sizes: a checkpoint only resumes the same run."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


class Trainer:
    """Runs one team's training recipe (see module docstring)."""

    def __init__(self, team: "TorchTeam", settings: dict, context: "FitContext") -> None:
        self.team, self.settings, self.context = team, settings, context
        self.cfg = settings["train"]
        self.device = torch.device(context.device)
        self.log = context.log

    @property
    def eval_batch_size(self) -> int:
        """Prediction batch: 128 on CPUs (larger batches allocate and page-fault far more: 2.4x
        slower for LegNet here), 1,024 on accelerators."""
        return 128 if self.device.type == "cpu" else 1024

    def _checkpoint_path(self) -> Path | None:
        if self.context.checkpoint_dir is None:
            return None
        return Path(self.context.checkpoint_dir) / "last.pt"

    def _save(self, path: Path | None, payload: dict) -> None:
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        torch.save(payload, tmp)
        os.replace(tmp, path)

    def predict_outputs(
        self, model: torch.nn.Module, data: Encoded, target_params: dict
    ) -> np.ndarray:
        """Model predictions on the label scale (team's inverse target transform applied)."""
        model.eval()
        out = np.zeros(len(data), dtype=np.float32)
        batch = self.eval_batch_size
        with torch.inference_mode(), autocast(self.device, self.context.precision):
            for idx in self.team.eval_batches(data, batch):
                x = self.team.inputs(data, idx, self.device, self.settings)
                out[idx] = self.team.prediction(model(x).float(), target_params).cpu().numpy()
        return out

    def _validate(
        self, model: torch.nn.Module, val: Encoded, target_params: dict
    ) -> tuple[float, ...]:
        """Validation loss, Pearson r, Spearman rho and R² on the label scale."""
        if len(val) == 0:
            return (float("nan"),) * 4
        model.eval()
        loss_sum, pred = 0.0, np.zeros(len(val), dtype=np.float32)
        batch = self.eval_batch_size
        with torch.inference_mode(), autocast(self.device, self.context.precision):
            for idx in self.team.eval_batches(val, batch):
                out = model(self.team.inputs(val, idx, self.device, self.settings)).float()
                y = self.team.targets(val, idx, target_params, self.device)
                loss_sum += float(self.team.loss(out, y, self.settings)) * len(idx)
                pred[idx] = self.team.prediction(out, target_params).cpu().numpy()
        r, rho = correlations(val.target, pred)
        return loss_sum / len(val), r, rho, r2_score(val.target.astype(np.float64), pred)

    def fit(self, train: Encoded, val: Encoded) -> tuple[torch.nn.Module, pd.DataFrame, dict]:
        """Train; returns the model with the best monitored weights, the history and the target transform."""
        cfg, team, device, log = self.cfg, self.team, self.device, self.log
        seed = int(self.settings["seed"])
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        model = team.build_model(self.settings).to(device)
        target_params = team.fit_target(train, val, self.settings)
        optimizer = team.optimizer(model, self.settings)
        steps = team.steps_per_epoch(len(train), self.settings)
        scheduler, step_on = team.scheduler(optimizer, self.settings, steps)
        monitor = cfg.get("monitor", "none") if len(val) else "none"
        stopper = EarlyStopping(monitor, cfg.get("patience"))
        best_state = copy.deepcopy(model.state_dict())
        history: list[dict] = []
        start = 1
        ckpt = self._checkpoint_path()
        key = fingerprint(self.settings, len(train), len(val), str(device), self.context.precision)
        if ckpt is not None and ckpt.exists():
            saved = torch.load(ckpt, map_location=device, weights_only=False)
            if saved.get("fingerprint") == key:
                model.load_state_dict(saved["model"])
                optimizer.load_state_dict(saved["optimizer"])
                if scheduler is not None:
                    scheduler.load_state_dict(saved["scheduler"])
                stopper = EarlyStopping(**saved["stopper"])
                best_state, history = saved["best_state"], saved["history"]
                target_params = saved["target_params"]
                torch.set_rng_state(saved["torch_rng"])
                rng.bit_generator.state = saved["numpy_rng"]
                start = saved["epoch"] + 1
                log.info("resuming from checkpoint %s after epoch %d", ckpt, saved["epoch"])
            else:
                log.info("ignoring checkpoint %s: it belongs to other settings or data", ckpt)
        max_epochs = int(cfg["max_epochs"])
        clip = cfg.get("clip_grad_norm")
        for epoch in range(start, max_epochs + 1):
            if stopper.stop:
                break
            model.train()
            t0, seen, loss_sum = time.perf_counter(), 0, 0.0
            batches = team.batches(train, self.settings, rng)
            report = max(1, len(batches) // 5)
            for b, idx in enumerate(batches, start=1):
                x = team.inputs(train, idx, device, self.settings)
                y = team.targets(train, idx, target_params, device)
                with autocast(device, self.context.precision):
                    out = model(x)
                loss = team.loss(out.float(), y, self.settings) + team.regularization(
                    model, self.settings
                )
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if clip:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), float(clip))
                optimizer.step()
                if step_on == "batch":
                    scheduler.step()
                team.after_step(device)
                seen += len(idx)
                loss_sum += float(loss.detach()) * len(idx)
                if b % report == 0 or b == len(batches):
                    rate = seen / (time.perf_counter() - t0)
                    log.info(
                        "epoch %d: batch %d/%d, loss %.4f, %.0f samples/s",
                        epoch,
                        b,
                        len(batches),
                        loss_sum / seen,
                        rate,
                    )
            val_loss, r, rho, r2s = self._validate(model, val, target_params)
            lr = optimizer.param_groups[0]["lr"]
            if step_on == "epoch":
                scheduler.step()
            elif step_on == "plateau":
                scheduler.step(val_loss)
            seconds = time.perf_counter() - t0
            row = dict(
                zip(
                    HISTORY_COLUMNS,
                    [
                        epoch,
                        loss_sum / max(seen, 1),
                        val_loss,
                        r,
                        rho,
                        r2s,
                        lr,
                        seconds,
                        seen / seconds,
                    ],
                )
            )
            history.append(row)
            log.info(
                "epoch %d done: train loss %.4f, val loss %.4f, val r %.4f, val rho %.4f, %.1f s",
                epoch,
                row["train_loss"],
                val_loss,
                r,
                rho,
                seconds,
            )
            if monitor == "none":  # no validation: the last epoch is the model
                best_state, stopper.best_epoch = copy.deepcopy(model.state_dict()), epoch
            elif stopper.update(epoch, monitor_value(monitor, row)):
                best_state = copy.deepcopy(model.state_dict())
            self._save(ckpt, {
                "fingerprint": key, "epoch": epoch, "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict() if scheduler is not None else None,
                "stopper": stopper.__dict__, "best_state": best_state, "history": history,
                "target_params": target_params, "torch_rng": torch.get_rng_state(),
                "numpy_rng": rng.bit_generator.state,
            })  # fmt: skip
        if stopper.stop:
            log.info("early stopping: no %s improvement for %d epochs", monitor, stopper.patience)
        model.load_state_dict(best_state)
        info = {"target_params": target_params, "best_epoch": stopper.best_epoch or len(history)}
        return model, pd.DataFrame(history, columns=HISTORY_COLUMNS), info

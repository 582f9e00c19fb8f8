"""Base class of the torch teams: the hooks the shared Trainer calls, with common defaults.

Defaults: fixed-length uint8 codes from the recipe's length/pad/keep (each read's own length kept
alongside), one-hot A,C,G,T with N as zeros built per batch (on the device, from the codes staged
there or copied to it: :mod:`promoterbench.transfer`), raw labels as targets, MSE, Adam, no
scheduler, shuffled batches. Keras conventions shared by the Keras teams live here too.
"""

from __future__ import annotations

import functools
import math
from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np
import pyarrow as pa
import torch
import torch.nn.functional as F
from torch import nn

from promoterbench import memory
from promoterbench import sequences as sq
from promoterbench.fitting import Encoded
from promoterbench.sampling import PassStream
from promoterbench.teams.base import FitContext, Fitted, Reads, Team
from promoterbench.training import Trainer
from promoterbench.transfer import on_device, take, to_device


@functools.cache
def one_hot_table(n_value: float, order: str, device: torch.device) -> torch.Tensor:
    """(5, 4) rows of :func:`one_hot` by code, made once per device (not copied every batch)."""
    table = torch.zeros(5, 4)
    for channel, base in enumerate(order):
        table[sq.ALPHABET.index(base), channel] = 1.0
    table[sq.N_CODE] = n_value
    return table.to(device)


def one_hot(codes: torch.Tensor, n_value: float = 0.0, order: str = "ACGT") -> torch.Tensor:
    """(B, L) codes -> (B, 4, L) float one-hot in ``order``; N gets ``n_value`` in every channel."""
    return one_hot_table(float(n_value), order, codes.device)[codes.long()].permute(0, 2, 1)


def fused(settings: dict) -> dict:
    """Keyword arguments of a torch optimiser: ``fused=True`` where ``train.fused_optimizer``
    asks for one kernel for the whole update (opt-in: the last bits of the weights may differ)."""
    return {"fused": True} if settings["train"].get("fused_optimizer") else {}


class SameConv1d(nn.Conv1d):
    """Conv1d with TensorFlow/Keras 'same' padding: the odd extra position goes on the right."""

    def __init__(self, c_in: int, c_out: int, kernel: int, **kwargs) -> None:
        super().__init__(c_in, c_out, kernel, **kwargs)
        self.same = ((kernel - 1) // 2, kernel - 1 - (kernel - 1) // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(F.pad(x, self.same))


KERAS_BN = {"eps": 1e-3, "momentum": 0.01}  # Keras BatchNormalization defaults (momentum 0.99)


# Keras/TF and Sonnet draw VarianceScaling's truncated normal with the standard deviation divided by
# this (the SD of a unit normal truncated at ±2), so the kept draws have the intended variance
TRUNCATION_SD = 0.87962566103423978


def variance_scaling_(tensor: torch.Tensor, scale: float, fan_in: int) -> torch.Tensor:
    """Keras ``VarianceScaling(scale, 'fan_in', 'truncated_normal')`` in place (``he_normal`` is
    scale 2; Sonnet's VarianceScaling is the same): a normal with SD sqrt(scale / fan_in) / 0.8796,
    truncated at ±2 of that SD."""
    std = math.sqrt(scale / fan_in) / TRUNCATION_SD
    return nn.init.trunc_normal_(tensor, std=std, a=-2 * std, b=2 * std)


def keras_param_count(model: nn.Module) -> int:
    """Parameters as Keras counts them: trainable weights plus BatchNorm moving mean/variance."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    moving = sum(
        m.running_mean.numel() + m.running_var.numel()
        for m in model.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm)
    )
    return trainable + moving


class StandardisedTarget:
    """Mixin: labels standardised with mean/SD of train + validation (sklearn StandardScaler)."""

    def fit_target(self, train: Encoded, val: Encoded, settings: dict) -> dict:
        labels = np.concatenate([train.target, val.target]).astype(np.float64)
        return {"mean": float(labels.mean()), "std": float(labels.std()) or 1.0}

    def targets(
        self, data: Encoded, idx: np.ndarray, params: dict, device: torch.device
    ) -> torch.Tensor:
        if on_device(data, "target", device) is not None:  # scaled there, from the staged labels
            return (take(data, "target", idx, device) - params["mean"]) / params["std"]
        scaled = (data.target[idx] - params["mean"]) / params["std"]
        return to_device(scaled.astype(np.float32), device)

    def prediction(self, output: torch.Tensor, params: dict) -> torch.Tensor:
        return output.reshape(len(output)) * params["std"] + params["mean"]


class TorchRecipe(ABC):
    """The hooks the shared Trainer calls (:class:`promoterbench.training.Recipe`), with common
    defaults, for any torch model on any rows: the yeast teams (:class:`TorchTeam`, rows are
    :class:`~promoterbench.teams.base.Reads`) and the other data sets' models
    (:mod:`promoterbench.architectures.recipe`, rows are a data set's table). A subclass gives
    ``name``, :meth:`build_model`, :meth:`encode` (training or validation rows -> Encoded),
    :meth:`encode_test` (test rows -> Encoded) and :meth:`random_encoded` (for memory needs).

    Every hook receives the resolved settings; sections: ``recipe`` (data), ``model``,
    ``train``.
    """

    name: ClassVar[str]

    # Limits any run may set without changing the recipe: stop after this many optimiser steps
    # (the schedule stays the recipe's); validate on a fixed random subset of this many reads.
    # An epoch of steps_per_epoch batches from the stream of passes (null: one pass) is how a
    # compute budget (promoterbench.flops) lays its steps over a recipe's epochs.
    # Opt-in speed-ups (docs/gpus.md), off as published: torch.compile of the training forward
    # pass, the fused optimiser kernel (Adam, AdamW, SGD); either may change the last bits.
    defaults = {"train": {"max_steps": None, "max_val_reads": None, "steps_per_epoch": None,
                          "compile": False, "fused_optimizer": False}}  # fmt: skip
    pass_end: ClassVar[str] = "straddle"  # see promoterbench.sampling.PASS_ENDS

    @abstractmethod
    def build_model(self, settings: dict) -> nn.Module:
        """The architecture these settings describe."""

    def count_params(self, model: nn.Module) -> int:
        """Parameter count as the team reported it (PyTorch convention by default)."""
        return sum(p.numel() for p in model.parameters())

    def n_params(self, settings: dict) -> int:
        return self.count_params(self.build_model(settings))

    # -- data ---------------------------------------------------------------------------------
    def batches(
        self,
        data: Encoded,
        settings: dict,
        rng: np.random.Generator,
        stream: PassStream | None = None,
    ) -> list[np.ndarray]:
        """One epoch of shuffled batches: a pass over the data, or ``steps_per_epoch`` batches
        from ``stream``, the shuffled passes that run on across epochs (recipes whose "epoch" is
        a step count; the pass's end meets the batches as :attr:`pass_end` says)."""
        cfg = settings["train"]
        size = int(cfg["batch_size"])
        steps = cfg.get("steps_per_epoch")
        if steps is None:
            order = rng.permutation(len(data))
            stop = len(order) - len(order) % size if cfg.get("drop_last", True) else len(order)
            return [order[i : i + size] for i in range(0, stop, size)]
        stream = stream or PassStream(len(data), rng)
        return stream.batches(int(steps), size, self.pass_end)

    def steps_per_epoch(self, n: int, settings: dict) -> int:
        cfg = settings["train"]
        if cfg.get("steps_per_epoch") is not None:
            return int(cfg["steps_per_epoch"])
        size = int(cfg["batch_size"])
        return n // size if cfg.get("drop_last", True) else -(-n // size)

    def eval_batches(self, data: Encoded, size: int) -> list[np.ndarray]:
        """Batches for validation and prediction (all reads, in order)."""
        return [np.arange(i, min(i + size, len(data))) for i in range(0, len(data), size)]

    def inputs(
        self, data: Encoded, idx: np.ndarray, device: torch.device, settings: dict
    ) -> torch.Tensor:
        return one_hot(take(data, "codes", idx, device))

    # -- targets and loss -----------------------------------------------------------------------
    def fit_target(self, train: Encoded, val: Encoded, settings: dict) -> dict:
        """Parameters of the target transform (fitted on the labels the team used)."""
        return {}

    def targets(
        self, data: Encoded, idx: np.ndarray, params: dict, device: torch.device
    ) -> torch.Tensor:
        return take(data, "target", idx, device)

    def prediction(self, output: torch.Tensor, params: dict) -> torch.Tensor:
        """Model output -> expression estimate (inverse of the target transform)."""
        return output.reshape(len(output))

    def loss(self, output: torch.Tensor, target: torch.Tensor, settings: dict) -> torch.Tensor:
        return F.mse_loss(output.reshape(target.shape), target)

    def regularization(self, model: nn.Module, settings: dict) -> torch.Tensor | float:
        """Extra training penalty (e.g. Keras-style L2 on chosen kernels)."""
        return 0.0

    # -- optimisation ---------------------------------------------------------------------------
    def optimizer(self, model: nn.Module, settings: dict) -> torch.optim.Optimizer:
        return torch.optim.Adam(
            model.parameters(), lr=float(settings["train"]["lr"]), **fused(settings)
        )

    def clip_gradients(self, model: nn.Module, settings: dict) -> None:
        """Clip the gradients before the optimiser step: by default to a global norm of
        ``train.clip_grad_norm``, when that is set."""
        clip = settings["train"].get("clip_grad_norm")
        if clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), float(clip))

    def scheduler(self, optimizer: torch.optim.Optimizer, settings: dict, steps_per_epoch: int):
        """(scheduler, when to step it: 'batch', 'epoch', 'plateau' or None)."""
        return None, None

    def memory_needs(self, settings: dict, n_reads: int) -> dict:
        """What training on ``n_reads`` rows holds (:func:`promoterbench.memory.base_needs`),
        plus the encoded rows, the model and the activations of one training batch, measured on
        a few random rows (see :mod:`promoterbench.memory`)."""
        probe_reads = 8
        probe = self.random_encoded(probe_reads, settings)
        encoded = sum(a.nbytes for a in (probe.codes, probe.target, *probe.extras.values()))
        encoded /= probe_reads  # per read (two strands, for autosome)
        model = self.build_model(settings).train()
        x = self.inputs(probe, np.arange(probe_reads), torch.device("cpu"), settings)
        per_read = self.activation_bytes(model, x) / probe_reads / memory.MB
        needs = memory.base_needs(n_reads)
        needs.update(
            data_mb=round(n_reads * (memory.LOADED_READ_BYTES + encoded) / memory.MB, 1),
            encoded_read_bytes=round(encoded, 1),
            model_mb=round(
                sum(p.numel() for p in model.parameters()) * 4 * memory.MODEL_COPIES / memory.MB, 1
            ),
            batch_activations_mb=round(per_read * int(settings["train"]["batch_size"]), 1),
            activations_per_read_mb=round(per_read, 4),
        )
        return needs

    def activation_bytes(self, model: nn.Module, x: torch.Tensor) -> int:
        """Bytes of activations alive at the start of the backward pass of ``model(x)``."""
        return memory.saved_activation_bytes(model, x)

    # -- fit / predict ----------------------------------------------------------------------------
    def fit(self, train, val, settings: dict, context: FitContext) -> Fitted:
        """Train on the rows ``train`` (anything :meth:`encode` takes, with ``len`` and
        ``take``), monitor on ``val``."""
        limit = settings["train"]["max_val_reads"]
        if limit is not None and len(val) > limit:
            rng = np.random.default_rng(int(settings["seed"]))
            context.log.info("validating on %d of the %d validation reads (train.max_val_reads)",
                             limit, len(val))  # fmt: skip
            val = val.take(np.sort(rng.choice(len(val), int(limit), replace=False)))
        trainer = Trainer(self, settings, context)
        model, history, info = trainer.fit(self.encode(train, settings), self.encode(val, settings))
        state = {"model": {k: v.cpu() for k, v in model.state_dict().items()}} | info
        return Fitted(state=state, history=history, n_params=self.count_params(model),
                      probe=trainer.probe_curve)  # fmt: skip

    def predict_encoded(
        self, trainer: Trainer, model: nn.Module, data: Encoded, params: dict
    ) -> np.ndarray:
        """Test-time prediction (teams with test-time augmentation override this)."""
        return trainer.predict_outputs(model, data, params)

    def predict(self, state: dict, rows, settings: dict, context: FitContext) -> np.ndarray:
        """Test-time predictions of the trained ``state`` for ``rows`` (what
        :meth:`encode_test` takes)."""
        trainer = Trainer(self, settings, context)
        model = self.build_model(settings)
        model.load_state_dict(state["model"])
        model.to(trainer.device)
        data = self.encode_test(rows, settings)
        return self.predict_encoded(trainer, model, data, state["target_params"])


class TorchTeam(TorchRecipe, Team):
    """A yeast team whose model is a torch nn.Module trained by the shared Trainer: the
    :class:`TorchRecipe` hooks on :class:`~promoterbench.teams.base.Reads`."""

    # -- data ---------------------------------------------------------------------------------
    def input_width(self, settings: dict) -> int | None:
        """``recipe.input_length`` where the recipe has one."""
        return settings["recipe"].get("input_length")

    def encode_sequences(self, sequences: pa.Array, settings: dict) -> np.ndarray:
        recipe = settings["recipe"]
        return sq.encode(sequences, recipe["input_length"], pad=recipe["pad"], keep=recipe["keep"])

    def encode(self, reads: Reads, settings: dict) -> Encoded:
        return Encoded(
            codes=self.encode_sequences(reads.sequence, settings),
            target=reads.expression.astype(np.float32),
            extras={"length": reads.length},
        )

    def encode_test(self, sequences: pa.Array, settings: dict) -> Encoded:
        """Test sequences as :meth:`predict_encoded` takes them (no labels)."""
        codes = self.encode_sequences(sequences, settings)
        return Encoded(
            codes=codes,
            target=np.zeros(len(codes), np.float32),
            extras={"length": sq.lengths(sequences)},
        )

    def random_encoded(self, n: int, settings: dict) -> Encoded:
        """``n`` random reads like the real ones, encoded for training (memory needs)."""
        return self.encode(Reads.random(n), settings)

"""Models for the paper's other benchmarks (issue 28, part 2): the organisers' DREAM-CNN,
DREAM-RNN and DREAM-Attn for DeepSTARR and lentiMPRA, and each data set's own anchor model
(DeepSTARR; MPRA-LegNet), with their paper-scale recipes and a CPU preset.

A library layer beside :mod:`promoterbench.datasets` (whose tables :mod:`.inputs` encodes), kept
apart from :mod:`promoterbench.teams` (the yeast teams carry the challenge's data recipes); the
workflow runs them through ``workflow/rules/datasets.smk`` (:mod:`.recipe` trains and predicts
them). Settings have the sections ``seed``, ``input`` (length,
base order, N value, reverse channel), ``recipe`` (data handling), ``model`` and ``train``.
"""

from __future__ import annotations

import copy

from torch import nn

from promoterbench import settings as settings_mod
from promoterbench.architectures import deepstarr_net, dream_nets, mpra_legnet
from promoterbench.datasets import deepstarr, files, lentimpra
from promoterbench.teams import REGISTRY, kmer_ridge
from promoterbench.teams.torch_team import TorchRecipe

OUTPUTS = files.OUTPUTS
LENGTHS = {"deepstarr": deepstarr.LENGTH, "lentimpra": lentimpra.LENGTH}
ANCHORS = {
    "deepstarr": ("deepstarr", deepstarr_net),
    "lentimpra": ("mpra_legnet", mpra_legnet),
}
SCALES = ("paper", "cpu")
YEAST_DATA = "synthetic and dream2022"  # the data the yeast teams are built for
BASELINE = "kmer_ridge"  # the baseline on every data set (promoterbench.architectures.recipe)
# settings of these models whose names promoterbench.settings.RANGES does not know
RANGES = {
    **dict.fromkeys(("max_rows", "filters", "pools", "stem_channels", "stem_kernel", "pool"),
                    settings_mod.COUNT),
    **dict.fromkeys(("shift_left", "shift_right", "n_value"), settings_mod.NON_NEGATIVE),
    **dict.fromkeys(("eps",), settings_mod.POSITIVE),
    **dict.fromkeys(("reverse_augment",), settings_mod.SHARE),
    **{k: v for net in dream_nets.YEAST.values() for k, v in net.ranges.items()},
}  # fmt: skip


def models(data: str) -> tuple[str, ...]:
    """The models offered on data set ``data``: the DREAM nets, then its anchor."""
    if data not in OUTPUTS:
        raise ValueError(f"data set {data!r}: models exist for {', '.join(OUTPUTS)}")
    return (*dream_nets.BLOCKS, ANCHORS[data][0])


def entries(data: str) -> tuple[str, ...]:
    """What the workflow runs on ``data`` by default: its models and the baseline."""
    return (*models(data), BASELINE)


def check_offered(data: str, model: str) -> None:
    """Raise ValueError unless ``model`` is offered on ``data`` (a model or the baseline),
    naming what is (and the data a yeast-only team is built for)."""
    if model in entries(data):
        return
    message = f"model {model!r} is not offered on {data}: {', '.join(entries(data))}"
    if model in REGISTRY:
        message += f" ({model} is a yeast team, for the data {YEAST_DATA})"
    raise ValueError(message)


def preset(data: str, model: str, scale: str) -> dict:
    """A copy of the settings of ``model`` on ``data`` at ``scale`` (``paper`` or ``cpu``)."""
    check_offered(data, model)
    if scale not in SCALES:
        raise ValueError(f"scale {scale!r} is not one of {', '.join(SCALES)}")
    if model == BASELINE:
        return copy.deepcopy(kmer_ridge.TABLE_PRESET)
    if model in dream_nets.BLOCKS:
        return dream_nets.presets(model, data, LENGTHS[data])[scale]
    module = ANCHORS[data][1]
    return copy.deepcopy(module.PAPER if scale == "paper" else module.CPU)


def settings(data: str, model: str, scale: str, overrides: dict | None = None) -> dict:
    """The preset of ``model`` on ``data`` at ``scale`` with ``overrides`` (a config entry)
    applied and checked as a yeast team's are (:func:`promoterbench.settings.check`); errors
    name the key path ``{data}.models.{model}``."""
    check_offered(data, model)
    defaults = {} if model == BASELINE else TorchRecipe.defaults  # the Trainer's limits
    presets = [settings_mod.with_defaults(preset(data, model, s), defaults) for s in SCALES]
    where = f"{data}.models.{model}"
    merged = settings_mod.merge(presets[SCALES.index(scale)], overrides or {}, where)
    return settings_mod.check(merged, presets, where, settings_mod.RANGES | RANGES)


def check_config(data: str, entries: dict, scale: str) -> None:
    """Raise SettingsError for a model of the config's ``{data}.models`` that is not offered on
    ``data`` (naming what is, and for a yeast team the data it is built for) or whose overrides
    are not valid settings (:func:`settings`)."""
    for model, overrides in entries.items():
        try:
            settings(data, model, scale, overrides)
        except settings_mod.SettingsError:
            raise
        except ValueError as err:
            raise settings_mod.SettingsError(f"config {data}.models: {err}") from None


def build(data: str, model: str, settings: dict) -> nn.Module:
    """``model`` for data set ``data`` with ``settings`` (see :func:`preset`): (B, C, L) →
    (B, outputs), one column per output of :data:`OUTPUTS`."""
    check_offered(data, model)
    outputs = len(OUTPUTS[data])
    if model in dream_nets.BLOCKS:
        return dream_nets.build(model, settings, outputs)
    return ANCHORS[data][1].build(settings, outputs)

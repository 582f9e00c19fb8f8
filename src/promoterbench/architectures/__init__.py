"""Models for the paper's other benchmarks (issue 28, part 2): the organisers' DREAM-CNN,
DREAM-RNN and DREAM-Attn for DeepSTARR and lentiMPRA, and each data set's own anchor model
(DeepSTARR; MPRA-LegNet), with their paper-scale recipes and a CPU preset.

A library layer beside :mod:`promoterbench.datasets` (whose tables :mod:`.inputs` encodes), kept
apart from :mod:`promoterbench.teams`: the yeast teams carry the challenge's data recipes and are
wired into the workflow, these are not yet. Settings have the sections ``seed``, ``input`` (length,
base order, N value, reverse channel), ``recipe`` (data handling), ``model`` and ``train``.
"""

from __future__ import annotations

import copy

from torch import nn

from promoterbench.architectures import deepstarr_net, dream_nets, mpra_legnet
from promoterbench.datasets import deepstarr, lentimpra
from promoterbench.teams import REGISTRY

OUTPUTS = {"deepstarr": deepstarr.OUTPUTS, "lentimpra": (lentimpra.OUTPUT,)}
LENGTHS = {"deepstarr": deepstarr.LENGTH, "lentimpra": lentimpra.LENGTH}
ANCHORS = {
    "deepstarr": ("deepstarr", deepstarr_net),
    "lentimpra": ("mpra_legnet", mpra_legnet),
}
SCALES = ("paper", "cpu")
YEAST_DATA = "synthetic and dream2022"  # the data the yeast teams are built for


def models(data: str) -> tuple[str, ...]:
    """The models offered on data set ``data``: the DREAM nets, then its anchor."""
    if data not in OUTPUTS:
        raise ValueError(f"data set {data!r}: models exist for {', '.join(OUTPUTS)}")
    return (*dream_nets.BLOCKS, ANCHORS[data][0])


def check_offered(data: str, model: str) -> None:
    """Raise ValueError unless ``model`` is offered on ``data``, naming what is (and the data
    a yeast-only team is built for)."""
    if model in models(data):
        return
    message = f"model {model!r} is not offered on {data}: {', '.join(models(data))}"
    if model in REGISTRY:
        message += f" ({model} is a yeast team, for the data {YEAST_DATA})"
    raise ValueError(message)


def preset(data: str, model: str, scale: str) -> dict:
    """A copy of the settings of ``model`` on ``data`` at ``scale`` (``paper`` or ``cpu``)."""
    check_offered(data, model)
    if scale not in SCALES:
        raise ValueError(f"scale {scale!r} is not one of {', '.join(SCALES)}")
    if model in dream_nets.BLOCKS:
        return dream_nets.presets(model, data, LENGTHS[data])[scale]
    module = ANCHORS[data][1]
    return copy.deepcopy(module.PAPER if scale == "paper" else module.CPU)


def build(data: str, model: str, settings: dict) -> nn.Module:
    """``model`` for data set ``data`` with ``settings`` (see :func:`preset`): (B, C, L) →
    (B, outputs), one column per output of :data:`OUTPUTS`."""
    check_offered(data, model)
    outputs = len(OUTPUTS[data])
    if model in dream_nets.BLOCKS:
        return dream_nets.build(model, settings, outputs)
    return ANCHORS[data][1].build(settings, outputs)

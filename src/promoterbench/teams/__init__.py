"""The registry of models: one module per team, imported only when asked for.

Adding a model: write ``teams/<name>.py`` with a Team subclass (see camformers.py), add it to
``REGISTRY`` below, and give it an entry under ``teams:`` in config.yaml.
"""

from __future__ import annotations

import importlib
from importlib.util import find_spec
from typing import Mapping

from promoterbench.settings import SettingsError
from promoterbench.teams.base import Team

# name -> "module:Class"
REGISTRY: dict[str, str] = {
    "wan_barton": "promoterbench.teams.wan_barton:WanBarton",
    "noisy_chardonnay": "promoterbench.teams.noisy_chardonnay:NoisyChardonnay",
    "madlab": "promoterbench.teams.madlab:MadLab",
    "camformers": "promoterbench.teams.camformers:Camformers",
    "autosome": "promoterbench.teams.autosome:Autosome",
    "dream_cnn": "promoterbench.teams.prixfixe:DreamCNN",
    "dream_rnn": "promoterbench.teams.prixfixe:DreamRNN",
    "dream_attn": "promoterbench.teams.prixfixe:DreamAttn",
    "kmer_ridge": "promoterbench.teams.kmer_ridge:KmerRidge",
    "bhi": "promoterbench.teams.bhi:BHI",
    "unlock_dna": "promoterbench.teams.unlock_dna:UnlockDNA",
}


def get_team(name: str) -> Team:
    """An instance of the team called ``name``."""
    if name not in REGISTRY:
        raise KeyError(f"unknown team {name!r}; known teams: {', '.join(sorted(REGISTRY))}")
    module, cls = REGISTRY[name].split(":")
    return getattr(importlib.import_module(module), cls)()


def source_file(name: str) -> str:
    """Path of the module defining ``name`` (found without importing it)."""
    module = REGISTRY[name].split(":")[0]
    spec = find_spec(module)
    if spec is None or spec.origin is None:
        raise KeyError(f"module {module} of team {name!r} not found")
    return spec.origin


def check_config(overrides: Mapping[str, Mapping | None], scale: str) -> None:
    """Raise SettingsError naming the key path of an unknown team or of an unknown, mistyped or
    out-of-range setting in the config's ``teams:`` entries. A team without overrides runs its
    preset, which the tests check, so its module (and torch) is not imported for it."""
    unknown = sorted(set(overrides) - set(REGISTRY))
    if unknown:
        raise SettingsError(
            f"config teams: unknown team(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(REGISTRY))}"
        )
    for name, value in overrides.items():
        if value:
            get_team(name).settings(scale, value)

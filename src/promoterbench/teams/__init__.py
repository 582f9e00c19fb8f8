"""The zoo of models: the built-in teams (one module each, imported only when asked for), the
teams of installed packages (entry points of group ``promoterbench.teams``) and the classes that
config entries name (``teams: {NAME: {class: path/to/file.py:Class}}``, or ``module:Class``).

A name has one source: a plugin named like a built-in team or like another plugin is an error
that names both (see :mod:`promoterbench.teams.plugins`).
"""

from __future__ import annotations

from typing import Mapping

from promoterbench.settings import SettingsError
from promoterbench.teams.base import Team
from promoterbench.teams.plugins import CLASS_KEY, PluginError, Source, installed

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


def split_entry(entry: Mapping | None) -> tuple[str | None, dict]:
    """A config ``teams:`` entry as (the class it names or None, its settings overrides)."""
    overrides = dict(entry or {})
    return overrides.pop(CLASS_KEY, None), overrides


def zoo(entries: Mapping[str, Mapping | None] | None = None) -> dict[str, Source]:
    """Every team by name: built-in, installed, and named by ``entries`` (config ``teams:``)."""
    sources = [Source.builtin(name, target) for name, target in REGISTRY.items()]
    sources += installed()
    for name, entry in (entries or {}).items():
        target = split_entry(entry)[0]
        if target is not None:
            sources.append(Source.configured(name, target))
    teams: dict[str, Source] = {}
    for source in sources:
        if source.name in teams:
            raise PluginError(
                f"team {source.name!r} has two sources: {teams[source.name].describe()} and "
                f"{source.describe()}; give the plugin another name"
            )
        teams[source.name] = source
    return teams


def find(name: str, target: str | None = None) -> Source:
    """The source of team ``name``; ``target``: the class its config entry names."""
    teams = zoo({name: {CLASS_KEY: target}} if target else None)
    if name not in teams:
        raise KeyError(f"unknown team {name!r}; known teams: {', '.join(sorted(teams))}")
    return teams[name]


def get_team(name: str, target: str | None = None) -> Team:
    """An instance of the team called ``name`` (``target``: the class its config entry names)."""
    return find(name, target).team()


def source_file(name: str, target: str | None = None) -> str:
    """The file defining team ``name``'s class (found without importing it)."""
    return find(name, target).file()


def check_config(entries: Mapping[str, Mapping | None], scale: str) -> None:
    """Raise SettingsError naming the key path of an unknown team, of a class that cannot be
    loaded or used (a :class:`PluginError`, naming its file too), or of an unknown, mistyped or
    out-of-range setting in the config's ``teams:`` entries. A built-in team without overrides
    runs its preset, which the tests check, so its module (and torch) is not imported for it;
    every plugin is loaded and its settings checked."""
    teams = zoo(entries)
    unknown = sorted(set(entries) - set(teams))
    if unknown:
        raise SettingsError(
            f"config teams: unknown team(s) {', '.join(unknown)}; known: {', '.join(sorted(teams))}"
        )
    for name, entry in entries.items():
        overrides = split_entry(entry)[1]
        if overrides or teams[name].plugin:
            teams[name].settings(scale, overrides)

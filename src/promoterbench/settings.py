"""Team settings: a team's preset for a scale, overridden by the user's config entry.

Settings are plain nested dicts with three sections — ``recipe`` (data selection and split),
``model`` (architecture) and ``train`` (loss, optimiser, schedule, stopping) — plus ``seed``.
Overrides may only change keys the preset defines, so a typo fails loudly instead of being ignored.
"""

from __future__ import annotations

import copy
from typing import Any, Mapping

SCALES = ("paper", "cpu")


class SettingsError(ValueError):
    """An override names a setting the team does not have."""


def with_defaults(preset: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``preset`` with every key of ``defaults`` it lacks added (sections merged)."""
    out = copy.deepcopy(dict(preset))
    for key, value in defaults.items():
        if isinstance(out.get(key), Mapping) and isinstance(value, Mapping):
            out[key] = with_defaults(out[key], value)
        elif key not in out:
            out[key] = copy.deepcopy(value)
    return out


def merge(base: Mapping[str, Any], override: Mapping[str, Any], where: str = "") -> dict[str, Any]:
    """Deep-merge ``override`` into a copy of ``base``; unknown keys raise SettingsError."""
    out = copy.deepcopy(dict(base))
    for key, value in (override or {}).items():
        path = f"{where}.{key}" if where else key
        if key not in out:
            valid = ", ".join(sorted(out))
            raise SettingsError(f"unknown setting {path!r} (valid here: {valid})")
        if isinstance(out[key], Mapping) and isinstance(value, Mapping):
            out[key] = merge(out[key], value, path)
        else:
            out[key] = copy.deepcopy(value)
    return out

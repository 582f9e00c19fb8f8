"""Team settings: a team's preset for a scale, overridden by the user's config entry.

Settings are plain nested dicts with three sections — ``recipe`` (data selection and split),
``model`` (architecture) and ``train`` (loss, optimiser, schedule, stopping) — plus ``seed``,
``faithful_to`` where a team's code and report disagree, and a team's own sections (bhi's
``tta``: test-time augmentation).
Overrides may only change keys the preset defines, so a typo fails loudly instead of being ignored.

Every resolved setting is checked (:func:`check`) against the team's presets of all scales:

* type: a section stays a mapping, a list a list (its items checked alike), a boolean a boolean,
  an integer an integer, a decimal setting takes any number (numeric text such as YAML's ``1e-3``
  is read as one), text one of :data:`CHOICES` where those are listed;
* null: allowed only for the limits in :data:`LIMITS`, where it means "no limit" (every read, no
  step cap, no early stopping, one pass over the reads per epoch); a limit null in every preset
  (e.g. ``train.max_steps``) takes an integer;
* range: numbers lie in the range :data:`RANGES` (or the team's own ``ranges``) gives their name
  (a name means the same in every section), and ``min_length ≤ max_length`` wherever both are set.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence, get_args

from promoterbench.config_files import typed
from promoterbench.quoting import short_repr
from promoterbench.sequences import Side

SCALES = ("paper", "cpu")

# what early stopping and checkpoint selection can watch: Pearson r, r+rho, r² (squared r),
# r2_score (coefficient of determination, Keras' R²), validation loss, or nothing (last epoch)
MONITORS = {
    "r": "max",
    "r+rho": "max",
    "r2": "max",
    "r2_score": "max",
    "val_loss": "min",
    "none": None,
}


class SettingsError(ValueError):
    """A setting that the team does not have, or a value of the wrong type or out of range."""


@dataclass(frozen=True)
class Range:
    """The interval a numeric setting must lie in."""

    low: float
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False

    def __contains__(self, x: float) -> bool:
        above = x > self.low if self.low_open else x >= self.low
        below = x < self.high if self.high_open else x <= self.high
        return math.isfinite(x) and above and below

    def __str__(self) -> str:
        if self.high == math.inf:
            return f"{'>' if self.low_open else '≥'} {self.low:g}"
        left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
        return f"in {left}{self.low:g}, {self.high:g}{right}"


COUNT = Range(1)  # sizes, lengths, epochs, steps, reads
NON_NEGATIVE = Range(0)  # seeds, tolerances, indices, penalty weights
POSITIVE = Range(0, low_open=True)  # learning rates and other factors
FRACTION = Range(0, 1, high_open=True)  # shares held out or dropped
SHARE = Range(0, 1)  # shares kept, momenta

RANGES: dict[str, Range] = {
    **dict.fromkeys(
        ("max_reads", "max_rows", "min_length", "max_length", "length", "input_length", "context_length",
         "embedding_dim", "channels", "levels", "kernel", "kernels", "conv", "conv_channels",
         "lstm_units", "dense", "blocks", "relative_features", "ffn", "pool_kernel", "pool_stride",
         "resize_factor", "filter_per_group", "se_reduction", "k", "batch_size", "max_epochs",
         "steps_per_epoch", "patience", "max_steps", "max_val_reads"),
        COUNT,
    ),
    **dict.fromkeys(
        ("seed", "min_bin_reads", "max_n", "length_tolerance", "pool_block", "plateau_patience",
         "weight_decay", "l2", "mse_weight"),
        NON_NEGATIVE,
    ),
    **dict.fromkeys(("lr", "max_lr", "div_factor", "clip_grad_norm", "alphas"), POSITIVE),
    **dict.fromkeys(
        ("val_fraction", "dropout", "lstm_dropout", "dense_dropout", "plateau_factor"), FRACTION
    ),
    **dict.fromkeys(("singleton_keep", "pct_start", "bn_momentum"), SHARE),
}  # fmt: skip
# settings that may be null, meaning no limit; all are counts
LIMITS = frozenset(
    ("max_reads", "max_rows", "max_steps", "max_val_reads", "patience", "steps_per_epoch")
)
CHOICES: dict[str, tuple[str, ...]] = {
    "faithful_to": ("code", "report"),
    "pad": get_args(Side),
    "keep": get_args(Side),
    "monitor": tuple(MONITORS),
}
ORDERED = (("min_length", "max_length"),)  # (lower, upper) bounds set in one section


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
            raise SettingsError(f"{path}: unknown setting (valid keys here: {valid})")
        if isinstance(out[key], Mapping) and isinstance(value, Mapping):
            out[key] = merge(out[key], value, path)
        else:
            out[key] = copy.deepcopy(value)
    return out


def check(
    values: Mapping[str, Any],
    presets: Sequence[Mapping[str, Any]],
    where: str,
    ranges: Mapping[str, Range] = RANGES,
) -> dict:
    """``values`` checked against what ``presets`` hold and ``ranges`` allow (see the module
    docstring); numeric text of number settings is returned as numbers. Errors name the key path
    below ``where``."""
    out = {key: _check(value, [p[key] for p in presets if key in p], f"{where}.{key}", key, ranges)
           for key, value in values.items()}  # fmt: skip
    check_order(out, where)
    return out


def check_order(values: Mapping[str, Any], where: str) -> None:
    """``min_length ≤ max_length`` (and any pair of :data:`ORDERED`) where both are set."""
    for low, high in ORDERED:
        if values.get(low) is not None and values.get(high) is not None:
            if values[low] > values[high]:
                raise SettingsError(
                    f"{where}.{low} = {values[low]} is above {where}.{high} = {values[high]}; "
                    f"{low} must be ≤ {high}"
                )


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "section"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)):
        return "list"
    return type(value).__name__


def _expected(kind: str, name: str, given: list, nullable: bool, ranges: Mapping) -> str:
    """What a setting of ``kind`` called ``name`` accepts, in words."""
    if kind == "section":
        text = f"a section (a mapping of {', '.join(sorted(given[0]))})"
    elif kind == "list":
        text = f"a list like {given[0]}"
    elif kind == "boolean":
        text = "true or false"
    elif kind == "text":
        text = f"one of {', '.join(CHOICES[name])}" if name in CHOICES else "text"
    else:
        text = f"{'an integer' if kind == 'integer' else 'a number'} {ranges[name]}"
    return f"{text} or null" if nullable else text


def _check(value: Any, examples: list, path: str, name: str, ranges: Mapping) -> Any:
    given = [e for e in examples if e is not None]
    nullable = name in LIMITS
    kinds = {_kind(e) for e in given} or {"integer"}  # a limit null in every preset
    kind = "number" if kinds == {"integer", "number"} else kinds.pop()
    if isinstance(value, str) and kind != "text":  # `--config` hands nested values over as text
        value = typed(value, [kind] + ["null"] * nullable)
    if value is None and nullable:
        return None
    if kind in ("integer", "number") and name not in ranges:
        raise SettingsError(
            f"{path}: no range for a setting called {name!r}; add one to the team's `ranges` "
            "(e.g. settings.COUNT) or to settings.RANGES"
        )
    expected = _expected(kind, name, given, nullable, ranges)
    actual = _kind(value)
    if actual != kind and not (kind == "number" and actual == "integer"):
        raise SettingsError(f"{path} must be {expected}, not {short_repr(value)}")
    if kind == "section":
        return check(value, given, path, ranges)
    if kind == "list":
        items = [item for example in given for item in example]
        return [_check(v, items, f"{path}[{i}]", name, ranges) for i, v in enumerate(value)]
    if value not in (ranges[name] if kind in ("integer", "number") else CHOICES.get(name, [value])):
        raise SettingsError(f"{path} must be {expected}, not {short_repr(value)}")
    return value

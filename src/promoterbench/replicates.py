"""Training replicates: the same team trained again with another seed.

Replicate k (1, 2, …) of a team trains with the team's seed (its preset's, or the user's
``seed`` override) plus k − 1, on the same selected reads: replicate 1 is the run of the team's
own seed, and raising the number of replicates trains only the new ones. What a replicate varies is
everything the training seed draws: initial weights, the order of batches, dropout and masks, and
which validation reads a capped validation (``train.max_val_reads``) looks at. The data recipe's
selection and train/validation split are drawn once per team (the split job) and shared.
"""

from __future__ import annotations

import copy


def seed(base: int, replicate: int) -> int:
    """The training seed of ``replicate`` for a team whose own seed is ``base``."""
    if replicate < 1:
        raise ValueError(f"replicates are numbered from 1, got {replicate}")
    return int(base) + replicate - 1


def overrides(overrides: dict | None, settings: dict, replicate: int) -> dict:
    """The team's overrides with the seed of ``replicate`` (``settings``: the team's resolved
    settings, whose ``seed`` is the base)."""
    out = copy.deepcopy(dict(overrides or {}))
    out["seed"] = seed(settings["seed"], replicate)
    return out

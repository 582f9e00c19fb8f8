"""In-silico mutagenesis: the predicted effect of every single-base substitution of a sequence,
and how closely a model's effects follow the true ones of the synthetic world.

An effect is prediction(mutant) − prediction(reference), the alt − ref direction of the
challenge's SNV pairs. The ISM of one sequence is one call of the predictor on the reference and
its 3 × length mutants (4 at a position that is N).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from promoterbench import sequences as sq
from promoterbench.predictors import Predictor
from promoterbench.scoring import correlations
from promoterbench.testset import TestDesign

BASES = "ACGT"
COLUMNS = ["id", "position", "ref", "alt", "reference_prediction", "prediction", "effect"]


def quiet(done: int, total: int) -> None:
    """A model's progress callback that shows nothing: ISM reports sequences, not batches."""


# The variable 80 nt of a GPRA read (1-based, inclusive): the adapters are the same in every
# training read, so no model can learn what mutating them does; the workflow mutates these only.
VARIABLE = (len(sq.FLANK5) + 1, len(sq.FLANK5) + sq.RANDOM_LENGTH)


def mutants(sequence: str, region: tuple[int, int] | None = None) -> tuple[pa.Array, pd.DataFrame]:
    """The sequence followed by each of its single-base substitutions (at the 1-based positions
    ``region`` takes, first and last included; None: all), position by position in A, C, G, T
    order; and their 1-based position, reference and alternative base."""
    ref = sq.encode([sequence], len(sequence))[0]
    position, alt = np.nonzero(np.arange(4)[None, :] != ref[:, None])  # (position, base) pairs
    if region is not None:
        inside = (position >= region[0] - 1) & (position < region[1])
        position, alt = position[inside], alt[inside]
    codes = np.repeat(ref[None, :], len(position) + 1, axis=0)
    codes[np.arange(1, len(position) + 1), position] = alt
    table = pd.DataFrame({
        "position": position + 1,
        "ref": np.array(list(sq.ALPHABET))[ref[position]],
        "alt": np.array(list(BASES))[alt],
    })  # fmt: skip
    return pa.array(sq.decode(codes), type=pa.large_string()), table


def ism(
    predictor: Predictor,
    ids: list[str],
    sequences: pa.Array,
    done: Callable[[int, int], None] | None = None,
    region: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """The long ISM table (:data:`COLUMNS`) of every sequence, one predictor call each;
    ``done(k, n)`` after the k-th sequence; ``region``: see :func:`mutants`."""
    tables = []
    for k, (name, sequence) in enumerate(zip(ids, sequences.to_pylist()), start=1):
        batch, table = mutants(sequence, region)
        pred = predictor.predict(batch).astype(np.float64)
        table.insert(0, "id", name)
        table["reference_prediction"] = pred[0]
        table["prediction"] = pred[1:]
        table["effect"] = pred[1:] - pred[0]
        tables.append(table)
        if done is not None:
            done(k, len(ids))
    return (
        pd.concat(tables, ignore_index=True)[COLUMNS] if tables else pd.DataFrame(columns=COLUMNS)
    )


def agreement(effects: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Per sequence, the Pearson r between a model's effects and the true ones (same variants)."""
    key = ["id", "position", "alt"]
    both = effects[key + ["effect"]].merge(truth[key + ["effect"]], on=key, suffixes=("", "_true"))
    if len(both) != len(truth) or len(effects) != len(truth):
        raise ValueError(
            f"ISM tables differ: {len(effects)} model effects, {len(truth)} true, {len(both)} shared"
        )
    rows = [
        (name, correlations(group["effect_true"].to_numpy(), group["effect"].to_numpy())[0])
        for name, group in both.groupby("id", sort=False)
    ]
    return pd.DataFrame(rows, columns=["id", "r_truth"])


CATEGORIES = ("random", "native")  # where the workflow draws its ISM sequences


def draw(design: TestDesign, sequences: pa.Array, n: int, seed: int) -> pd.DataFrame:
    """``n`` test sequences for the workflow's ISM: n − n // 2 from the first of :data:`CATEGORIES`
    and the rest from the second (each at most its size), by test index: id (the index),
    category, sequence."""
    rng = np.random.default_rng(seed)
    pools = [design.members[c] for c in CATEGORIES]
    first = min(n - n // 2, len(pools[0]))
    counts = (first, min(n - first, len(pools[1])))
    picked = [np.sort(rng.choice(pool, k, replace=False)) for pool, k in zip(pools, counts)]
    index = np.concatenate(picked)
    return pd.DataFrame({
        "id": index.astype(str),
        "category": np.repeat(CATEGORIES, counts),
        "sequence": sequences.take(pa.array(index)).to_pylist(),
    })  # fmt: skip

"""Variant effects: a TSV of (id, sequence, position, ref, alt) or of (id, ref_sequence,
alt_sequence) read and checked row by row, and both alleles predicted in one call.

``position`` is 1-based; ``ref`` must be what the sequence holds there (a mismatch is an error
naming the row); ``ref`` and ``alt`` may be longer than one base (the alt allele replaces the ref
bases). The effect is prediction(alt) − prediction(ref): the alt − ref direction of the
challenge's SNV pairs.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pyarrow as pa

from promoterbench import formats
from promoterbench.predictors import Predictor
from promoterbench.sequence_files import NON_BASE

BY_POSITION = ["id", "sequence", "position", "ref", "alt"]
BY_SEQUENCE = ["id", "ref_sequence", "alt_sequence"]
COLUMNS = ["id", "ref_prediction", "alt_prediction", "effect"]


def _alleles(row: pd.Series) -> tuple[str, str] | str:
    """(ref, alt) sequences of a by-position row, or what is wrong with it."""
    seq, ref, alt = row["sequence"], row["ref"], row["alt"]
    if not str(row["position"]).isdigit() or int(row["position"]) < 1:
        return f"position {row['position']!r} is not a positive integer (1-based)"
    start = int(row["position"]) - 1
    if not ref or start + len(ref) > len(seq):
        return f"ref {ref!r} at position {start + 1} runs past the {len(seq)}-nt sequence"
    found = seq[start : start + len(ref)]
    if found != ref:
        return f"ref {ref!r} but the sequence has {found!r} at position {start + 1}"
    return seq, seq[:start] + alt + seq[start + len(ref) :]


def read(path: str | os.PathLike) -> tuple[list[str], list[str], list[str]]:
    """(ids, ref sequences, alt sequences) of a variants TSV; FormatError naming the file, the
    line and the reason for the first bad row."""
    with formats.open_text(path) as fh:
        table = pd.read_csv(fh, sep="\t", dtype=str, keep_default_na=False)
    columns = BY_POSITION if set(BY_POSITION) <= set(table.columns) else BY_SEQUENCE
    if not set(columns) <= set(table.columns):
        raise formats.FormatError(
            f"{path}: columns {', '.join(table.columns)}; expected {', '.join(BY_POSITION)} or "
            f"{', '.join(BY_SEQUENCE)} (tab-separated, with a header)"
        )
    if table.empty:
        raise formats.FormatError(f"{path}: no variants (a header and no rows)")
    ids, refs, alts = [], [], []
    for i, row in table.iterrows():
        where = f"{path}:{int(i) + 2} (id {row['id']!r})"  # line 1 is the header
        texts = [row[c].upper() for c in columns[1:] if c != "position"]
        bad = next(((t, m) for t in texts if (m := NON_BASE.search(t))), None)
        if bad:
            raise formats.FormatError(f"{where}: invalid character {bad[1].group()!r} in "
                                      f"{bad[0][:40]!r} (allowed: ACGTN)")  # fmt: skip
        if columns == BY_POSITION:
            row = row.copy()
            row[["sequence", "ref", "alt"]] = texts
            alleles = _alleles(row)
        else:
            alleles = tuple(texts) if all(texts) else "an empty sequence"
        if isinstance(alleles, str):
            raise formats.FormatError(f"{where}: {alleles}")
        ids.append(row["id"])
        refs.append(alleles[0])
        alts.append(alleles[1])
    return ids, refs, alts


def effects(predictor: Predictor, ids: list[str], refs: list[str], alts: list[str]) -> pd.DataFrame:
    """Predictions of both alleles of every variant (one predictor call) and alt − ref."""
    both = predictor.predict(pa.array(refs + alts, type=pa.large_string())).astype(np.float64)
    ref, alt = both[: len(refs)], both[len(refs) :]
    return pd.DataFrame({"id": ids, "ref_prediction": ref, "alt_prediction": alt,
                         "effect": alt - ref})  # fmt: skip

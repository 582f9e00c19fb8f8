"""A team's data selection: which reads it keeps (and why not), the train/val split, and loading.

The split is stored as read ids (``read_id`` = line number in the raw file) with their fold, not
as another copy of the reads; a selection table counts every read under 'kept' or a drop reason.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pyarrow as pa

from promoterbench import binning, filters
from promoterbench.teams.base import Reads, Team

log = logging.getLogger(__name__)
META_COLUMNS = ["read_id", "length", "n_count", "is_integer", "expression"]


def select_and_split(
    bins_dir: str, team: Team, settings: dict
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(split table: read_id, fold; selection summary: outcome, reads)."""
    meta = binning.read_bins(bins_dir, columns=META_COLUMNS).to_pandas()
    meta = meta.sort_values("read_id", kind="stable").reset_index(drop=True)
    rng = np.random.default_rng(int(settings["seed"]))
    reason = team.select(meta, settings, rng)
    kept = np.flatnonzero(reason == filters.KEPT)
    fold = team.split(len(kept), settings, rng)
    split = pd.DataFrame({"read_id": meta["read_id"].to_numpy()[kept], "fold": fold.astype(str)})
    summary = filters.summary(reason)
    for name in ("train", "val"):
        summary.loc[len(summary)] = [f"kept_{name}", int((fold == name).sum())]
    log.info("%s: %d of %d reads kept (%d train, %d val)", team.name, len(kept), len(meta),
             (fold == "train").sum(), (fold == "val").sum())  # fmt: skip
    return split, summary


def load_split(bins_dir: str, split: pd.DataFrame) -> dict[str, Reads]:
    """The reads of each fold, in read-id order (one copy of each fold, nothing more)."""
    ids = split["read_id"].to_numpy()
    folds = split["fold"].to_numpy()
    by_id = np.argsort(ids, kind="stable")
    table = binning.read_bins(bins_dir, read_ids=ids)
    if table.num_rows != len(ids):
        raise ValueError(f"{len(ids) - table.num_rows} selected reads are missing from {bins_dir}")
    read_id = table["read_id"].to_numpy()
    order = np.argsort(read_id, kind="stable")  # table rows in read-id order
    fold = folds[by_id[np.searchsorted(ids, read_id[order], sorter=by_id)]]
    return {
        name: Reads.from_table(table.take(pa.array(order[fold == name])))
        for name in ("train", "val")
    }

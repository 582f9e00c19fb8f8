"""Reads split by length into a hive-partitioned Parquet dataset, and read back.

Layout: ``by_length/length=NNN/part-0.parquet`` (NNN zero-padded; the ``length`` column lives
only in the folder name, the hive convention) plus a bin-count table. Binning streams record
batches, so memory stays flat however many reads there are.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from promoterbench.ingest import READS_SCHEMA

log = logging.getLogger(__name__)
PARTITIONING = ds.partitioning(pa.schema([("length", pa.int16())]), flavor="hive")
BIN_SCHEMA = pa.schema([f for f in READS_SCHEMA if f.name != "length"])
BATCH_ROWS = 1 << 20


def bin_dir(root: str | os.PathLike, length: int) -> Path:
    return Path(root) / f"length={length:03d}"


def bin_by_length(
    reads_path: str | os.PathLike, out_dir: str | os.PathLike, counts_path: str | os.PathLike
) -> dict[int, int]:
    """Partition reads.parquet by read length; write the per-length counts table."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    writers: dict[int, pq.ParquetWriter] = {}
    counts: dict[int, list[int]] = {}
    done = 0
    try:
        for batch in pq.ParquetFile(reads_path).iter_batches(BATCH_ROWS):
            table = pa.Table.from_batches([batch])
            length = table["length"].to_numpy()
            order = np.argsort(length, kind="stable")
            table, length = table.take(pa.array(order)), length[order]
            cuts = np.flatnonzero(np.diff(length)) + 1
            for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(length)]):
                part = table.slice(lo, hi - lo)
                key = int(length[lo])
                if key not in writers:
                    bin_dir(out, key).mkdir(exist_ok=True)
                    path = bin_dir(out, key) / "part-0.parquet"
                    writers[key] = pq.ParquetWriter(path, BIN_SCHEMA, compression="zstd")
                    counts[key] = [0, 0, 0]
                writers[key].write_table(part.drop_columns(["length"]))
                c = counts[key]
                c[0] += part.num_rows
                c[1] += int(pc.sum(pc.greater(part["n_count"], 0)).as_py() or 0)
                c[2] += int(pc.sum(part["is_integer"].cast(pa.int64())).as_py() or 0)
            done += batch.num_rows
            log.info("binned %d reads into %d length bins", done, len(writers))
    finally:
        for writer in writers.values():
            writer.close()
    with open(counts_path, "w") as fh:
        fh.write("length\treads\twith_n\tinteger_labelled\n")
        fh.writelines(f"{k}\t{v[0]}\t{v[1]}\t{v[2]}\n" for k, v in sorted(counts.items()))
    return {k: v[0] for k, v in counts.items()}


def read_bins(
    root: str | os.PathLike,
    columns: Iterable[str] | None = None,
    read_ids: np.ndarray | None = None,
    lengths: Iterable[int] | None = None,
) -> pa.Table:
    """Read reads back from the binned dataset (``length`` included as a column).

    ``lengths`` limits the bins opened; ``read_ids`` keeps only those reads.
    """
    dataset = ds.dataset(root, format="parquet", partitioning=PARTITIONING)
    expr = None
    if lengths is not None:
        expr = pc.field("length").isin(pa.array(sorted(set(lengths)), pa.int16()))
    if read_ids is not None:
        keep = pc.field("read_id").isin(pa.array(np.asarray(read_ids), pa.int64()))
        expr = keep if expr is None else expr & keep
    cols = None if columns is None else list(dict.fromkeys(list(columns)))
    return dataset.to_table(columns=cols, filter=expr)

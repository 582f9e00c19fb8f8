"""Reads split by length into a hive-partitioned Parquet dataset, and read back.

Layout: ``by_length/length=NNN/part-K.parquet`` (NNN zero-padded, one part per writer thread;
the ``length`` column lives only in the folder name, the hive convention) plus a bin-count table. Binning streams the row
groups of reads.parquet, so memory stays flat however many reads there are.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from promoterbench.ingest import PARQUET_OPTIONS, READS_SCHEMA

log = logging.getLogger(__name__)
PARTITIONING = ds.partitioning(pa.schema([("length", pa.int16())]), flavor="hive")
BIN_SCHEMA = pa.schema([f for f in READS_SCHEMA if f.name != "length"])


def bin_dir(root: str | os.PathLike, length: int) -> Path:
    return Path(root) / f"length={length:03d}"


class _BinWriter:
    """Appends tables to one Parquet file per length (``part-{index}.parquet``), in its own thread."""

    def __init__(self, out: Path, index: int) -> None:
        self.out, self.index = out, index
        self.files: dict[int, pq.ParquetWriter] = {}
        self.pool = ThreadPoolExecutor(1)
        self.pending: Future | None = None

    def _append(self, parts: list[tuple[int, pa.Table]]) -> None:
        for length, part in parts:
            if length not in self.files:
                folder = bin_dir(self.out, length)
                folder.mkdir(exist_ok=True)
                path = folder / f"part-{self.index}.parquet"
                self.files[length] = pq.ParquetWriter(path, BIN_SCHEMA, **PARQUET_OPTIONS)
            self.files[length].write_table(part)

    def submit(self, parts: list[tuple[int, pa.Table]]) -> None:
        self.wait()  # at most one batch queued per writer: memory stays flat
        self.pending = self.pool.submit(self._append, parts)

    def wait(self) -> None:
        if self.pending is not None:
            self.pending.result()
            self.pending = None

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self.pool.shutdown()
            for file in self.files.values():
                file.close()


def bin_by_length(
    reads_path: str | os.PathLike,
    out_dir: str | os.PathLike,
    counts_path: str | os.PathLike,
    writers: int = 2,
) -> dict[int, int]:
    """Partition reads.parquet by read length; write the per-length counts table.

    Row groups stream through: the main thread reads and sorts them, ``writers`` threads take
    turns appending them to their own part file of each length (compression is the costly part).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[int, list[int]] = {}
    source = pq.ParquetFile(reads_path)
    pool = [_BinWriter(out, i) for i in range(max(1, writers))]
    done = 0
    try:
        for group in range(source.num_row_groups):
            table = source.read_row_group(group)
            length = table["length"].to_numpy()
            order = np.argsort(length, kind="stable")
            table, length = table.take(pa.array(order)), length[order]
            cuts = np.flatnonzero(np.diff(length)) + 1
            parts = []
            for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(length)]):
                part = table.slice(lo, hi - lo)
                c = counts.setdefault(int(length[lo]), [0, 0, 0])
                c[0] += part.num_rows
                c[1] += int(np.count_nonzero(part["n_count"].to_numpy()))
                c[2] += int(np.count_nonzero(part["is_integer"].to_numpy()))
                parts.append((int(length[lo]), part.drop_columns(["length"])))
            pool[group % len(pool)].submit(parts)
            done += table.num_rows
            log.info("binned %d reads into %d length bins", done, len(counts))
    finally:
        for writer in pool:
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

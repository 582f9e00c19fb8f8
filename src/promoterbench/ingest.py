"""Ingest an official training file into ``reads.parquet``, quarantining every bad line.

Each valid line becomes a row (read_id = its 1-based line number in the raw file, sequence,
expression, length, n_count, is_integer); each invalid line goes to the rejected table with its
line number, reason and text. The raw file is only read (gzip is decompressed on the fly, a
UTF-8 byte-order mark skipped; the QC table says so). An input whose rejected share exceeds
``max_rejected_fraction`` fails after the tables are written, naming the most common problems.
"""

from __future__ import annotations

import collections
import logging
import os
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from promoterbench import formats

log = logging.getLogger(__name__)

READS_SCHEMA = pa.schema(
    [
        ("read_id", pa.int64()),
        ("sequence", pa.string()),
        ("expression", pa.float64()),
        ("length", pa.int16()),
        ("n_count", pa.int16()),
        ("is_integer", pa.bool_()),
    ]
)
REJECTED_COLUMNS = ("line", "reason", "detail", "text")
# Parquet options of reads.parquet and the length bins: lz4 writes 2x and reads 3x faster than
# zstd here (files ~1.8x larger); dictionary encoding and min/max statistics are useless for
# millions of distinct sequences and slow both ways.
PARQUET_OPTIONS = {
    "compression": "lz4",
    "use_dictionary": False,
    "write_statistics": ["read_id", "expression", "length", "n_count", "is_integer"],
}


class IngestError(ValueError):
    """Too much of the input is invalid to trust the rest."""


@dataclass
class IngestSummary:
    """What ingest found: line counts, rejections per reason, lengths, labels and how it read."""

    lines: int = 0
    kept: int = 0
    rejected: collections.Counter = field(default_factory=collections.Counter)
    with_n: int = 0
    integer_labelled: int = 0
    min_length: int = 0
    max_length: int = 0
    below_range: int = 0
    above_range: int = 0
    compression: str = "none"
    bom: bool = False

    def rows(self) -> list[tuple[str, object]]:
        lo, hi = (f"{x:g}" for x in formats.LABEL_RANGE)
        out: list[tuple[str, object]] = [
            ("lines", self.lines),
            ("kept", self.kept),
            ("rejected", sum(self.rejected.values())),
        ]
        out += [(f"rejected_{reason}", n) for reason, n in sorted(self.rejected.items())]
        out += [
            ("kept_with_n", self.with_n),
            ("kept_integer_labelled", self.integer_labelled),
            (f"kept_label_below_{lo}", self.below_range),
            (f"kept_label_above_{hi}", self.above_range),
            ("min_length", self.min_length),
            ("max_length", self.max_length),
            ("input_gzip", int(self.compression == "gzip")),
            ("utf8_bom_stripped", int(self.bom)),
        ]
        return out

    def add(self, table: pa.Table, rejected: formats.Rejected) -> None:
        """Count one parsed block (its valid rows as a reads table, and its rejected lines)."""
        self.lines += table.num_rows + len(rejected)
        self.rejected.update(rejected.reason)
        if not table.num_rows:
            return
        length = table["length"].to_numpy()
        self.min_length = (
            min(self.min_length, int(length.min())) if self.kept else int(length.min())
        )
        self.max_length = max(self.max_length, int(length.max()))
        self.kept += table.num_rows
        self.with_n += int(np.count_nonzero(table["n_count"].to_numpy()))
        self.integer_labelled += int(np.count_nonzero(table["is_integer"].to_numpy()))
        expression = table["expression"].to_numpy()
        self.below_range += int(np.count_nonzero(expression < formats.LABEL_RANGE[0]))
        self.above_range += int(np.count_nonzero(expression > formats.LABEL_RANGE[1]))

    def warning(
        self,
        source: str | os.PathLike,
        rejected_path: str | os.PathLike | None,
        labels: bool = True,
    ) -> str | None:
        """The on-screen warning when lines were left out or labels lie outside the bin range.

        ``rejected_path`` is where the rejected lines are listed; ``labels`` whether the values
        are training labels (mean sorting bins) and so are checked against that range.
        """
        parts = []
        n = sum(self.rejected.values())
        if n:
            per_reason = ", ".join(f"{r} {k}" for r, k in self.rejected.most_common())
            where = f"; each is listed with its line number in {rejected_path}"
            parts.append(
                f"{n} of {self.lines} lines rejected and left out ({per_reason})"
                + (where if rejected_path else "")
            )
        if labels and (self.below_range or self.above_range):
            lo, hi = (f"{x:g}" for x in formats.LABEL_RANGE)
            parts.append(
                f"{self.below_range + self.above_range} kept labels lie outside the sorting-bin "
                f"range {lo}-{hi} ({self.below_range} below {lo}, {self.above_range} above {hi}); "
                "is this the official training file?"
            )
        return f"{source}: " + "; ".join(parts) if parts else None


def records_table(records: formats.Records) -> pa.Table:
    """Arrow table of one parsed block in the reads.parquet schema."""
    seq = records.sequence.cast(pa.string())
    lengths = pc.utf8_length(seq).cast(pa.int16())
    expr = records.expression
    return pa.table(
        {
            "read_id": pa.array(records.line, pa.int64()),
            "sequence": seq,
            "expression": pa.array(expr, pa.float64()),
            "length": lengths,
            "n_count": pa.array(records.n_count.astype(np.int16)),
            "is_integer": pa.array(expr == np.floor(expr)),
        },
        schema=READS_SCHEMA,
    )


def escape(text: str) -> str:
    """A cell of a rejected-lines table: backslashes, tabs and CRs escaped."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r")


def scan(
    source: str | os.PathLike,
    min_length: int,
    max_length: int,
    writer: pq.ParquetWriter | None = None,
) -> tuple[IngestSummary, formats.Rejected]:
    """Validate every line of ``source``; the valid rows go to ``writer`` when one is given."""
    txt = formats.OfficialTxt(source, min_length, max_length)
    summary, rejected = IngestSummary(compression=txt.compression), formats.Rejected()
    pending: Future | None = None
    # one thread compresses and writes block k while the main thread parses block k + 1
    with ThreadPoolExecutor(1) as pool:
        for block in txt:
            table = records_table(block)
            if writer is not None:
                if pending is not None:
                    pending.result()  # at most one block waits: memory stays flat
                pending = pool.submit(writer.write_table, table)
            rejected.extend(block.rejected)
            summary.add(table, block.rejected)
            log.info(
                "ingest %s: %d lines read, %d kept, %d rejected",
                source,
                summary.lines,
                summary.kept,
                len(rejected),
            )
        if pending is not None:
            pending.result()  # surface a failed last write
    summary.bom = txt.bom
    return summary, rejected


def check(
    source: str | os.PathLike,
    summary: IngestSummary,
    rejected: formats.Rejected,
    max_rejected_fraction: float,
) -> None:
    """Raise IngestError for an empty file or one with too many invalid lines."""
    if summary.lines == 0:
        raise IngestError(f"{source}: the file is empty")
    if len(rejected) > max_rejected_fraction * summary.lines:
        common = ", ".join(f"{reason} ({n})" for reason, n in summary.rejected.most_common(3))
        raise IngestError(
            f"{source}: {len(rejected)} of {summary.lines} lines are invalid "
            f"({len(rejected) / summary.lines:.1%} > max_rejected_fraction "
            f"{max_rejected_fraction:.1%}); most common: {common}; "
            f"first: {rejected.describe(source, 3)}"
        )


def write_rejected(path: str | os.PathLike, rejected: formats.Rejected) -> None:
    """The rejected-lines table: line, reason, detail, text (tabs and CRs escaped)."""
    with open(path, "w") as fh:
        fh.write("\t".join(REJECTED_COLUMNS) + "\n")
        for row in sorted(zip(rejected.line, rejected.reason, rejected.detail, rejected.text)):
            fh.write("\t".join(escape(str(x)) for x in row) + "\n")


def ingest(
    source: str | os.PathLike,
    reads_path: str | os.PathLike,
    rejected_path: str | os.PathLike,
    qc_path: str | os.PathLike,
    min_length: int,
    max_length: int,
    max_rejected_fraction: float,
    keep_rejected: str | os.PathLike | None = None,
) -> IngestSummary:
    """Validate ``source`` and write reads.parquet, the rejected-lines TSV and the QC table.

    When the run fails over ``max_rejected_fraction``, the rejected-lines table is also copied to
    ``keep_rejected`` (a path Snakemake keeps when it deletes a failed job's outputs).
    """
    with pq.ParquetWriter(reads_path, READS_SCHEMA, **PARQUET_OPTIONS) as writer:
        summary, rejected = scan(source, min_length, max_length, writer)
    write_rejected(rejected_path, rejected)
    with open(qc_path, "w") as fh:
        fh.write("metric\tvalue\n")
        fh.writelines(f"{k}\t{v}\n" for k, v in summary.rows())
    try:
        check(source, summary, rejected, max_rejected_fraction)
    except IngestError as err:
        if keep_rejected is None or not rejected:
            raise
        Path(keep_rejected).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(rejected_path, keep_rejected)
        raise IngestError(f"{err}. All {len(rejected)} rejected lines are in {keep_rejected}")
    if keep_rejected is not None:
        Path(keep_rejected).unlink(missing_ok=True)  # a table left by an earlier failed run
    return summary

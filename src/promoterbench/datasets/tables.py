"""What the data-set readers share: text lines with their numbers, the checks of one sequence and
one value, the quarantine of bad records (file, line, reason, what exactly is wrong) and writing
a table with its QC and rejected-records files. Raw files are only read."""

from __future__ import annotations

import collections
import logging
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from promoterbench import formats
from promoterbench.ingest import IngestError, escape
from promoterbench.quoting import shorten
from promoterbench.sequence_files import NON_BASE

log = logging.getLogger(__name__)

# Reason codes beyond those of the yeast files (formats.BAD_CHARACTER, LENGTH, ...).
BAD_ID = "bad_id"
DUPLICATE_ID = "duplicate_id"
BAD_FOLD = "bad_fold"
ORIENTATION = "orientation_conflict"
REJECTED_COLUMNS = ("file", "line", "reason", "detail", "text")
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)
_NON_FINITE = ("nan", "inf", "infinity")
_BOM = formats.BOM.decode("latin-1")
PROGRESS_EVERY = 100_000


def numbered_lines(path: str | os.PathLike) -> Iterator[tuple[int, str]]:
    """(1-based line number, text without its LF) of a text file, a leading UTF-8 byte-order mark
    skipped; a FormatError at the first CRLF line. Bytes are read one character each, so a stray
    byte is reported where it stands."""
    with open(path, encoding="latin-1", newline="\n") as fh:
        for number, text in enumerate(fh, start=1):
            text = text.removesuffix("\n")
            if number == 1 and text.startswith(_BOM):
                log.info("%s: skipped a UTF-8 byte-order mark", path)
                text = text[len(_BOM) :]
            if text.endswith("\r"):
                raise formats.FormatError(
                    f"{path}:{number}: CRLF line ending; convert the file with dos2unix"
                )
            yield number, text


def sequence_problem(sequence: str, length: int) -> tuple[str, str] | None:
    """(reason, detail) when ``sequence`` is not ``length`` letters of A, C, G, T, N; else None."""
    bad = NON_BASE.search(sequence)
    if bad:
        return formats.BAD_CHARACTER, (
            f"invalid character {bad.group()!r} at sequence position {bad.start() + 1} "
            "(allowed: ACGTN)"
        )
    if len(sequence) != length:
        return formats.LENGTH, f"sequence length {len(sequence)}, expected {length}"
    return None


def parse_value(text: str, column: str) -> tuple[float, None] | tuple[None, tuple[str, str]]:
    """(value, None) for a finite decimal number, else (None, (reason, detail))."""
    if _DECIMAL.fullmatch(text):
        value = float(text)
        if math.isfinite(value):  # 1e999 overflows to inf
            return value, None
    elif text.lower().lstrip("+-") not in _NON_FINITE:
        return None, (formats.NOT_NUMERIC, f"{column} {shorten(text, 40)!r} is not a number")
    return None, (formats.NOT_FINITE, f"{column} {shorten(text, 40)!r} is not finite")


def header_columns(path: str | os.PathLike, header: str, required: tuple[str, ...]) -> list[str]:
    """The tab-separated column names of a header line; a FormatError naming the missing ones."""
    columns = header.split("\t")
    missing = [name for name in required if name not in columns]
    if missing:
        raise formats.FormatError(
            f"{path}:1: missing column(s) {', '.join(missing)} in the header "
            f"(found: {shorten(', '.join(columns), 200)})"
        )
    return columns


class Columns:
    """Kept records column by column, named as in ``schema``."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.data: dict[str, list] = {f.name: [] for f in schema}

    def add(self, **values: object) -> None:
        for name, value in values.items():
            self.data[name].append(value)

    def table(self, **metadata: str) -> pa.Table:
        """The columns as an Arrow table with ``metadata`` in its schema."""
        return pa.table(self.data, schema=self.schema).replace_schema_metadata(metadata)


@dataclass
class Quarantine:
    """Records left out, per file, and how many records were read in all."""

    rejected: dict[str, formats.Rejected] = field(default_factory=dict)
    records: int = 0

    def add(self, path: str | os.PathLike, line: int, problem: tuple[str, str], text: str) -> None:
        reason, detail = problem
        self.rejected.setdefault(str(path), formats.Rejected()).add(
            line, reason, detail, text[:200]
        )

    def __len__(self) -> int:
        return sum(len(r) for r in self.rejected.values())

    def reasons(self) -> collections.Counter:
        return collections.Counter(r for rej in self.rejected.values() for r in rej.reason)

    def counts(self, kept: int) -> list[tuple[str, object]]:
        """QC rows: records read, kept, rejected in all and per reason."""
        return [
            ("records", self.records),
            ("kept", kept),
            ("rejected", len(self)),
            *sorted((f"rejected_{r}", n) for r, n in self.reasons().items()),
        ]

    def describe(self, limit: int = 3) -> str:
        """The first ``limit`` rejected records of each file as ``file:line: detail``."""
        return "; ".join(rej.describe(path, limit) for path, rej in self.rejected.items())

    def check(self, what: str, max_fraction: float) -> None:
        """IngestError when nothing was read or more than ``max_fraction`` was rejected."""
        if self.records == 0:
            raise IngestError(f"{what}: no records")
        if len(self) > max_fraction * self.records:
            common = ", ".join(f"{r} ({n})" for r, n in self.reasons().most_common(3))
            raise IngestError(
                f"{what}: {len(self)} of {self.records} records are invalid "
                f"({len(self) / self.records:.1%} > max_rejected_fraction {max_fraction:.1%}); "
                f"most common: {common}; first: {self.describe()}"
            )
        if len(self):
            log.warning(
                "%s: %d of %d records left out (%s): %s",
                what,
                len(self),
                self.records,
                ", ".join(f"{r} {n}" for r, n in self.reasons().most_common()),
                self.describe(),
            )

    def write(self, path: str | os.PathLike) -> None:
        """The rejected records as TSV: file, line, reason, detail, text (escaped as ingest does)."""
        with open(path, "w") as fh:
            fh.write("\t".join(REJECTED_COLUMNS) + "\n")
            for name, rej in self.rejected.items():
                for row in sorted(zip(rej.line, rej.reason, rej.detail, rej.text)):
                    fh.write("\t".join(escape(str(c)) for c in (name, *row)) + "\n")


def write_outputs(
    what: str,
    table: pa.Table,
    qc: list[tuple[str, object]],
    quarantine: Quarantine,
    paths: dict[str, str | os.PathLike],
    max_rejected_fraction: float,
) -> None:
    """Write the rejected records (``paths["rejected"]``), then, when their share is within
    ``max_rejected_fraction`` (else IngestError), the table as Parquet (``paths["table"]``) and
    the QC table of (metric, value) rows (``paths["qc"]``)."""
    for path in paths.values():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    quarantine.write(paths["rejected"])
    quarantine.check(what, max_rejected_fraction)
    pq.write_table(table, paths["table"], compression="zstd")
    with open(paths["qc"], "w") as fh:
        fh.write("metric\tvalue\n")
        fh.writelines(f"{k}\t{v}\n" for k, v in qc)


def progress(what: str, records: int) -> None:
    """Log every PROGRESS_EVERY records read."""
    if records % PROGRESS_EVERY == 0:
        log.info("%s: %d records read", what, records)

"""Sequences to run a model on: FASTA, one sequence per line, or the challenge's two-column
``sequence<TAB>expression`` format (plain or gzip, recognised by content, not by name).

Every record is either read or rejected with its line, a reason and what exactly is wrong
(:class:`promoterbench.formats.Rejected`; its ``text`` is the FASTA name or the line): nothing is
dropped silently. FASTA and one-per-line sequences are read in upper case (soft-masked bases count);
the two-column format is read exactly as ingest reads the official files.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from promoterbench import formats

FASTA, LINES, TWO_COLUMN = "FASTA", "one sequence per line", "sequence<TAB>expression"
NON_BASE = re.compile(r"[^ACGTN]")


@dataclass
class SequenceRecords:
    """The readable records of a file: id (FASTA name or line number), line, sequence, and the
    measured expression of the two-column format (else None); the rejected records."""

    ids: list[str]
    line: np.ndarray
    sequences: pa.Array
    expression: np.ndarray | None
    rejected: formats.Rejected
    kind: str

    def __len__(self) -> int:
        return len(self.ids)


def _text(path: str | os.PathLike) -> str:
    """The file's bytes (decompressed), one character per byte: a byte that is not a base is
    reported as an invalid character at its position, never as a decoding error."""
    chunks, buf = [], bytearray(formats.BLOCK_BYTES)
    with formats.open_input(path) as fh:
        try:
            while got := fh.readinto(memoryview(buf)):
                chunks.append(bytes(buf[:got]))
        except OSError as err:
            raise formats.read_error(path, err) from None
    data = b"".join(chunks)
    return (
        data[len(formats.BOM) :].decode("latin-1")
        if data.startswith(formats.BOM)
        else (data.decode("latin-1"))
    )


def _check(sequence: str, record: str, line: int, rejected: formats.Rejected) -> bool:
    """Whether a sequence is over A, C, G, T, N and not empty (else it is rejected)."""
    if not sequence:
        rejected.add(line, formats.EMPTY_LINE, "empty sequence", record)
        return False
    bad = NON_BASE.search(sequence)
    if bad:
        detail = f"invalid character {bad.group()!r} at position {bad.start() + 1} (allowed: ACGTN)"
        rejected.add(line, formats.BAD_CHARACTER, detail, record)
        return False
    return True


def _fasta(lines: list[str]) -> tuple[list[str], list[int], list[str], formats.Rejected]:
    ids, first_lines, seqs, rejected = [], [], [], formats.Rejected()
    header: tuple[str, int] | None = None
    parts: list[str] = []

    def finish() -> None:
        if header is None:
            return
        name, line = header
        seq = "".join(parts).upper()
        if _check(seq, name, line, rejected):
            ids.append(name)
            first_lines.append(line)
            seqs.append(seq)

    for number, text in enumerate(lines, start=1):
        text = text.rstrip("\r")
        if text.startswith(">"):
            finish()
            name = text[1:].split(maxsplit=1)
            header, parts = (name[0] if name else str(number), number), []
        elif header is None:
            if text.strip():
                rejected.add(number, formats.FIELD_COUNT, "sequence before the first header", "")
        else:
            parts.append(text.strip())
    finish()
    return ids, first_lines, seqs, rejected


def _lines(lines: list[str]) -> tuple[list[str], list[int], list[str], formats.Rejected]:
    ids, first_lines, seqs, rejected = [], [], [], formats.Rejected()
    for number, text in enumerate(lines, start=1):
        seq = text.rstrip("\r").strip().upper()
        if _check(seq, str(number), number, rejected):
            ids.append(str(number))
            first_lines.append(number)
            seqs.append(seq)
    return ids, first_lines, seqs, rejected


def _two_column(path: str | os.PathLike) -> SequenceRecords:
    seqs, values, lines, rejected = [], [], [], formats.Rejected()
    for block in formats.OfficialTxt(path):
        seqs.append(block.sequence)
        values.append(block.expression)
        lines.append(block.line)
        rejected.extend(block.rejected)
    line = np.concatenate(lines) if lines else np.zeros(0, np.int64)
    return SequenceRecords(
        ids=[str(n) for n in line],
        line=line,
        sequences=pa.chunked_array(seqs, type=pa.large_string()).combine_chunks(),
        expression=np.concatenate(values) if values else np.zeros(0),
        rejected=rejected,
        kind=TWO_COLUMN,
    )


def read(path: str | os.PathLike) -> SequenceRecords:
    """The records of ``path``; FormatError naming it when it holds none or cannot be read."""
    text = _text(path)
    if not text.strip():
        raise formats.FormatError(f"{path}: no sequences (the file is empty)")
    first = next(line for line in text.splitlines() if line.strip())
    if "\t" in first and not first.startswith(">"):
        records = _two_column(path)
    else:
        lines = text.split("\n")
        if lines[-1] == "":  # the newline that ends the last line
            lines.pop()
        kind = FASTA if any(line.startswith(">") for line in lines) else LINES
        ids, line, seqs, rejected = (_fasta if kind == FASTA else _lines)(lines)
        records = SequenceRecords(
            ids=ids,
            line=np.asarray(line, np.int64),
            sequences=pa.array(seqs, type=pa.large_string()),
            expression=None,
            rejected=rejected,
            kind=kind,
        )
    if not len(records):
        raise formats.FormatError(
            f"{path}: no readable sequences ({records.kind}); "
            f"{len(records.rejected)} rejected: {records.rejected.describe(path)}"
        )
    return records

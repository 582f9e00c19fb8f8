"""The official DREAM 2022 file formats, in and out.

* ``sequence<TAB>expression`` text files without header (``train_sequences.txt``, the MAUDE test
  file): parsed block by block with vectorised checks, so 6.7 M lines never become Python objects.
  Every line that is not a valid record is reported with its line number and reason.
* submission JSON ``{"test index": prediction}``, read with strict validation.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

BLOCK_BYTES = 32 << 20
# what Arrow's string->float cast accepts: decimals, exponents, nan and inf (any case)
_NUMBER = r"(?i)^[+-]?((\d+\.?\d*|\.\d+)(e[+-]?\d+)?|nan|inf|infinity)$"
_BAD_SEQUENCE_BYTE = np.ones(256, dtype=bool)
for _b in b"ACGTN":
    _BAD_SEQUENCE_BYTE[_b] = False

# Reason codes of rejected lines (the detail column says exactly what was wrong).
EMPTY_LINE = "empty_line"
CRLF = "crlf_line_ending"
FIELD_COUNT = "field_count"
BAD_CHARACTER = "bad_character"
LENGTH = "length"
NOT_NUMERIC = "non_numeric_expression"
NOT_FINITE = "non_finite_expression"


class FormatError(ValueError):
    """An input file that cannot be used; the message names the file, line and reason."""


@dataclass
class Rejected:
    """Lines that failed validation: 1-based line number, reason code, detail, the text."""

    line: list[int] = field(default_factory=list)
    reason: list[str] = field(default_factory=list)
    detail: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def add(self, line: int, reason: str, detail: str, text: str) -> None:
        self.line.append(line)
        self.reason.append(reason)
        self.detail.append(detail)
        self.text.append(text)

    def extend(self, other: "Rejected") -> None:
        for name in ("line", "reason", "detail", "text"):
            getattr(self, name).extend(getattr(other, name))

    def __len__(self) -> int:
        return len(self.line)

    def describe(self, path: str | os.PathLike, limit: int = 5) -> str:
        rows = sorted(zip(self.line, self.detail))[:limit]
        return "; ".join(f"{path}:{line}: {detail}" for line, detail in rows)


@dataclass
class Records:
    """Valid records of one block: line numbers, sequences, expression values."""

    line: np.ndarray
    sequence: pa.Array
    expression: np.ndarray
    n_count: np.ndarray
    rejected: Rejected

    def __len__(self) -> int:
        return len(self.line)


def count_lines(path: str | os.PathLike) -> int:
    """Number of lines (a last line without newline counts)."""
    n, last = 0, b"\n"
    with open(path, "rb") as fh:
        while chunk := fh.read(BLOCK_BYTES):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    return n + (last != b"\n")


def _interleaved(buf: np.ndarray, begin: np.ndarray, end: np.ndarray) -> pa.Array:
    """Slices buf[begin[i]:end[i]] (ordered, non-overlapping) as a large_string array."""
    m = len(begin)
    offsets = np.empty(2 * m + 1, dtype=np.int64)
    offsets[0:-1:2], offsets[1::2] = begin, end
    offsets[-1] = end[-1] if m else 0
    both = pa.LargeStringArray.from_buffers(2 * m, pa.py_buffer(offsets), pa.py_buffer(buf))
    return pc.take(both, pa.array(np.arange(0, 2 * m, 2)))


def _rows_with(data: np.ndarray, offsets: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """For each string (given by offsets into data), the number of bytes where mask[byte] holds."""
    pos = np.flatnonzero(mask[data])
    rows = np.searchsorted(offsets, pos, side="right") - 1
    return np.bincount(rows, minlength=len(offsets) - 1)


def _parse_numbers(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Float values and a validity mask of a string array (strict decimal syntax)."""
    try:
        return pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False), np.ones(len(text), bool)
    except pa.ArrowInvalid:
        ok = pc.match_substring_regex(text, _NUMBER).to_numpy(zero_copy_only=False)
        values = np.full(len(text), np.nan)
        if ok.any():
            good = pc.filter(text, pa.array(ok))
            values[ok] = pc.cast(good, pa.float64()).to_numpy(zero_copy_only=False)
        return values, ok


def _parse_block(
    buf: np.ndarray, first_line: int, min_length: int, max_length: int, at_eof: bool
) -> Records:
    ends = np.flatnonzero(buf == 10)
    if at_eof and len(buf) and buf[-1] != 10:
        ends = np.append(ends, len(buf))
    n = len(ends)
    starts = np.empty(n, dtype=np.int64)
    starts[:1] = 0
    starts[1:] = ends[:-1] + 1
    empty = ends == starts
    cr = ~empty & (buf[np.maximum(ends - 1, 0)] == 13)
    tabs = np.flatnonzero(buf == 9)
    tab_line = np.searchsorted(ends, tabs)
    n_tabs = np.bincount(tab_line, minlength=n)
    first_tab = np.full(n, -1, dtype=np.int64)
    first_tab[tab_line[::-1]] = tabs[::-1]
    content_end = ends - cr

    rejected = Rejected()
    reason = np.full(n, "", dtype=object)
    detail = np.full(n, "", dtype=object)
    reason[empty], detail[empty] = EMPTY_LINE, "empty line"
    reason[cr], detail[cr] = CRLF, "CRLF line ending (convert the file with dos2unix)"
    bad_fields = ~empty & ~cr & (n_tabs != 1)
    for i in np.flatnonzero(bad_fields):
        reason[i] = FIELD_COUNT
        detail[i] = f"expected 2 tab-separated fields, found {n_tabs[i] + 1}"

    cand = np.flatnonzero(reason == "")
    seqs = _interleaved(buf, starts[cand], first_tab[cand])
    exprs = _interleaved(buf, first_tab[cand] + 1, content_end[cand])
    seq_offsets, seq_data = _offsets_and_data(seqs)
    seq_len = np.diff(seq_offsets)
    n_bad = _rows_with(seq_data, seq_offsets, _BAD_SEQUENCE_BYTE)
    for j in np.flatnonzero(n_bad):
        row = seq_data[seq_offsets[j] : seq_offsets[j + 1]]
        pos = int(np.flatnonzero(_BAD_SEQUENCE_BYTE[row])[0])
        char = bytes(row[pos : pos + 1]).decode("utf-8", "replace")
        reason[cand[j]] = BAD_CHARACTER
        detail[cand[j]] = (
            f"invalid character {char!r} at sequence position {pos + 1} (allowed: ACGTN)"
        )
    bad_len = (n_bad == 0) & ((seq_len < min_length) | (seq_len > max_length))
    for j in np.flatnonzero(bad_len):
        reason[cand[j]] = LENGTH
        detail[cand[j]] = f"sequence length {seq_len[j]} outside {min_length}-{max_length}"
    values, numeric = _parse_numbers(exprs)
    for j in np.flatnonzero(~numeric & (reason[cand] == "")):
        reason[cand[j]] = NOT_NUMERIC
        detail[cand[j]] = f"expression {exprs[j].as_py()[:40]!r} is not a number"
    for j in np.flatnonzero(numeric & ~np.isfinite(values) & (reason[cand] == "")):
        reason[cand[j]] = NOT_FINITE
        detail[cand[j]] = f"expression {exprs[j].as_py()[:40]!r} is not finite"

    for i in np.flatnonzero(reason != ""):
        text = bytes(buf[starts[i] : ends[i]]).decode("utf-8", "replace")
        rejected.add(first_line + int(i), reason[i], detail[i], text[:200])
    keep = reason[cand] == ""
    keep_arr = pa.array(keep)
    return Records(
        line=first_line + cand[keep],
        sequence=pc.filter(seqs, keep_arr),
        expression=values[keep],
        n_count=_rows_with(seq_data, seq_offsets, _N_BYTE)[keep],
        rejected=rejected,
    )


_N_BYTE = np.zeros(256, dtype=bool)
_N_BYTE[ord("N")] = True


def _offsets_and_data(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    _, off, data = arr.buffers()
    offsets = np.frombuffer(off, dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    return offsets, (np.frombuffer(data, dtype=np.uint8) if data else np.zeros(0, np.uint8))


def iter_official_txt(
    path: str | os.PathLike,
    min_length: int = 1,
    max_length: int = 10_000,
    block_bytes: int = BLOCK_BYTES,
) -> Iterator[Records]:
    """Parse a ``sequence<TAB>expression`` file block by block, validating every line.

    Valid lines have exactly two tab-separated fields, a sequence over ACGTN (upper case) with a
    length in [min_length, max_length], and a finite decimal number; LF line endings only.
    """
    line = 1
    carry = b""
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(block_bytes)
            at_eof = not chunk
            data = carry + chunk
            if not at_eof:
                cut = data.rfind(b"\n") + 1
                if cut == 0:  # a single line longer than the block: keep reading
                    carry = data
                    continue
                data, carry = data[:cut], data[cut:]
            if data:
                buf = np.frombuffer(data, dtype=np.uint8)
                records = _parse_block(buf, line, min_length, max_length, at_eof)
                line += int(np.count_nonzero(buf == 10)) + (at_eof and buf[-1] != 10)
                yield records
            if at_eof:
                return


def read_official_txt(path: str | os.PathLike) -> tuple[pa.Array, np.ndarray]:
    """Read a file that must be entirely valid (e.g. the test file): sequences and values."""
    seqs: list[pa.Array] = []
    values: list[np.ndarray] = []
    for block in iter_official_txt(path):
        if block.rejected:
            raise FormatError(
                f"{len(block.rejected)} invalid line(s): {block.rejected.describe(path)}"
            )
        seqs.append(block.sequence)
        values.append(block.expression)
    sequences = pa.chunked_array(seqs, type=pa.large_string()).combine_chunks()
    return sequences, (np.concatenate(values) if values else np.zeros(0))


def format_expression(values: np.ndarray) -> pa.Array:
    """Expression values as the official files print them (integers without a decimal point)."""
    return pc.cast(pa.array(np.asarray(values, dtype=np.float64)), pa.string())


def write_official_txt(
    dest: str | os.PathLike | BinaryIO, sequences: pa.Array | list[str], values: np.ndarray
) -> None:
    """Write ``sequence<TAB>expression`` lines (LF, no header) to a path or an open binary file."""
    seq = sequences if isinstance(sequences, pa.Array) else pa.array(sequences, pa.string())
    lines = pc.binary_join_element_wise(seq.cast(pa.string()), format_expression(values), "\t")
    joined = pc.binary_join_element_wise(lines, pa.scalar("\n"), "").cast(pa.large_string())
    off, data = _offsets_and_data(joined)
    payload = memoryview(data[off[0] : off[-1]]) if len(joined) else b""
    if isinstance(dest, (str, os.PathLike)):
        with open(dest, "wb") as fh:
            fh.write(payload)
    else:
        dest.write(payload)


# ---------------------------------------------------------------------------------------------
# Submissions


def read_submission(path: str | os.PathLike, n_test: int) -> np.ndarray:
    """Predictions of a submission JSON as an array over test indices (NaN where absent).

    Raises FormatError for invalid JSON, duplicate keys, keys that are not test indices in
    0..n_test-1, and values that are not finite numbers.
    """
    duplicates: list[str] = []

    def no_duplicates(pairs: list[tuple[str, object]]) -> dict:
        seen: dict[str, object] = {}
        for key, value in pairs:
            if key in seen:
                duplicates.append(key)
            seen[key] = value
        return seen

    try:
        with open(path) as fh:
            data = json.load(fh, object_pairs_hook=no_duplicates, parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        raise FormatError(
            f"{path}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})"
        )
    except _ConstantError as err:
        raise FormatError(f"{path}: {err} is not a finite number; predictions must be finite")
    if not isinstance(data, dict):
        raise FormatError(
            f"{path}: expected a JSON object {{test index: prediction}}, got {type(data).__name__}"
        )
    if duplicates:
        raise FormatError(
            f"{path}: {len(duplicates)} duplicate index(es), first: {', '.join(duplicates[:5])}"
        )
    bad_keys = [key for key in data if not (key.isdigit() and str(int(key)) == key)]
    if bad_keys:
        raise FormatError(
            f"{path}: {len(bad_keys)} key(s) are not integer test indices, first: {bad_keys[:5]}"
        )
    idx = np.asarray([int(key) for key in data], dtype=np.int64)
    outside = idx[(idx < 0) | (idx >= n_test)]
    if outside.size:
        raise FormatError(
            f"{path}: {outside.size} index(es) outside the test set 0..{n_test - 1}, "
            f"first: {', '.join(map(str, outside[:5]))}"
        )
    bad_values = [k for k, v in data.items() if not _is_finite_number(v)]
    if bad_values:
        first = ", ".join(f"{k}={data[k]!r}" for k in bad_values[:5])
        raise FormatError(
            f"{path}: {len(bad_values)} prediction(s) are not finite numbers, first: {first}"
        )
    out = np.full(n_test, np.nan)
    out[idx] = np.asarray(list(data.values()), dtype=np.float64)
    return out


class _ConstantError(ValueError):
    pass


def _reject_constant(name: str) -> float:
    raise _ConstantError(name)


def _is_finite_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def write_submission(
    path: str | os.PathLike, predictions: np.ndarray, indices: np.ndarray | None = None
) -> None:
    """Write ``{index: prediction}`` for the given indices (default: all)."""
    predictions = np.asarray(predictions, dtype=np.float64)
    if indices is None:
        indices = np.arange(len(predictions))
    if not np.isfinite(predictions[indices]).all():
        raise ValueError("refusing to write a submission with non-finite predictions")
    payload = {str(int(i)): float(predictions[i]) for i in indices}
    tmp = Path(f"{path}.tmp")
    with open(tmp, "w") as fh:
        json.dump(payload, fh)
    tmp.replace(path)

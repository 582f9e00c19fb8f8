"""The official DREAM 2022 file formats, in and out.

* ``sequence<TAB>expression`` text files without header (``train_sequences.txt``, the MAUDE test
  file): parsed block by block with vectorised checks, so 6.7 M lines never become Python objects.
  Every line that is not a valid record is reported with its line number and reason. A gzip file
  (recognised by its first bytes, whatever its name) is decompressed as it is read, and a leading
  UTF-8 byte-order mark is skipped; other compressions, UTF-16 and CR-only line endings are
  errors that say how to convert the file.
* submission JSON ``{"test index": prediction}``, read with strict validation.
"""

from __future__ import annotations

import json
import logging
import math
import os
import zlib
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator, TextIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from promoterbench.quoting import short_repr, shorten
from promoterbench.sequences import string_buffers

log = logging.getLogger(__name__)

BLOCK_BYTES = 32 << 20
# what Arrow's string->float cast accepts: decimals, exponents, nan and inf (any case)
_NUMBER = r"(?i)^[+-]?((\d+\.?\d*|\.\d+)(e[+-]?\d+)?|nan|inf|infinity)$"

# The training labels are mean sorting bins: 18 bins numbered 0..17.
LABEL_RANGE = (0.0, 17.0)
BOM = b"\xef\xbb\xbf"
GZIP_MAGIC = b"\x1f\x8b"
# Leading bytes of inputs that cannot be read as text: what they are and how to convert them.
_UNREADABLE = {
    b"BZh": ("bzip2-compressed", "bunzip2 -k FILE"),
    b"\xfd7zXZ\x00": ("xz-compressed", "unxz -k FILE"),
    b"\x28\xb5\x2f\xfd": ("zstd-compressed", "unzstd FILE"),
    b"PK\x03\x04": ("a zip archive", "unzip FILE"),
    b"\xff\xfe": ("UTF-16 text", "iconv -f UTF-16 -t UTF-8 FILE > FILE.txt"),
    b"\xfe\xff": ("UTF-16 text", "iconv -f UTF-16 -t UTF-8 FILE > FILE.txt"),
}

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

    def describe(self, path: str | os.PathLike, limit: int = 5, sep: str = "; ") -> str:
        """The first ``limit`` rejected lines as ``path:line: detail``."""
        rows = sorted(zip(self.line, self.detail))[:limit]
        return sep.join(f"{path}:{line}: {detail}" for line, detail in rows)


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


class _ReadAhead:
    """A binary stream whose next chunk is read (decompressed) in a thread while this one is used."""

    def __init__(self, stream: BinaryIO, chunk_bytes: int, pool: ThreadPoolExecutor) -> None:
        self._stream, self._chunk, self._pool = stream, chunk_bytes, pool
        self._next = pool.submit(stream.read, chunk_bytes)
        self._current = memoryview(b"")

    def readinto(self, view: memoryview) -> int:
        if not self._current:
            self._current = memoryview(self._next.result())
            if not self._current:
                return 0
            self._next = self._pool.submit(self._stream.read, self._chunk)
        n = min(len(view), len(self._current))
        view[:n] = self._current[:n]
        self._current = self._current[n:]
        return n


def sniff(path: str | os.PathLike) -> str:
    """``"gzip"`` or ``"none"``; a FormatError for a compression or encoding that is not read."""
    with open(path, "rb") as fh:
        head = fh.read(6)
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    for magic, (what, remedy) in _UNREADABLE.items():
        if head.startswith(magic):
            how = remedy.replace("FILE", str(path))
            raise FormatError(f"{path}: the file is {what}; convert it first: {how}")
    return "none"


@contextmanager
def open_input(path: str | os.PathLike, block_bytes: int = BLOCK_BYTES) -> Iterator[BinaryIO]:
    """The bytes of ``path``, decompressed (one block ahead, in a thread) when it is gzip."""
    if sniff(path) == "none":
        with open(path, "rb", buffering=0) as fh:
            yield fh
        return
    with pa.CompressedInputStream(pa.OSFile(str(path)), "gzip") as raw:
        with ThreadPoolExecutor(1) as pool:
            yield _ReadAhead(raw, block_bytes, pool)  # type: ignore[misc]


def read_error(path: str | os.PathLike, err: OSError) -> Exception:
    """What to raise for a failed read: for gzip data that does not decompress, an error naming
    the file and the last line that did; an I/O error of the disk (it has an errno) as it is."""
    if err.errno is not None:
        return err
    return FormatError(
        f"{path}: the gzip data is truncated or corrupt after line {_lines_before_error(path)} "
        f"({err}); download the file again (`gzip -t {path}` tests a copy)"
    )


_GZIP_WBITS = 31  # zlib: a gzip header and trailer


def _lines_before_error(path: str | os.PathLike, piece_bytes: int = 1 << 16) -> int:
    """Complete lines of a gzip file decompressed before its data ends or fails. The reader's
    decompressor gives up a whole block at the error, so the file is decompressed again here, in
    pieces, and the piece that fails byte by byte from a copy of the state before it."""
    lines, inflate = 0, zlib.decompressobj(_GZIP_WBITS)
    with open(path, "rb") as fh:
        while piece := fh.read(piece_bytes):
            while piece:
                before = inflate.copy()
                try:
                    lines += inflate.decompress(piece).count(b"\n")
                except zlib.error:
                    return lines + _lines_until_error(before, piece)
                piece = inflate.unused_data if inflate.eof else b""
                if inflate.eof:  # the next member of a multi-member (bgzip) file
                    inflate = zlib.decompressobj(_GZIP_WBITS)
    return lines


def _lines_until_error(inflate: zlib._Decompress, piece: bytes) -> int:
    lines = 0
    for i in range(len(piece)):
        try:
            lines += inflate.decompress(piece[i : i + 1]).count(b"\n")
        except zlib.error:
            break
    return lines


def count_lines(path: str | os.PathLike) -> int:
    """Number of lines (a last line without newline counts); gzip files are decompressed."""
    n, last = 0, b"\n"
    buf = bytearray(BLOCK_BYTES)
    with open_input(path) as fh:
        try:
            while got := fh.readinto(memoryview(buf)):
                n += buf.count(b"\n", 0, got)
                last = buf[got - 1 : got]
        except OSError as err:
            raise read_error(path, err) from None
    return n + (last != b"\n")


def _interleaved(buf: np.ndarray, begin: np.ndarray, end: np.ndarray) -> pa.Array:
    """Copies of buf[begin[i]:end[i]] (ordered, non-overlapping) as a large_string array."""
    m = len(begin)
    offsets = np.empty(2 * m + 1, dtype=np.int64)
    offsets[0:-1:2], offsets[1::2] = begin, end
    offsets[-1] = end[-1] if m else 0
    both = pa.LargeStringArray.from_buffers(2 * m, pa.py_buffer(offsets), pa.py_buffer(buf))
    return pc.take(both, pa.array(np.arange(0, 2 * m, 2)))


def _rows_of(positions: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Which string (given by offsets) each byte position falls into."""
    return np.searchsorted(offsets, positions, side="right") - 1


# Bit i of _ACGTN_BITS is set when chr(65 + i) is one of A, C, G, T, N.
_ACGTN_BITS = np.uint32(sum(1 << (ord(b) - 65) for b in "ACGTN"))
_SCAN = 1 << 18  # bytes per chunk: the temporaries stay in cache


def _invalid_rows(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Mask of the strings that contain a byte other than A, C, G, T, N."""
    bad_rows = []
    for lo in range(0, len(data), _SCAN):
        d = data[lo : lo + _SCAN] - np.uint8(65)  # A..T -> 0..19; everything else > 19 (wraps)
        bad = (d > 19) | (((_ACGTN_BITS >> d.astype(np.uint32)) & 1) == 0)
        if bad.any():
            bad_rows.append(_rows_of(np.flatnonzero(bad) + lo, offsets))
    mask = np.zeros(len(offsets) - 1, dtype=bool)
    if bad_rows:
        mask[np.concatenate(bad_rows)] = True
    return mask


def _count_n(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    rows = _rows_of(np.flatnonzero(data == ord("N")), offsets)
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


# Reasons in order of precedence: a line is reported under the first that applies.
_REASONS = (None, EMPTY_LINE, CRLF, FIELD_COUNT, BAD_CHARACTER, LENGTH, NOT_NUMERIC, NOT_FINITE)
_CODE = {reason: code for code, reason in enumerate(_REASONS) if reason}


def _flag(why: np.ndarray, mask: np.ndarray, reason: str) -> None:
    why[(why == 0) & mask] = _CODE[reason]


def _detail(reason: str, text: str, min_length: int, max_length: int) -> str:
    """What exactly is wrong with a rejected line (built only for rejected lines)."""
    if reason == EMPTY_LINE:
        return "empty line"
    if reason == CRLF:
        return "CRLF line ending (convert the file with dos2unix)"
    fields = text.split("\t")
    if reason == FIELD_COUNT:
        return f"expected 2 tab-separated fields, found {len(fields)}"
    seq, expr = fields
    if reason == BAD_CHARACTER:
        pos, char = next((i, c) for i, c in enumerate(seq) if c not in "ACGTN")
        return f"invalid character {char!r} at sequence position {pos + 1} (allowed: ACGTN)"
    if reason == LENGTH:
        return f"sequence length {len(seq)} outside {min_length}-{max_length}"
    what = "a number" if reason == NOT_NUMERIC else "finite"
    return f"expression {expr[:40]!r} is not {what}"


def _parse_block(
    buf: np.ndarray, first_line: int, min_length: int, max_length: int, at_eof: bool
) -> tuple[Records, int]:
    """Parse the complete lines in ``buf``; returns the records and the bytes consumed."""
    ends = np.flatnonzero(buf == 10)
    if at_eof and len(buf) and buf[-1] != 10:
        ends = np.append(ends, len(buf))
    n = len(ends)
    starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64) if n else ends
    empty = ends == starts
    cr = ~empty & (buf[np.maximum(ends - 1, 0)] == 13)
    tabs = np.flatnonzero(buf[: ends[-1] if n else 0] == 9)
    tab_line = np.searchsorted(ends, tabs)
    n_tabs = np.bincount(tab_line, minlength=n)
    first_tab = np.full(n, -1, dtype=np.int64)
    first_tab[tab_line[::-1]] = tabs[::-1]

    why = np.zeros(n, dtype=np.uint8)
    _flag(why, empty, EMPTY_LINE)
    _flag(why, cr, CRLF)
    _flag(why, n_tabs != 1, FIELD_COUNT)
    cand = np.flatnonzero(why == 0)
    seqs = _interleaved(buf, starts[cand], first_tab[cand])
    exprs = _interleaved(buf, first_tab[cand] + 1, ends[cand])
    seq_offsets, seq_data = string_buffers(seqs)
    seq_len = np.diff(seq_offsets)
    values, numeric = _parse_numbers(exprs)
    sub = np.zeros(len(cand), dtype=np.uint8)
    _flag(sub, _invalid_rows(seq_data, seq_offsets), BAD_CHARACTER)
    _flag(sub, (seq_len < min_length) | (seq_len > max_length), LENGTH)
    _flag(sub, ~numeric, NOT_NUMERIC)
    _flag(sub, ~np.isfinite(values), NOT_FINITE)
    why[cand] = sub

    rejected = Rejected()
    for i in np.flatnonzero(why):
        text = bytes(buf[starts[i] : ends[i]]).decode("utf-8", "replace")
        reason = _REASONS[why[i]]
        rejected.add(
            first_line + int(i), reason, _detail(reason, text, min_length, max_length), text[:200]
        )
    keep = sub == 0
    records = Records(
        line=first_line + cand[keep],
        sequence=pc.filter(seqs, pa.array(keep)),
        expression=values[keep],
        n_count=_count_n(seq_data, seq_offsets)[keep],
        rejected=rejected,
    )
    return records, int(ends[-1]) + 1 if n else 0


def _fill(fh: BinaryIO, buf: np.ndarray, start: int) -> tuple[int, bool]:
    """Read into buf[start:] until it is full or the file ends; (end, reached EOF)."""
    view = memoryview(buf)
    end = start
    while end < len(buf):
        got = fh.readinto(view[end:])
        if not got:
            return end, True
        end += got
    return end, False


def _lone_cr_only(buf: np.ndarray) -> bool:
    """Whether a file's first block ends its lines with CR alone (classic Mac) rather than LF."""
    cr = np.flatnonzero(buf == 13)
    lone = np.count_nonzero(buf[np.minimum(cr + 1, len(buf) - 1)] != 10) if len(cr) else 0
    return lone > np.count_nonzero(buf == 10)


class OfficialTxt:
    """A ``sequence<TAB>expression`` file, parsed block by block with every line validated.

    Valid lines have exactly two tab-separated fields, a sequence over ACGTN (upper case) with a
    length in [min_length, max_length], and a finite decimal number; LF line endings only. The
    file is read into one reused buffer (grown only for a line longer than a block). After
    iterating, ``compression`` ("gzip" or "none") and ``bom`` (a UTF-8 byte-order mark was
    skipped) say how the file was read.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        min_length: int = 1,
        max_length: int = 10_000,
        block_bytes: int = BLOCK_BYTES,
    ) -> None:
        self.path, self.min_length, self.max_length = path, min_length, max_length
        self.block_bytes = block_bytes
        self.compression = sniff(path)
        self.bom = False

    def _first_block(self, buf: np.ndarray, end: int) -> int:
        """Skip a byte-order mark and refuse CR-only line endings; the new end of the data."""
        if bytes(buf[: min(end, 3)]) == BOM:
            self.bom = True
            buf[: end - 3] = buf[3:end]
            end -= 3
        if _lone_cr_only(buf[:end]):
            unix = f"{Path(self.path).name}.unix.txt"
            raise FormatError(
                f"{self.path}:1: lines end in CR alone (classic Mac line endings), so the file "
                f"reads as one line; convert it with `mac2unix {self.path}` or "
                f"`tr '\\r' '\\n' < {self.path} > {unix}`"
            )
        return end

    def __iter__(self) -> Iterator[Records]:
        buf = np.empty(self.block_bytes, dtype=np.uint8)
        line, have, first = 1, 0, True
        with open_input(self.path, self.block_bytes) as fh:
            while True:
                try:
                    end, eof = _fill(fh, buf, have)
                except OSError as err:
                    raise read_error(self.path, err) from None
                if first:
                    end, first = self._first_block(buf, end), False
                if eof and end == 0:
                    return
                records, used = _parse_block(
                    buf[:end], line, self.min_length, self.max_length, at_eof=eof
                )
                if eof:
                    yield records
                    return
                if used == 0:  # no complete line in a full buffer: grow it
                    buf = np.concatenate([buf, np.empty(len(buf), dtype=np.uint8)])
                    have = end
                    continue
                line += len(records) + len(records.rejected)
                yield records
                have = end - used
                buf[:have] = buf[used:end]


def read_official_txt(path: str | os.PathLike) -> tuple[pa.Array, np.ndarray]:
    """Read a file that must be entirely valid (e.g. the test file): sequences and values."""
    seqs: list[pa.Array] = []
    values: list[np.ndarray] = []
    txt = OfficialTxt(path)
    for block in txt:
        if block.rejected:
            raise FormatError(
                f"{len(block.rejected)} invalid line(s): {block.rejected.describe(path)}"
            )
        seqs.append(block.sequence)
        values.append(block.expression)
    if txt.bom:
        log.info("%s: skipped a UTF-8 byte-order mark", path)
    sequences = pa.chunked_array(seqs, type=pa.large_string()).combine_chunks()
    return sequences, (np.concatenate(values) if values else np.zeros(0))


def open_text(path: str | os.PathLike) -> TextIO:
    """Open a UTF-8 text file (CSV, JSON) for reading, skipping a leading byte-order mark."""
    with open(path, "rb") as fh:
        if fh.read(3) == BOM:
            log.info("%s: skipped a UTF-8 byte-order mark", path)
    return open(path, encoding="utf-8-sig", newline="")


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
    off, data = string_buffers(joined)
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

    Raises FormatError for invalid or too deeply nested JSON, an empty object, duplicate keys,
    keys that are not test indices in 0..n_test-1, and values that are not finite numbers (an
    integer too large for a float included). Offending keys and values are quoted shortened.
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
        data = json.loads(
            _read_utf8(path),
            object_pairs_hook=no_duplicates,
            parse_constant=_reject_constant,
            parse_int=_parse_int,
        )
    except json.JSONDecodeError as err:
        raise FormatError(
            f"{path}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})"
        ) from None
    except _NumberError as err:
        raise FormatError(f"{path}: {err}; predictions must be finite numbers") from None
    except RecursionError:
        raise FormatError(
            f"{path}: arrays or objects nested too deeply to read; a submission is one flat "
            "object {test index: prediction}"
        ) from None
    if not isinstance(data, dict):
        raise FormatError(
            f"{path}: expected a JSON object {{test index: prediction}}, got {type(data).__name__}"
        )
    if not data:
        raise FormatError(f"{path}: an empty object; a submission maps test indices to predictions")
    if duplicates:
        raise FormatError(
            f"{path}: {len(duplicates)} duplicate index(es), first: {_keys(duplicates)}"
        )
    bad_keys = [key for key in data if not _is_index(key)]
    if bad_keys:
        quoted = ", ".join(map(short_repr, bad_keys[:5]))
        raise FormatError(
            f"{path}: {len(bad_keys)} key(s) are not integer test indices, first: [{quoted}]"
        )
    outside = [key for key in data if len(key) > 18 or int(key) >= n_test]
    if outside:
        raise FormatError(
            f"{path}: {len(outside)} index(es) outside the test set 0..{n_test - 1}, "
            f"first: {_keys(outside)}"
        )
    bad_values = [k for k, v in data.items() if not _is_finite_number(v)]
    if bad_values:
        first = ", ".join(f"{k}={short_repr(data[k])}" for k in bad_values[:5])
        raise FormatError(
            f"{path}: {len(bad_values)} prediction(s) are not finite numbers, first: {first}"
        )
    out = np.full(n_test, np.nan)
    out[np.asarray([int(key) for key in data], dtype=np.int64)] = np.asarray(
        list(data.values()), dtype=np.float64
    )
    return out


def _keys(keys: list[str]) -> str:
    """The first five keys, each shortened."""
    return ", ".join(shorten(key, 40) for key in keys[:5])


def _read_utf8(path: str | os.PathLike) -> str:
    """The text of a UTF-8 file (a leading byte-order mark skipped); errors name file and byte."""
    if Path(path).is_dir():
        raise FormatError(f"{path} is a directory; give the path of the submission JSON file")
    raw = Path(path).read_bytes()
    if raw.startswith(BOM):
        log.info("%s: skipped a UTF-8 byte-order mark", path)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        column = err.start - raw.rfind(b"\n", 0, err.start)
        raise FormatError(
            f"{path}:{line}: byte 0x{raw[err.start]:02x} at column {column} (byte offset "
            f"{err.start}) is not UTF-8; save the file as UTF-8 (from Latin-1: "
            f"`iconv -f latin1 -t utf-8 {path}`)"
        ) from None


def _is_index(key: str) -> bool:
    """ASCII digits only (str.isdigit also accepts '²' and other digit characters), written as
    Python writes the integer (no leading zero)."""
    return key.isascii() and key.isdigit() and (key == "0" or not key.startswith("0"))


class _NumberError(ValueError):
    """A JSON number that is not a finite float."""


def _reject_constant(name: str) -> float:
    raise _NumberError(f"{name} is not a finite number")


_FLOAT_DIGITS = 309  # the largest finite float has 309 integer digits


def _parse_int(text: str) -> int:
    """A JSON integer, refused when no float holds it (it would overflow when scored); checked
    before Python converts it, so a 100,000-digit integer costs no quadratic conversion."""
    if len(text.lstrip("-")) > _FLOAT_DIGITS or not math.isfinite(float(text)):
        raise _NumberError(f"the integer {shorten(text, 40)} is too large for a float")
    return int(text)


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

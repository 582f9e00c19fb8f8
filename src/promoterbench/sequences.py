"""DNA alphabet, the GPRA read layout, and vectorised sequence encodings.

Sequences travel through the workflow as uint8 *codes* (A=0, C=1, G=2, T=3, N=4), one row per read;
models one-hot encode a batch at a time, so a float one-hot of a whole data set never exists.
"""

from __future__ import annotations

from typing import Literal, Sequence

import numpy as np
import pyarrow as pa

ALPHABET = "ACGTN"
N_CODE = 4
PAD_CODE = N_CODE  # padding is written as N, as the teams did

FLANK5 = "TGCATTTTTTTCACATC"  # constant 5' adapter of every GPRA read (17 nt)
FLANK3 = "GGTTACGGCTGTT"  # constant 3' adapter (13 nt)
RANDOM_LENGTH = 80
READ_LENGTH = len(FLANK5) + RANDOM_LENGTH + len(FLANK3)  # 110
# The 150 nt of the GPRA plasmid immediately upstream of the random insert (data/plasmid.json of
# the challenge repository, offsets 3498-3647); it ends with the 5' adapter. LegNet uses it as
# real sequence context in place of padding.
PLASMID_UPSTREAM = (
    "AGTCCACTATTAAAGAACGTGGACTCCAACGTCAAAGGGCGAAAAACCGTCTATCAGGGCGATGGCCCACTACGTGAACCATCACCC"
    "TAATCAAGTGCTAGCAGGAATGATGCAAAAGGTTCCCGATTCGAACTGCATTTTTTTCACATC"
)

_LUT = np.full(256, 255, dtype=np.uint8)
for _code, _base in enumerate(ALPHABET):
    _LUT[ord(_base)] = _code
_ASCII = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)
_COMPLEMENT = np.array([3, 2, 1, 0, 4], dtype=np.uint8)

Side = Literal["left", "right"]


def as_string_array(seqs: Sequence[str] | np.ndarray | pa.Array | pa.ChunkedArray) -> pa.Array:
    """Sequences as one large_string Arrow array."""
    if isinstance(seqs, pa.ChunkedArray):
        seqs = seqs.combine_chunks()
    if not isinstance(seqs, pa.Array):
        seqs = pa.array(list(seqs) if not isinstance(seqs, np.ndarray) else seqs, type=pa.string())
    if pa.types.is_large_string(seqs.type):
        return seqs
    return seqs.cast(pa.large_string())


def string_buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (int64, n+1) and the raw byte buffer of a large_string array, zero-copy."""
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    )
    return offsets, data


def lengths(seqs: Sequence[str] | pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Length of every sequence, as int64."""
    offsets, _ = string_buffers(as_string_array(seqs))
    return np.diff(offsets)


ROWS_PER_CHUNK = 1 << 15  # index temporaries stay ~30 MB whatever the number of reads


def encode(
    seqs: Sequence[str] | pa.Array | pa.ChunkedArray,
    length: int,
    pad: Side = "right",
    keep: Side = "left",
) -> np.ndarray:
    """Encode sequences into a (n, length) uint8 code matrix.

    Shorter sequences are padded with N on the ``pad`` side; longer ones keep their ``keep``-most
    ``length`` nucleotides (``keep="left"`` keeps the first ``length`` nt). Raises ValueError on any
    character outside ACGTN. Works through the rows in chunks, so memory stays at the output.
    """
    arr = as_string_array(seqs)
    if arr.null_count:
        raise ValueError("sequence array contains nulls")
    offsets, data = string_buffers(arr)
    out = np.full((len(arr), length), PAD_CODE, dtype=np.uint8)
    col = np.arange(length)
    for lo in range(0, len(arr), ROWS_PER_CHUNK):
        off = offsets[lo : lo + ROWS_PER_CHUNK + 1]
        lens = np.diff(off)
        block = out[lo : lo + len(lens)]
        if np.all(lens == length):
            block[:] = _LUT[data[off[0] : off[-1]].reshape(len(lens), length)]
            continue
        take = np.minimum(lens, length)
        src_start = off[:-1] + (0 if keep == "left" else lens - take)
        dst_start = 0 if pad == "right" else length - take
        rel = col[None, :] - np.broadcast_to(dst_start, lens.shape)[:, None]
        valid = (rel >= 0) & (rel < take[:, None])
        block[valid] = _LUT[data[(src_start[:, None] + rel)[valid]]]
    bad = (out == 255).any(axis=1)
    if bad.any():
        raise ValueError(
            f"sequence {int(np.flatnonzero(bad)[0])} contains a character outside {ALPHABET}"
        )
    return out


def with_context(codes: np.ndarray, kept: np.ndarray, context: np.ndarray) -> np.ndarray:
    """Replace all but the last ``kept[i]`` codes of row i by the end of ``context`` (in place).

    Rows must be right-aligned (padded on the left); used to put real upstream vector sequence
    where a fixed-width model would otherwise see padding.
    """
    width = codes.shape[1]
    col = np.arange(width)
    for lo in range(0, len(codes), ROWS_PER_CHUNK):
        k = np.minimum(kept[lo : lo + ROWS_PER_CHUNK], width)
        fill = col[None, :] < (width - k)[:, None]
        source = col[None, :] + k[:, None] + len(context) - width
        codes[lo : lo + len(k)][fill] = context[np.clip(source, 0, len(context) - 1)[fill]]
    return codes


def decode(codes: np.ndarray) -> list[str]:
    """Turn a (n, L) code matrix back into strings."""
    ascii_rows = _ASCII[codes]
    return [row.tobytes().decode() for row in ascii_rows]


def reverse_complement(codes: np.ndarray) -> np.ndarray:
    """Reverse complement of a (..., L) code array (N stays N)."""
    return _COMPLEMENT[codes][..., ::-1].copy()


def random_codes(rng: np.random.Generator, shape: tuple[int, ...], gc: float = 0.5) -> np.ndarray:
    """IID random nucleotides (codes 0-3) with the given GC fraction."""
    if gc == 0.5:
        return rng.integers(0, 4, size=shape, dtype=np.uint8)
    u = rng.random(shape, dtype=np.float32)
    is_gc = u < gc
    # within each class pick one of two bases: A/T for AT, C/G for GC
    second = rng.integers(0, 2, size=shape, dtype=np.uint8).astype(bool)
    return np.where(is_gc, np.where(second, 2, 1), np.where(second, 3, 0)).astype(np.uint8)


def flank_codes() -> tuple[np.ndarray, np.ndarray]:
    """The constant 5' and 3' adapters as code vectors."""
    return encode([FLANK5], len(FLANK5))[0], encode([FLANK3], len(FLANK3))[0]

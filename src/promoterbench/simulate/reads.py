"""Synthetic GPRA training reads: adapter + random region + adapter, with the real length spread.

Real reads are 17 nt of 5' adapter, ~80 random nt and 13 nt of 3' adapter; synthesis errors make
82 % exactly 110 nt, 13 % 109 nt, with a tail from 87 to 135 nt, and ~0.4 % carry N (mostly
several). Reads are held as uint8 codes right-aligned in a (n, MAX_LENGTH) matrix, padded with N on
the left, so the 3' end (next to the promoter) sits in the same column for every read.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from promoterbench import sequences as sq

MIN_LENGTH, MAX_LENGTH = 87, 135
ADAPTERS = len(sq.FLANK5) + len(sq.FLANK3)

# P(read length), after the de Boer-lab demo data: 110 nt 82 %, 109 nt 12.7 %, 108 nt 2.4 %,
# 107 nt 0.8 %, then a thin tail down to 87 and up to 135 nt.
_LENGTH_P = {110: 0.820, 109: 0.127, 108: 0.024, 107: 0.0075, 111: 0.005, 106: 0.0045, 105: 0.0025}
_SHORT_TAIL, _LONG_TAIL = 0.0065, 0.0015
_short = np.arange(MIN_LENGTH, 105)
_long = np.arange(112, MAX_LENGTH + 1)
_decay = np.exp((_short - 104) / 5.0)
LENGTHS = np.array(list(_LENGTH_P) + list(_short) + list(_long))
LENGTH_P = np.array(
    list(_LENGTH_P.values())
    + list(_SHORT_TAIL * _decay / _decay.sum())
    + [_LONG_TAIL / len(_long)] * len(_long)
)
LENGTH_P = LENGTH_P / LENGTH_P.sum()

N_READ_FRACTION = 0.004  # reads with at least one N
N_FEW_FRACTION = 0.15  # of those, the share with 1–3 N (the rest have 4–15)


def sample_lengths(rng: np.random.Generator, n: int) -> np.ndarray:
    """Read lengths drawn from the GPRA length distribution."""
    return LENGTHS[rng.choice(len(LENGTHS), size=n, p=LENGTH_P)]


def assemble(rng: np.random.Generator, lengths: np.ndarray) -> np.ndarray:
    """Right-aligned reads (n, MAX_LENGTH): adapters around a random region of length − 30."""
    n = len(lengths)
    out = np.full((n, MAX_LENGTH), sq.N_CODE, dtype=np.uint8)
    flank5, flank3 = sq.flank_codes()
    out[:, MAX_LENGTH - len(flank3) :] = flank3
    random = sq.random_codes(rng, (n, MAX_LENGTH - ADAPTERS))
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        start = MAX_LENGTH - length
        out[rows, start : start + len(flank5)] = flank5
        body = length - ADAPTERS
        out[rows, start + len(flank5) : MAX_LENGTH - len(flank3)] = random[rows, :body]
    return out


def mask_with_n(rng: np.random.Generator, codes: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """A copy of ``codes`` where ~0.4 % of reads have sequencing N at random read positions."""
    out = codes.copy()
    hit = np.flatnonzero(rng.random(len(codes)) < N_READ_FRACTION)
    few = rng.random(len(hit)) < N_FEW_FRACTION
    count = np.where(few, rng.integers(1, 4, len(hit)), rng.integers(4, 16, len(hit)))
    for row, k in zip(hit, count):
        pos = rng.choice(lengths[row], size=min(k, lengths[row]), replace=False)
        out[row, MAX_LENGTH - lengths[row] + pos] = sq.N_CODE
    return out


def to_strings(codes: np.ndarray, lengths: np.ndarray) -> pa.Array:
    """Right-aligned codes as a large_string array of the reads."""
    width = codes.shape[1]
    valid = np.arange(width)[None, :] >= (width - lengths)[:, None]
    data = np.frombuffer(sq.ALPHABET.encode(), np.uint8)[codes[valid]]
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return pa.LargeStringArray.from_buffers(len(lengths), pa.py_buffer(offsets), pa.py_buffer(data))

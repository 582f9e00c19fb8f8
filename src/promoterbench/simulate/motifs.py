"""Yeast transcription-factor motifs of the synthetic world and how each acts on expression.

The motifs are consensus approximations of well-known yeast binding sites (IUPAC strings; the
world is synthetic, so they need to be plausible, not exact). Every motif has eight informative
columns in two blocks of four, ``consensus[0:4]`` and ``consensus[gap:gap + 4]``, with N in between:
contiguous 8-mers (gap 4) and bipartite sites (Abf1, Rap1, Mcm1) alike. Binding therefore depends on
one 8-mer, so occupancies are precomputed for all 65,536 8-mers and looked up (fast enough for
6.7 M reads).

Each informative column becomes a position weight matrix column: the named base(s) share 85 % of
the probability, the others the rest. Scores are log-odds in quarter bits rounded to integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

IUPAC = {
    "A": "A", "C": "C", "G": "G", "T": "T", "W": "AT", "S": "CG", "R": "AG", "Y": "CT",
    "K": "GT", "M": "AC", "N": "ACGT",
}  # fmt: skip
SPECIFICITY = 0.85  # probability mass of the consensus base(s) in every column
QUANT = 4  # score units per bit
BLOCK = 4


@dataclass(frozen=True)
class Motif:
    """A TF site and its effect: sign/strength, preferred distance to the TSS, orientation bias.

    ``position`` and ``spread`` (nt) describe a Gaussian window over the distance from the read's
    3' end (the TSS is a fixed distance downstream); ``reverse`` scales sites on the minus strand.
    ``affinity`` is the log2 of the TF's effective concentration: a consensus site is bound with
    probability 2^affinity / (1 + 2^affinity); every mismatch lowers the affinity about 16-fold.
    """

    name: str
    consensus: str
    effect: float
    position: float
    spread: float
    reverse: float = 1.0
    affinity: float = 3.0

    def __post_init__(self) -> None:
        gap = len(self.consensus) - BLOCK
        middle = self.consensus[BLOCK:gap]
        if gap < BLOCK or set(middle) - {"N"} or set(self.consensus) - set(IUPAC):
            raise ValueError(f"{self.name}: consensus must be 4 nt + N* + 4 nt over IUPAC codes")

    @property
    def width(self) -> int:
        return len(self.consensus)

    @property
    def gap(self) -> int:
        """Offset of the second 4-nt block from the first."""
        return self.width - BLOCK

    @property
    def blocks(self) -> str:
        """The eight informative columns."""
        return self.consensus[:BLOCK] + self.consensus[self.gap :]

    @cached_property
    def pwm(self) -> np.ndarray:
        """Integer log-odds (quarter bits) of the informative columns, shape (4, 8), A C G T."""
        cols = []
        for char in self.blocks:
            bases = IUPAC[char]
            if len(bases) == 4:
                cols.append([0.25] * 4)
                continue
            hit = SPECIFICITY / len(bases)
            miss = (1 - SPECIFICITY) / (4 - len(bases))
            cols.append([hit if b in bases else miss for b in "ACGT"])
        return np.rint(QUANT * np.log2(np.asarray(cols).T / 0.25)).astype(np.int64)


# A dozen yeast regulators: general regulatory factors and activators raise expression, Ume6
# (URS1) and Mot3 repress; TATA acts close to the TSS; poly(dA:dT) works better as poly(dT) on
# the top strand, as in yeast GPRA data; Hsf1 sites cooperate (trimer).
MOTIFS: tuple[Motif, ...] = (
    Motif("Reb1", "TTACCCGG", effect=1.5, position=55, spread=28, reverse=0.5, affinity=3.5),
    Motif("Rap1", "ACCCNTACA", effect=1.7, position=62, spread=32, reverse=0.8, affinity=4.0),
    Motif("Abf1", "TCAYNNNNNACGA", effect=1.3, position=55, spread=35, reverse=0.9, affinity=4.0),
    Motif("Gcn4", "ATGASTCA", effect=1.2, position=50, spread=30, affinity=3.0),
    Motif("Mcm1", "CCWWNNWWGG", effect=0.9, position=60, spread=30, affinity=3.0),
    Motif("TATA", "TATAWAWR", effect=1.4, position=28, spread=12, reverse=0.4, affinity=3.0),
    Motif("polyA", "AAAAAAAA", effect=0.6, position=55, spread=40, reverse=1.7, affinity=2.5),
    Motif("Ume6", "AGCCGCCG", effect=-1.5, position=55, spread=40, affinity=3.5),
    Motif("Mga1", "TTCTAGAA", effect=0.8, position=45, spread=30, reverse=0.7, affinity=3.0),
    Motif("Hsf1", "GAANNTTC", effect=0.4, position=50, spread=35, affinity=2.5),
    Motif("Mot3", "TAAGGCAA", effect=-1.0, position=50, spread=35, affinity=3.0),
    Motif("Cbf1", "TCACGTGA", effect=0.9, position=60, spread=30, affinity=3.0),
)
MOTIF_BY_NAME = {m.name: m for m in MOTIFS}

# Cooperativity: the product of two motifs' positional occupancies adds this much activity.
COOPERATIVE_PAIRS: tuple[tuple[str, str, float], ...] = (
    ("Gcn4", "TATA", 1.5),  # activator + core promoter synergy
    ("Hsf1", "Hsf1", 0.8),  # Hsf1 binds as a trimer: several sites act together
)

"""The biophysical expression model of the synthetic world.

For a read aligned at its 3' end (where the core promoter and the TSS follow):

1. every motif m is scored at every start position p and both strands with its PWM;
2. occupancy θ = K / (1 + K), with K = 2^(affinity + (score − best score) / 4 bits): a consensus
   site is bound with probability 2^a / (1 + 2^a), each mismatch lowers K about 16-fold;
3. positional occupancy A_m = Σ_{p,s} θ · w_m(d) · o_m(s), where d is the distance from the 3' end
   to the site's centre, w_m a Gaussian window (tapered to 0 between 100 and 120 nt) and o_m the
   orientation factor (1 on the plus strand, ``reverse`` on the minus strand);
4. activity a = Σ_m effect_m · A_m + Σ_pairs γ · A_i · A_j (cooperativity);
5. expression y = LOW + (HIGH − LOW) · sigmoid(GAIN · (a − CENTRE)): saturating, on the scale of
   the 18 sorting bins (0–17) of the training experiment.

Because a motif's binding depends on eight informative columns, θ of both strands is tabulated for
all 65,536 8-mers and step 3 is one ``embedding_bag`` per motif (gather + weighted sum, fused).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from promoterbench.simulate.motifs import COOPERATIVE_PAIRS, MOTIFS, QUANT, Motif

WINDOW = 120  # nt upstream of the 3' end that can matter (weights are 0 beyond)
TAPER = (100.0, 120.0)
LOW, HIGH = 1.5, 17.8  # saturation limits of y (bin scale)
GAIN, CENTRE = 0.75, 0.8  # calibrated: random 80-mers give labels like the real GPRA data
CHUNK = 16_384
SENTINEL = 4**8  # index of the all-zero table row used for windows outside the read


def _profile(motif: Motif) -> np.ndarray:
    """w_m(d) for every window start in the right-aligned WINDOW."""
    start = np.arange(WINDOW - motif.width + 1)
    dist = WINDOW - start - motif.width / 2.0
    w = np.exp(-0.5 * ((dist - motif.position) / motif.spread) ** 2)
    lo, hi = TAPER
    ramp = np.clip((hi - dist) / (hi - lo), 0.0, 1.0)
    return w * 0.5 * (1 - np.cos(np.pi * ramp))


def _table(motif: Motif) -> np.ndarray:
    """θ·o for both strands of every 8-mer (rows) plus a zero sentinel row: (4^8 + 1, 2)."""
    kmer = np.arange(SENTINEL)
    bases = (kmer[:, None] >> (2 * np.arange(7, -1, -1))[None, :]) & 3  # (65536, 8)
    cols = np.arange(8)
    plus = motif.pwm[bases, cols].sum(axis=1)
    minus = motif.pwm[3 - bases[:, ::-1], cols].sum(axis=1)  # reverse complement of the site
    best = motif.pwm.max(axis=0).sum()
    out = np.zeros((SENTINEL + 1, 2), dtype=np.float64)
    for j, (score, factor) in enumerate(((plus, 1.0), (minus, motif.reverse))):
        log2k = motif.affinity + (score - best) / QUANT
        out[:SENTINEL, j] = factor / (1.0 + np.exp(-math.log(2.0) * log2k))
    return out.astype(np.float32)


class ExpressionModel:
    """Noise-free expression of sequences under the world's motifs (see module docstring)."""

    def __init__(self, motifs: tuple[Motif, ...] = MOTIFS, pairs=COOPERATIVE_PAIRS) -> None:
        self.motifs = motifs
        self.names = [m.name for m in motifs]
        self.effect = np.array([m.effect for m in motifs])
        self.pairs = [(self.names.index(a), self.names.index(b), g) for a, b, g in pairs]
        self.tables = [torch.from_numpy(_table(m)) for m in motifs]
        self.profiles = [torch.from_numpy(_profile(m).astype(np.float32)) for m in motifs]

    def occupancy(self, codes: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Positional occupancy A (n, n_motifs) of right-aligned codes (n, WINDOW)."""
        if codes.ndim != 2 or codes.shape[1] != WINDOW:
            raise ValueError(f"codes must be right-aligned to width {WINDOW}")
        out = np.empty((len(codes), len(self.motifs)), dtype=np.float64)
        gaps = sorted({m.gap for m in self.motifs})
        starts = torch.arange(WINDOW)
        weights: dict[tuple[int, int], torch.Tensor] = {}  # per motif and chunk size
        with torch.inference_mode():
            for lo in range(0, len(codes), CHUNK):
                c = torch.from_numpy(np.ascontiguousarray(codes[lo : lo + CHUNK]))
                n = len(c)
                first = torch.from_numpy(WINDOW - np.asarray(lengths[lo : lo + n], dtype=np.int64))
                outside = starts[None, :] < first[:, None]
                i4 = ((c[:, :-3] << 6) | (c[:, 1:-2] << 4) | (c[:, 2:-1] << 2) | c[:, 3:]).int()
                index = {}
                for gap in gaps:  # 8-mer index of every window, per block spacing
                    n_starts = WINDOW - 3 - gap
                    idx = (i4[:, :n_starts] << 8) | i4[:, gap : gap + n_starts]
                    index[gap] = idx.masked_fill_(outside[:, :n_starts], SENTINEL)
                for k, m in enumerate(self.motifs):
                    idx = index[m.gap]
                    if (k, n) not in weights:
                        weights[k, n] = self.profiles[k].expand(idx.shape).contiguous()
                    occ = F.embedding_bag(
                        idx, self.tables[k], mode="sum", per_sample_weights=weights[k, n]
                    )
                    out[lo : lo + n, k] = occ.sum(1).double().numpy()
        return out

    def activity(self, occupancy: np.ndarray) -> np.ndarray:
        """Activity a from positional occupancies (effects plus cooperative terms)."""
        a = occupancy @ self.effect
        for i, j, gamma in self.pairs:
            a = a + gamma * occupancy[:, i] * occupancy[:, j]
        return a

    def expression(self, codes: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Noise-free expression y on the 0–17 bin scale, for right-aligned codes."""
        a = self.activity(self.occupancy(codes, lengths))
        return LOW + (HIGH - LOW) / (1.0 + np.exp(-GAIN * (a - CENTRE)))


def right_align(codes: np.ndarray) -> np.ndarray:
    """Right-align an (n, L) code matrix into (n, WINDOW), keeping the 3'-most WINDOW nt."""
    n, length = codes.shape
    out = np.full((n, WINDOW), 4, dtype=np.uint8)
    keep = min(length, WINDOW)
    out[:, WINDOW - keep :] = codes[:, length - keep :]
    return out

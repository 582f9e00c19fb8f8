"""The synthetic test set: every official category, built the way the organisers built theirs.

* random: fresh random 80-mers between the adapters, like the training reads;
* high / low: evolved by a genetic algorithm towards maximal / minimal expression;
* native: native-like promoter fragments: AT-rich, with planted motif sites and poly(dA:dT) tracts
  (their CSV lists some sequences twice, as the real yeast_seqs.csv does);
* challenging: evolved to maximise the disagreement between the true model and a naive additive
  one (no cooperativity, no saturation), i.e. where simple models fail;
* snv: hub sequences and single-nucleotide variants of them, scored as (variant, hub) pairs;
* motif_perturbation: Reb1 and Hsf1 sites (one, three, or a weakened one) inserted into random
  backgrounds, paired with the background;
* motif_tiling: one motif slid along random backgrounds in both orientations, paired with the
  background;
* uncategorised: random sequences of varied GC that count only in "all".

All test sequences are 110 nt, contain no N and are unique; their index is their rank in sorted
order, as in the official file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from promoterbench import sequences as sq
from promoterbench.simulate.expression import ExpressionModel, right_align
from promoterbench.simulate.motifs import IUPAC, MOTIF_BY_NAME, Motif

LENGTH = sq.READ_LENGTH
BODY = slice(len(sq.FLANK5), len(sq.FLANK5) + sq.RANDOM_LENGTH)  # the random region
PERTURBED = ("Reb1", "Hsf1")
TILED = ("Mga1", "polyA", "Ume6", "Mot3", "Reb1", "Gcn4")
NATIVE_GC = 0.36


@dataclass(frozen=True)
class CategorySizes:
    """How many test sequences of each kind (config ``synthetic.test``)."""

    random: int = 2000
    high: int = 300
    low: int = 300
    native: int = 250
    challenging: int = 400
    snv_hubs: int = 500
    snv_per_hub: int = 8
    perturbation_backgrounds: int = 10
    tiling_backgrounds: int = 3
    tiling_stride: int = 3
    uncategorised: int = 1000
    public_fraction: float = 0.115
    ga_generations: int = 20


@dataclass
class TestSet:
    """Unique test sequences (index = position) with their category memberships."""

    sequences: list[str]
    expression: np.ndarray  # noise-free, bin scale
    singles: dict[str, list[tuple[str, int]]]  # category -> CSV rows (tag, index)
    pairs: dict[str, list[tuple[str, str, int, int]]]  # (alt_tag, ref_tag, alt, ref)
    public_singles: dict[str, np.ndarray] = field(default_factory=dict)
    public_pairs: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def ground(self) -> np.ndarray:
        """The public leaderboard indices: public single members and both members of public pairs."""
        parts = list(self.public_singles.values()) + [p.ravel() for p in self.public_pairs.values()]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)


class _Pool:
    """Unique sequences in order of first appearance."""

    def __init__(self) -> None:
        self.ids: dict[bytes, int] = {}
        self.rows: list[np.ndarray] = []

    def add(self, codes: np.ndarray) -> np.ndarray:
        out = np.empty(len(codes), dtype=np.int64)
        for i, row in enumerate(codes):
            key = row.tobytes()
            if key not in self.ids:
                self.ids[key] = len(self.rows)
                self.rows.append(row.copy())
            out[i] = self.ids[key]
        return out


def _with_adapters(body: np.ndarray) -> np.ndarray:
    flank5, flank3 = sq.flank_codes()
    n = len(body)
    return np.concatenate([np.tile(flank5, (n, 1)), body, np.tile(flank3, (n, 1))], axis=1)


def _random_seqs(rng: np.random.Generator, n: int, gc: float = 0.5) -> np.ndarray:
    return _with_adapters(sq.random_codes(rng, (n, sq.RANDOM_LENGTH), gc))


def _site(motif: Motif, rng: np.random.Generator, reverse: bool, mismatches: int = 0) -> np.ndarray:
    """A concrete binding site (codes, length motif.width); N columns are left as 255 (keep)."""
    codes = []
    for char in motif.consensus:
        bases = IUPAC[char]
        codes.append(255 if len(bases) == 4 else sq.ALPHABET.index(bases[rng.integers(len(bases))]))
    site = np.array(codes, dtype=np.int64)
    informative = np.flatnonzero(site != 255)
    for pos in rng.choice(informative, size=mismatches, replace=False):
        site[pos] = (site[pos] + rng.integers(1, 4)) % 4
    if reverse:
        site = np.where(site == 255, 255, 3 - site)[::-1]
    return site


def _insert(seq: np.ndarray, site: np.ndarray, start: int) -> np.ndarray:
    """Copy of ``seq`` with ``site`` written at body position ``start`` (255 keeps the base)."""
    out = seq.copy()
    window = out[BODY.start + start : BODY.start + start + len(site)]
    window[:] = np.where(site == 255, window, site)
    return out


class Designer:
    """Builds a TestSet from an expression model, deterministically from ``rng``."""

    def __init__(
        self, model: ExpressionModel, rng: np.random.Generator, sizes: CategorySizes
    ) -> None:
        self.model, self.rng, self.sizes = model, rng, sizes
        self.pool = _Pool()
        self.singles: dict[str, list[tuple[str, int]]] = {}
        self.pairs: dict[str, list[tuple[str, str, int, int]]] = {}
        ref = _random_seqs(rng, 4000)
        self._naive_stats = self._stats(self._naive(ref))
        self._true_stats = self._stats(self.expression(ref))

    # -- models ------------------------------------------------------------------------------
    def expression(self, codes: np.ndarray) -> np.ndarray:
        return self.model.expression(right_align(codes), np.full(len(codes), LENGTH))

    def _naive(self, codes: np.ndarray) -> np.ndarray:
        occupancy = self.model.occupancy(right_align(codes), np.full(len(codes), LENGTH))
        return occupancy @ self.model.effect

    @staticmethod
    def _stats(x: np.ndarray) -> tuple[float, float]:
        return float(x.mean()), float(x.std())

    def _disagreement(self, codes: np.ndarray) -> np.ndarray:
        (mt, st), (mn, sn) = self._true_stats, self._naive_stats
        return np.abs((self.expression(codes) - mt) / st - (self._naive(codes) - mn) / sn)

    def evolve(
        self, codes: np.ndarray, fitness, children: int = 8, staggered: bool = False
    ) -> np.ndarray:
        """Genetic algorithm: each generation, keep the fittest of a parent and its mutants.

        ``staggered`` stops every lineage after its own number of generations (1 to the maximum),
        so the result spans a range of fitness instead of piling up at the optimum.
        """
        rng = self.rng
        generations = self.sizes.ga_generations
        stop = (
            rng.integers(1, generations + 1, len(codes))
            if staggered
            else np.full(len(codes), generations)
        )
        for g in range(generations):
            kids = np.repeat(codes, children, axis=0)
            rows = np.arange(len(kids))
            for _ in range(2):
                pos = rng.integers(BODY.start, BODY.stop, len(kids))
                kids[rows, pos] = (kids[rows, pos] + rng.integers(1, 4, len(kids))) % 4
            family = np.concatenate([codes[:, None], kids.reshape(len(codes), children, -1)], 1)
            score = fitness(family.reshape(-1, LENGTH)).reshape(len(codes), children + 1)
            best = np.where(stop > g, score.argmax(1), 0)
            codes = family[np.arange(len(codes)), best]
        return codes

    # -- categories --------------------------------------------------------------------------
    def _add_singles(self, category: str, codes: np.ndarray, tags: list[str]) -> np.ndarray:
        ids = self.pool.add(codes)
        self.singles.setdefault(category, []).extend(zip(tags, ids.tolist()))
        return ids

    def _add_pairs(
        self, category: str, alt: np.ndarray, ref: np.ndarray, alt_tags, ref_tags
    ) -> None:
        alt_ids, ref_ids = self.pool.add(alt), self.pool.add(ref)
        rows = zip(alt_tags, ref_tags, alt_ids.tolist(), ref_ids.tolist())
        self.pairs.setdefault(category, []).extend(rows)

    def native_like(self, n: int) -> np.ndarray:
        rng = self.rng
        codes = _random_seqs(rng, n, NATIVE_GC)
        names = [m for m in MOTIF_BY_NAME if m not in ("Ume6", "Mot3")] + ["Ume6", "Mot3"]
        for i in range(n):
            for _ in range(rng.poisson(2.5)):
                motif = MOTIF_BY_NAME[names[rng.integers(len(names))]]
                site = _site(
                    motif, rng, reverse=bool(rng.integers(2)), mismatches=int(rng.integers(2))
                )
                codes[i] = _insert(
                    codes[i], site, int(rng.integers(0, sq.RANDOM_LENGTH - len(site)))
                )
            if rng.random() < 0.6:
                tract = np.full(int(rng.integers(8, 15)), 0 if rng.random() < 0.5 else 3)
                codes[i] = _insert(
                    codes[i], tract, int(rng.integers(0, sq.RANDOM_LENGTH - len(tract)))
                )
        return codes

    def build(self) -> TestSet:
        s, rng = self.sizes, self.rng
        self._add_singles(
            "random", _random_seqs(rng, s.random), [f"rand_{i}" for i in range(s.random)]
        )
        high = self.evolve(_random_seqs(rng, s.high), self.expression, staggered=True)
        self._add_singles("high", high, [f"GA.high_{i}" for i in range(s.high)])
        low = self.evolve(_random_seqs(rng, s.low), lambda c: -self.expression(c), staggered=True)
        self._add_singles("low", low, [f"GA.low_{i}" for i in range(s.low)])
        native = self.native_like(s.native)
        tags = [
            f"Y{'ABCDEFGHIJKLMNOP'[i % 16]}{'LR'[i % 2]}{i:03d}{'WC'[(i // 2) % 2]}.{i % 7}"
            for i in range(s.native)
        ]
        ids = self._add_singles("native", native, tags)
        again = rng.choice(s.native, size=s.native // 3, replace=False)  # duplicated CSV rows
        self.singles["native"].extend((f"Gini.{tags[i]}", int(ids[i])) for i in again)
        challenging = self.evolve(_random_seqs(rng, s.challenging), self._disagreement)
        self._add_singles(
            "challenging", challenging, [f"GA.pareto_{i}" for i in range(s.challenging)]
        )
        self._snvs()
        self._perturbations()
        self._tiling()
        other = (
            np.concatenate(
                [_random_seqs(rng, 1, float(g)) for g in rng.uniform(0.3, 0.7, s.uncategorised)]
            )
            if s.uncategorised
            else np.zeros((0, LENGTH), np.uint8)
        )
        self.pool.add(other)
        return self._finish()

    def _snvs(self) -> None:
        s, rng = self.sizes, self.rng
        n_random = int(0.6 * s.snv_hubs)
        n_native = int(0.2 * s.snv_hubs)
        hubs = np.concatenate(
            [
                _random_seqs(rng, n_random),
                self.native_like(n_native),
                self.evolve(_random_seqs(rng, s.snv_hubs - n_random - n_native), self.expression),
            ]
        )
        alts, refs, alt_tags, ref_tags = [], [], [], []
        for h, hub in enumerate(hubs):
            for pos in rng.choice(
                np.arange(BODY.start, BODY.stop), size=s.snv_per_hub, replace=False
            ):
                alt = hub.copy()
                alt[pos] = (hub[pos] + rng.integers(1, 4)) % 4
                alts.append(alt)
                refs.append(hub)
                alt_tags.append(f"snv{h}_{pos}{sq.ALPHABET[hub[pos]]}>{sq.ALPHABET[alt[pos]]}")
                ref_tags.append(f"snv{h}")
        if alts:
            self._add_pairs("snv", np.stack(alts), np.stack(refs), alt_tags, ref_tags)

    def _perturbations(self) -> None:
        rng = self.rng
        alts, refs, alt_tags, ref_tags = [], [], [], []
        for b, background in enumerate(_random_seqs(rng, self.sizes.perturbation_backgrounds)):
            for name in PERTURBED:
                motif = MOTIF_BY_NAME[name]
                variants = []
                for rc in (False, True):
                    for start in (8, 24, 40, 56):
                        site = _site(motif, rng, rc)
                        variants.append((f"{name}.s{'.RC' if rc else ''}_{start}", [(site, start)]))
                    for starts in ((8, 30, 52), (20, 40, 60)):
                        sites = [(_site(motif, rng, rc), st) for st in starts]
                        variants.append((f"{name}.t{'.RC' if rc else ''}_{starts[0]}", sites))
                for start in (10, 30, 50, 66):
                    variants.append((f"{name}.w_{start}", [(_site(motif, rng, False, 1), start)]))
                for tag, sites in variants:
                    alt = background
                    for site, start in sites:
                        alt = _insert(alt, site, start)
                    alts.append(alt)
                    refs.append(background)
                    alt_tags.append(f"rand{b}_{tag}")
                    ref_tags.append(f"rand{b}")
        if alts:
            self._add_pairs(
                "motif_perturbation", np.stack(alts), np.stack(refs), alt_tags, ref_tags
            )

    def _tiling(self) -> None:
        rng, s = self.rng, self.sizes
        alts, refs, alt_tags, ref_tags = [], [], [], []
        for b, background in enumerate(_random_seqs(rng, s.tiling_backgrounds)):
            for name in TILED:
                motif = MOTIF_BY_NAME[name]
                for rc in (False, True):
                    site = _site(motif, rng, rc)
                    for start in range(0, sq.RANDOM_LENGTH - motif.width + 1, s.tiling_stride):
                        alts.append(_insert(background, site, start))
                        refs.append(background)
                        alt_tags.append(f"tile{b}_{name}{'.RC' if rc else ''}_{start}")
                        ref_tags.append(f"tile{b}")
        if alts:
            self._add_pairs("motif_tiling", np.stack(alts), np.stack(refs), alt_tags, ref_tags)

    def _finish(self) -> TestSet:
        codes = np.stack(self.pool.rows)
        strings = sq.decode(codes)
        order = np.argsort(np.array(strings, dtype=object), kind="stable")
        new_index = np.empty(len(order), dtype=np.int64)
        new_index[order] = np.arange(len(order))
        singles = {c: [(t, int(new_index[i])) for t, i in rows] for c, rows in self.singles.items()}
        pairs = {
            c: [(at, rt, int(new_index[a]), int(new_index[r])) for at, rt, a, r in rows]
            for c, rows in self.pairs.items()
        }
        test = TestSet(
            sequences=[strings[i] for i in order],
            expression=self.expression(codes[order]),
            singles=singles,
            pairs=pairs,
        )
        self._choose_public(test)
        return test

    def _choose_public(self, test: TestSet) -> None:
        f, rng = self.sizes.public_fraction, self.rng
        for category, rows in test.singles.items():
            members = np.unique([i for _, i in rows])
            k = int(round(f * len(members)))
            test.public_singles[category] = np.sort(rng.choice(members, size=k, replace=False))
        for category, rows in test.pairs.items():
            pairs = np.unique(np.array([(a, r) for _, _, a, r in rows]), axis=0)
            k = int(round(f * len(pairs)))
            pick = np.sort(rng.choice(len(pairs), size=k, replace=False))
            test.public_pairs[category] = pairs[pick]


def design_test_set(
    model: ExpressionModel, rng: np.random.Generator, sizes: CategorySizes
) -> TestSet:
    """Build the synthetic test set (see module docstring)."""
    return Designer(model, rng, sizes).build()

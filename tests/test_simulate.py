"""The synthetic world: deterministic, in the official formats, and shaped like the real data."""

from __future__ import annotations

import collections
import csv
import filecmp
import json
import math

import numpy as np
import pandas as pd
import pytest

from conftest import RAW, SMALL_SIZES, SMALL_TRAIN_READS, needs_shared
from promoterbench import formats, scoring, testset
from promoterbench import sequences as sq
from promoterbench.simulate import TRUTH_FILE, write_world
from promoterbench.simulate.design import CategorySizes
from promoterbench.simulate.expression import WINDOW, ExpressionModel, right_align
from promoterbench.simulate.motifs import MOTIF_BY_NAME, MOTIFS, QUANT


def test_same_seed_same_files_and_other_seed_other_reads(tmp_path):
    sizes = CategorySizes(**SMALL_SIZES)
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        write_world(tmp_path / name, seed=seed, train_reads=3000, sizes=sizes)
    files = [p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()]
    assert len(files) == 1 + 1 + 8 + 10 + 1 + 1 + 1  # train, test, 8 CSVs, 10 JSONs, truth,
    # probe, world
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "a", tmp_path / "b", files, shallow=False)
    assert not mismatch and not errors
    assert not filecmp.cmp(
        tmp_path / "a/train_sequences.txt", tmp_path / "c/train_sequences.txt", shallow=False
    )


def test_training_reads_look_like_the_gpra(small_world):
    seqs, labels = formats.read_official_txt(small_world / "train_sequences.txt")
    seqs = seqs.to_pylist()
    assert len(seqs) == SMALL_TRAIN_READS
    lengths = np.array([len(s) for s in seqs])
    assert 0.80 < np.mean(lengths == 110) < 0.84
    assert 0.11 < np.mean(lengths == 109) < 0.145
    assert lengths.min() >= 87 and lengths.max() <= 135
    assert 0.002 < np.mean(["N" in s for s in seqs]) < 0.007
    assert all(s.startswith(sq.FLANK5) or "N" in s[:17] for s in seqs)
    integer = labels == np.floor(labels)
    assert 0.5 < integer.mean() < 0.65  # singletons: ~55-58 % in the real data
    assert labels.min() >= 0 and labels.max() <= 17
    assert collections.Counter(np.floor(labels).astype(int)).most_common(1)[0][0] in (10, 11, 12)
    assert 10.5 < labels.mean() < 12 and 2.0 < labels.std() < 2.7  # real demo data: 11.1, 2.34
    text = (small_world / "train_sequences.txt").read_text().splitlines()[:200]
    assert all(line.count("\t") == 1 for line in text)
    assert any(line.split("\t")[1].isdigit() for line in text)  # integers printed without ".0"


def test_test_set_has_every_category_in_official_layout(small_world):
    design = testset.TestDesign.from_dir(small_world)
    seqs, measured = formats.read_official_txt(small_world / testset.TEST_FILE)
    seqs = seqs.to_pylist()
    assert all(len(s) == 110 and "N" not in s for s in seqs)
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)  # official order: sorted, unique
    s = SMALL_SIZES
    for name in ("random", "high", "low", "native", "challenging"):
        assert len(design.members[name]) == s[name]
    assert len(design.members["snv"]) == s["snv_hubs"] * s["snv_per_hub"]
    rows = list(
        csv.DictReader(open(small_world / testset.SUBSET_DIR / "motif_perturbation_seqs.csv"))
    )
    assert len(rows) == s["perturbation_backgrounds"] * 32  # 32 variants per background...
    unique = {
        (int(r["alt_pos"]), int(r["ref_pos"])) for r in rows
    }  # ...some identical (Hsf1 is a palindrome)
    assert len(design.members["motif_perturbation"]) == len(unique) < len(rows)
    tiling = sum(2 * len(range(0, 80 - MOTIF_BY_NAME[m].width + 1, s["tiling_stride"]))
                 for m in ("Mga1", "polyA", "Ume6", "Mot3", "Reb1", "Gcn4"))  # fmt: skip
    rows = list(csv.DictReader(open(small_world / testset.SUBSET_DIR / "motif_tiling_seqs.csv")))
    assert (
        len(rows) == s["tiling_backgrounds"] * tiling
    )  # Mga1's site is a palindrome: RC = forward
    assert len(design.members["motif_tiling"]) == len({(r["alt_pos"], r["ref_pos"]) for r in rows})
    assert 0.09 < design.public.mean() < 0.17
    native_rows = list(csv.DictReader(open(small_world / testset.SUBSET_DIR / "yeast_seqs.csv")))
    assert len(native_rows) > s["native"]  # some rows listed twice, as in yeast_seqs.csv
    pairs = json.loads((small_world / testset.PUBLIC_DIR / "SNVs_exp_indices.json").read_text())
    key, value = next(iter(pairs.items()))
    alt, ref = map(int, key.split(","))
    assert value == pytest.approx([measured[alt], measured[ref]])
    snv = design.members["snv"]
    assert all(sum(a != b for a, b in zip(seqs[i], seqs[j])) == 1 for i, j in snv[:50])


@needs_shared()
def test_subset_files_have_the_official_headers(small_world):
    official = {p.name: p for p in (RAW / "test_subset_ids").glob("*.csv")}
    assert len(official) == 7
    for cat in testset.CATEGORIES[1:]:
        mine = (small_world / testset.SUBSET_DIR / cat.csv).read_text().splitlines()[0]
        if cat.csv in official:
            assert mine == official[cat.csv].read_text().splitlines()[0], cat.csv
        assert mine.split(",") == list(cat.csv_columns)
    for cat in testset.CATEGORIES:
        real = json.loads((RAW / "public_leaderboard_ids" / cat.json).read_text())
        mine = json.loads((small_world / testset.PUBLIC_DIR / cat.json).read_text())
        assert type(next(iter(real.values()))) is type(next(iter(mine.values())))
        assert ("," in next(iter(real))) == ("," in next(iter(mine)))


def test_oracle_is_the_noise_ceiling(small_world):
    design = testset.TestDesign.from_dir(small_world)
    _, measured = formats.read_official_txt(small_world / testset.TEST_FILE)
    truth = pd.read_csv(small_world / TRUTH_FILE, sep="\t")["noise_free_expression"].to_numpy()
    table, _ = scoring.evaluate(truth, measured, design, "all")
    r2, rho = scoring.scores(table, "all")
    assert r2 > 0.85 and rho > 0.8
    shuffled = np.random.default_rng(0).permutation(truth)
    assert scoring.scores(scoring.evaluate(shuffled, measured, design, "all")[0], "all")[0] < 0.1


def brute_force_occupancy(seq: str, length: int) -> np.ndarray:
    """Positional occupancy straight from the definition, one window at a time."""
    codes = [sq.ALPHABET.index(c) for c in seq]
    out = []
    for m in MOTIFS:
        best = m.pwm.max(axis=0).sum()
        total = 0.0
        for t in range(WINDOW - length, WINDOW - m.width + 1):
            window = codes[t - (WINDOW - length) : t - (WINDOW - length) + m.width]
            b = window[:4] + window[m.gap : m.gap + 4]
            plus = sum(m.pwm[b[j], j] for j in range(8))
            minus = sum(m.pwm[3 - b[7 - j], j] for j in range(8))
            dist = WINDOW - t - m.width / 2
            w = math.exp(-0.5 * ((dist - m.position) / m.spread) ** 2)
            ramp = min(max((120 - dist) / 20, 0), 1)
            w *= 0.5 * (1 - math.cos(math.pi * ramp))
            occ = [1 / (1 + 2 ** -(m.affinity + (s - best) / QUANT)) for s in (plus, minus)]
            total += w * (occ[0] + m.reverse * occ[1])
        out.append(total)
    return np.array(out)


def test_lookup_model_equals_the_definition():
    rng = np.random.default_rng(1)
    model = ExpressionModel()
    for length in (110, 95, 118):
        seq = "".join(rng.choice(list("ACGT"), length))
        codes = np.full((1, WINDOW), 4, np.uint8)
        codes[0, WINDOW - length :] = sq.encode([seq], length)[0]
        got = model.occupancy(codes, np.array([length]))[0]
        np.testing.assert_allclose(got, brute_force_occupancy(seq, length), rtol=1e-5, atol=1e-7)


def test_sites_act_as_documented():
    model = ExpressionModel()
    rng = np.random.default_rng(2)
    flank5, flank3 = sq.flank_codes()
    background = np.concatenate([flank5, sq.random_codes(rng, (80,)), flank3])[None]
    base = model.expression(right_align(background), np.array([110]))[0]

    def with_site(consensus: str, start: int = 40) -> float:
        seq = background.copy()
        site = [
            sq.ALPHABET.index(c) if c in "ACGT" else seq[0, 17 + start + k]
            for k, c in enumerate(consensus)
        ]
        seq[0, 17 + start : 17 + start + len(site)] = site
        return model.expression(right_align(seq), np.array([110]))[0]

    assert with_site("TTACCCGG") > base + 0.3  # Reb1 activates
    assert with_site("AGCCGCCG") < base - 0.3  # Ume6 represses
    assert with_site("TTACCCGG") > with_site("CCGGGTAA")  # Reb1 prefers the plus strand

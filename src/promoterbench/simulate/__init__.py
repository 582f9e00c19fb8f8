"""The synthetic GPRA world: training reads and a full official test set with known truth.

``write_world`` writes the official Zenodo file layout (see promoterbench.testset) plus
``truth/test_truth.tsv`` (noise-free expression of every test sequence, on the test scale),
``truth/probe.tsv`` (reads from the same world that no team trains on, with their measured label
and noise-free expression: the common probe that training curves are drawn on) and
``world.json`` (every parameter of the world), so the rest of the workflow cannot tell it from the
real challenge data, and an oracle can be scored.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from promoterbench import formats, testset
from promoterbench.simulate import reads
from promoterbench.simulate.design import TestSet, CategorySizes, design_test_set
from promoterbench.simulate.expression import WINDOW, ExpressionModel
from promoterbench.simulate.measure import Measurement
from promoterbench.simulate.motifs import COOPERATIVE_PAIRS, MOTIFS

log = logging.getLogger(__name__)
TRAIN_CHUNK = 262_144
TRUTH_FILE = "truth/test_truth.tsv"
PROBE_FILE = "truth/probe.tsv"
WORLD_FILE = "world.json"


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def simulate_reads(
    n: int, rng: np.random.Generator, model: ExpressionModel, measurement: Measurement
) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """``n`` reads as the assay reports them: (sequences, measured labels, noise-free expression)."""
    lengths = reads.sample_lengths(rng, n)
    codes = reads.assemble(rng, lengths)
    y = model.expression(codes[:, -WINDOW:], lengths)
    labels = measurement.train_labels(y, rng)
    observed = reads.mask_with_n(rng, codes, lengths)
    return reads.to_strings(observed, lengths), labels, y


def write_train(
    path: Path, n_reads: int, seed: int, model: ExpressionModel, measurement: Measurement
) -> None:
    """Simulate ``n_reads`` training reads and write ``train_sequences.txt``, chunk by chunk."""
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        for k, lo in enumerate(range(0, n_reads, TRAIN_CHUNK)):
            n = min(TRAIN_CHUNK, n_reads - lo)
            sequences, labels, _ = simulate_reads(n, _rng(seed, 1, k), model, measurement)
            formats.write_official_txt(fh, sequences, labels)
            log.info("training reads: %d / %d", lo + n, n_reads)
    tmp.replace(path)


def write_probe(
    path: Path, n_reads: int, seed: int, model: ExpressionModel, measurement: Measurement
) -> None:
    """``n_reads`` more reads from the same world, from their own random stream (the training
    file is the same with or without them): sequence, measured label, noise-free expression."""
    sequences, labels, truth = simulate_reads(n_reads, _rng(seed, 2), model, measurement)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(
        {"sequence": sequences.to_pylist(), "expression": labels, "noise_free_expression": truth}
    )
    frame.to_csv(path, sep="\t", index=False, float_format="%.10g")


def write_test(
    out: Path, test: TestSet, measured: np.ndarray, truth: np.ndarray, rng: np.random.Generator
) -> None:
    """Write the test file, subset CSVs, public leaderboard JSONs and the truth table."""
    formats.write_official_txt(out / testset.TEST_FILE, test.sequences, measured)
    subset_dir, public_dir = out / testset.SUBSET_DIR, out / testset.PUBLIC_DIR
    subset_dir.mkdir(parents=True, exist_ok=True)
    public_dir.mkdir(parents=True, exist_ok=True)
    seqs = test.sequences
    for cat in testset.CATEGORIES:
        if cat.csv is None:
            continue
        if cat.kind == "single":
            rows = [(tag, seqs[i], i) for tag, i in test.singles.get(cat.name, [])]
            public = {str(i): float(measured[i]) for i in test.public_singles.get(cat.name, [])}
        else:
            rows = [
                (at, rt, seqs[a], seqs[r], a, r) for at, rt, a, r in test.pairs.get(cat.name, [])
            ]
            public = {
                f"{a},{r}": [float(measured[a]), float(measured[r])]
                for a, r in test.public_pairs.get(cat.name, np.zeros((0, 2), int)).tolist()
            }
        testset.write_subset_csv(subset_dir / cat.csv, cat.name, rows)
        testset.write_public_json(public_dir / cat.json, public)
    ground = test.ground
    testset.write_public_json(
        public_dir / testset.GROUND_JSON, {str(i): float(measured[i]) for i in ground}
    )
    sample = {str(i): float(v) for i, v in zip(ground, rng.normal(size=len(ground)))}
    testset.write_public_json(public_dir / testset.SAMPLE_SUBMISSION_JSON, sample)
    truth_path = out / TRUTH_FILE
    truth_path.parent.mkdir(parents=True, exist_ok=True)
    with open(truth_path, "w") as fh:
        fh.write("index\tnoise_free_expression\n")
        fh.writelines(f"{i}\t{v:.10g}\n" for i, v in enumerate(truth))


def write_world(
    out_dir: str | Path, seed: int, train_reads: int, sizes: CategorySizes, probe_reads: int = 0
) -> dict:
    """Write the whole synthetic data set into ``out_dir``; returns a summary of its counts."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model, measurement = ExpressionModel(), Measurement()
    rng = _rng(seed, 0)
    log.info("designing the test set")
    test = design_test_set(model, rng, sizes)
    measured = measurement.test_values(test.expression, rng)
    truth = measurement.to_test_scale(test.expression)
    write_test(out, test, measured, truth, rng)
    log.info("test set: %d sequences, %d public", len(test.sequences), len(test.ground))
    write_train(out / "train_sequences.txt", train_reads, seed, model, measurement)
    write_probe(out / PROBE_FILE, probe_reads, seed, model, measurement)
    summary = {
        "seed": seed,
        "train_reads": train_reads,
        "probe_reads": probe_reads,
        "test_sequences": len(test.sequences),
        "public_leaderboard": int(len(test.ground)),
        "categories": {c: len({i for _, i in rows}) for c, rows in test.singles.items()}
        | {c: len({(a, r) for _, _, a, r in rows}) for c, rows in test.pairs.items()},
    }
    world = {
        "summary": summary,
        "test_sizes": asdict(sizes),
        "measurement": asdict(measurement),
        "motifs": [asdict(m) for m in MOTIFS],
        "cooperative_pairs": [list(p) for p in COOPERATIVE_PAIRS],
    }
    (out / WORLD_FILE).write_text(json.dumps(world, indent=2) + "\n")
    return summary

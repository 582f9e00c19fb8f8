"""promoterbench predict | variants | ism on saved models and the oracle."""

from __future__ import annotations

import bz2
import gzip

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import torch
from scipy import stats

from promoterbench import sequences as sq
from promoterbench.cli import main
from promoterbench.predictors import Oracle, SavedModel
from promoterbench.simulate.expression import WINDOW, ExpressionModel, right_align
from promoterbench.teams import get_team
from promoterbench.teams.base import FitContext, Reads


def save_model(path, name: str, overrides: dict) -> None:
    """Train ``name`` briefly on random reads and save it as the train rule does."""
    team = get_team(name)
    settings = team.settings("cpu", overrides)
    reads = Reads.random(400, seed=5)
    fitted = team.fit(reads.take(np.arange(300)), reads.take(np.arange(300, 400)), settings,
                      FitContext())  # fmt: skip
    path.mkdir(parents=True)
    torch.save({"team": name, "class": None, "settings": settings, "state": fitted.state,
                "n_params": fitted.n_params}, path / "model.pt")  # fmt: skip


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    save_model(root / "autosome" / "rep1", "autosome", {"train": {"max_steps": 3}})
    save_model(root / "kmer_ridge" / "rep1", "kmer_ridge", {"model": {"k": 3}})
    return root


def reads(n: int, seed: int = 9) -> list[str]:
    return Reads.random(n, seed=seed).sequence.to_pylist()


def run(*argv: str) -> int:
    return main([str(a) for a in argv])


def test_predict_reads_fasta_gzip_lines_and_two_columns_alike(models, tmp_path, capsys):
    seqs = reads(20)
    measured = np.linspace(0, 17, 20)
    fasta = "".join(f">s{i} description\n{s[:50]}\n{s[50:].lower()}\n" for i, s in enumerate(seqs))
    (tmp_path / "a.fa").write_text(fasta)
    (tmp_path / "a.fa.gz").write_bytes(gzip.compress(fasta.encode()))
    (tmp_path / "a.txt").write_text("".join(f"{s}\n" for s in seqs))
    (tmp_path / "a.tsv").write_text("".join(f"{s}\t{v:g}\n" for s, v in zip(seqs, measured)))
    model = SavedModel.load(models / "autosome" / "rep1", device="cpu")
    expected = model.predict(pa.array(seqs, pa.large_string()))
    for name in ("a.fa", "a.fa.gz", "a.txt", "a.tsv"):
        assert run("predict", models / "autosome", tmp_path / name, "-o", tmp_path / "out.tsv",
                   "--device", "cpu") == 0  # fmt: skip
        out = pd.read_csv(tmp_path / "out.tsv", sep="\t", dtype={"id": str})
        ids = (
            [f"s{i}" for i in range(20)]
            if name.startswith("a.fa")
            else [str(i + 1) for i in range(20)]
        )
        assert out["id"].tolist() == ids
        np.testing.assert_allclose(out["prediction"], expected, rtol=1e-6)
    stdout = capsys.readouterr().out
    r, rho = stats.pearsonr(measured, expected)[0], stats.spearmanr(measured, expected)[0]
    assert f"pearson_r\t{r:.4f}" in stdout and f"spearman_rho\t{rho:.4f}" in stdout


def test_every_bad_record_is_named_and_nothing_is_dropped(models, tmp_path, capsys):
    good = reads(3)
    long = good[0] + good[1][:60]  # 170 nt: past LegNet's 150-nt context
    fasta = (f"ACGT\n>ok1\n{good[0]}\n>bad\n{good[1][:30]}X{good[1][31:]}\n>empty\n>ok2\n{long}\n"
             f">ok3\n{good[2]}\n")  # fmt: skip
    (tmp_path / "in.fa").write_text(fasta)
    out = tmp_path / "out.tsv"
    assert run("predict", models / "autosome" / "rep1" / "model.pt", tmp_path / "in.fa",
               "-o", out, "--device", "cpu") == 0  # fmt: skip
    err = capsys.readouterr().err
    assert "1 record(s) longer than the model's 150-nt input cropped" in err
    assert "3 of 6 records rejected" in err
    assert pd.read_csv(out, sep="\t")["id"].tolist() == ["ok1", "ok2", "ok3"]
    rejected = pd.read_csv(tmp_path / "out.tsv.rejected.tsv", sep="\t", keep_default_na=False)
    assert rejected["line"].tolist() == [1, 4, 6]
    assert rejected["text"].tolist() == ["", "bad", "empty"]
    assert rejected["detail"].tolist() == [
        "sequence before the first header",
        "invalid character 'X' at position 31 (allowed: ACGTN)",
        "empty sequence",
    ]


def test_the_oracle_refuses_n_with_a_reason(tmp_path, capsys):
    seqs = reads(3)
    seqs[1] = seqs[1][:40] + "N" + seqs[1][41:]
    (tmp_path / "in.txt").write_text("\n".join(seqs) + "\n")
    assert run("predict", "oracle", tmp_path / "in.txt", "-o", tmp_path / "out.tsv") == 0
    assert pd.read_csv(tmp_path / "out.tsv", sep="\t")["id"].tolist() == [1, 3]
    rejected = pd.read_csv(tmp_path / "out.tsv.rejected.tsv", sep="\t")
    assert rejected[["line", "reason"]].values.tolist() == [[2, "refused_by_model"]]
    assert "contains N" in rejected["detail"].iloc[0]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "no sequences (the file is empty)"),
        (bz2.compress(b"ACGT\n"), "bzip2-compressed"),
        (b">a\nXX\n", "no readable sequences"),
    ],
)
def test_an_empty_or_unreadable_file_is_named(tmp_path, capsys, content, message):
    path = tmp_path / "in.fa"
    path.write_bytes(content)
    assert run("predict", "oracle", path, "-o", tmp_path / "out.tsv") == 2
    err = capsys.readouterr().err
    assert str(path) in err and message in err


def test_a_missing_model_is_named(tmp_path, capsys):
    (tmp_path / "in.txt").write_text("ACGT\n")
    assert run("predict", tmp_path / "nowhere", tmp_path / "in.txt", "-o", tmp_path / "o") == 2
    assert f"{tmp_path / 'nowhere'}: no such model file or folder" in capsys.readouterr().err


def one_by_one(model, seqs: list[str]) -> np.ndarray:
    return np.array([model.predict(pa.array([s], pa.large_string()))[0] for s in seqs], np.float64)


def test_variant_effects_equal_alt_minus_ref_predicted_one_by_one(models, tmp_path):
    seqs = reads(4, seed=3)
    rows = [("v1", seqs[0], 20, seqs[0][19], "A" if seqs[0][19] != "A" else "C"),
            ("v2", seqs[1], 60, seqs[1][59:61], "T"),  # a 2-nt ref replaced by one base
            ("v3", seqs[2], 1, seqs[2][0], "G" if seqs[2][0] != "G" else "T")]  # fmt: skip
    table = pd.DataFrame(rows, columns=["id", "sequence", "position", "ref", "alt"])
    table.to_csv(tmp_path / "v.tsv", sep="\t", index=False)
    alts = [s[: p - 1] + a + s[p - 1 + len(r) :] for _, s, p, r, a in rows]
    for name in ("autosome", "kmer_ridge"):
        assert run("variants", models / name, tmp_path / "v.tsv", "-o", tmp_path / "out.tsv",
                   "--device", "cpu") == 0  # fmt: skip
        out = pd.read_csv(tmp_path / "out.tsv", sep="\t")
        model = SavedModel.load(models / name, device="cpu")
        ref, alt = one_by_one(model, seqs[:3]), one_by_one(model, alts)
        np.testing.assert_allclose(out["ref_prediction"], ref, rtol=1e-6)
        np.testing.assert_allclose(out["effect"], alt - ref, atol=1e-5)
    pd.DataFrame({"id": ["p"], "ref_sequence": [seqs[3]], "alt_sequence": [seqs[0]]}).to_csv(
        tmp_path / "pairs.tsv", sep="\t", index=False
    )
    assert run("variants", "oracle", tmp_path / "pairs.tsv", "-o", tmp_path / "out.tsv") == 0
    truth = one_by_one(Oracle(), [seqs[3], seqs[0]])
    assert pd.read_csv(tmp_path / "out.tsv", sep="\t")["effect"].iloc[0] == pytest.approx(
        truth[1] - truth[0], abs=1e-6
    )


def test_a_ref_mismatch_names_the_row(tmp_path, capsys):
    seq = reads(1)[0]
    wrong = "A" if seq[9] != "A" else "C"
    (tmp_path / "v.tsv").write_text(f"id\tsequence\tposition\tref\talt\nx\t{seq}\t10\t{seq[9]}\tA\n"
                                    f"y\t{seq}\t10\t{wrong}\tG\n")  # fmt: skip
    assert run("variants", "oracle", tmp_path / "v.tsv", "-o", tmp_path / "out.tsv") == 2
    err = capsys.readouterr().err
    assert (
        f"{tmp_path / 'v.tsv'}:3 (id 'y'): ref '{wrong}' but the sequence has '{seq[9]}' at position 10"
        in err
    )


def test_oracle_ism_is_the_true_ism_exactly(tmp_path):
    """The truth computed here apart: every substitution spelled out and scored by the
    expression model on right-aligned codes, as the simulator scores the test set."""
    seqs = reads(2, seed=4)
    (tmp_path / "in.fa").write_text("".join(f">t{i}\n{s}\n" for i, s in enumerate(seqs)))
    assert run("ism", "oracle", tmp_path / "in.fa", "-o", tmp_path / "ism.parquet",
               "--plot", tmp_path / "maps") == 0  # fmt: skip
    table = pd.read_parquet(tmp_path / "ism.parquet")
    assert len(table) == 2 * 3 * len(seqs[0])
    world = ExpressionModel()
    for i, seq in enumerate(seqs):
        variants = [(p + 1, b, seq[:p] + b + seq[p + 1 :]) for p in range(len(seq)) for b in "ACGT"
                    if b != seq[p]]  # fmt: skip
        codes = right_align(sq.encode([seq] + [v for _, _, v in variants], len(seq)))
        y = world.expression(codes, np.full(len(codes), min(len(seq), WINDOW)))
        rows = table[table["id"] == f"t{i}"]
        assert rows[["position", "alt"]].values.tolist() == [[p, b] for p, b, _ in variants]
        assert (rows["effect"].to_numpy() == y[1:] - y[0]).all()
    assert sorted(p.name for p in (tmp_path / "maps").iterdir()) == ["t0.png", "t1.png"]


@pytest.mark.parametrize("name", ["autosome", "kmer_ridge"])
def test_model_ism_equals_its_one_by_one_predictions(models, tmp_path, name):
    seq = reads(1, seed=8)[0][:40]  # 40 nt: 120 substitutions (LegNet fills the rest with context)
    (tmp_path / "in.txt").write_text(seq + "\n")
    assert run("ism", models / name, tmp_path / "in.txt", "-o", tmp_path / "ism.tsv",
               "--device", "cpu") == 0  # fmt: skip
    table = pd.read_csv(tmp_path / "ism.tsv", sep="\t")
    mutated = [seq[: p - 1] + a + seq[p:] for p, a in zip(table["position"], table["alt"])]
    model = SavedModel.load(models / name, device="cpu")
    single = one_by_one(model, [seq] + mutated)
    np.testing.assert_allclose(table["prediction"], single[1:], rtol=1e-6)
    np.testing.assert_allclose(table["effect"], single[1:] - single[0], atol=1e-5)

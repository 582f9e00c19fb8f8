"""Ingest: every malformed line is quarantined with its line number and reason; nothing else lost."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from promoterbench import binning, formats
from promoterbench.ingest import IngestError, ingest

GOOD = "TGCATTTTTTTCACATCACGTACGTAGGTTACGGCTGTT"
LINES = [
    (f"{GOOD}\t11", None),  # 1
    (f"{GOOD[:10]}X{GOOD[11:]}\t3.5", "bad_character"),  # 2
    (f"{GOOD}", "field_count"),  # 3: missing expression
    (f"{GOOD}\tabc", "non_numeric_expression"),  # 4
    ("", "empty_line"),  # 5
    (f"{GOOD}\t2.25\r", "crlf_line_ending"),  # 6
    (f"{GOOD}\t1\t2", "field_count"),  # 7: extra field
    (f"{GOOD}\tnan", "non_finite_expression"),  # 8
    (f"{GOOD}\t12.0833333333333", None),  # 9
    (f"{GOOD.lower()}\t4", "bad_character"),  # 10: lower case is not the official alphabet
    ("ACGT\t5", "length"),  # 11: shorter than min_length
    (f"{GOOD}NNN\t-0.5e1", None),  # 12
    ("\t7", "length"),  # 13: empty sequence
    (f"{GOOD}\t", "non_numeric_expression"),  # 14: empty expression
]


def write(path, lines, final_newline=True):
    text = "\n".join(lines) + ("\n" if final_newline else "")
    path.write_bytes(text.encode())
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def malformed(tmp_path):
    path = tmp_path / "train_sequences.txt"
    digest = write(path, [text for text, _ in LINES])
    return path, digest


def run(path, tmp_path, max_rejected_fraction=0.9):
    out = {k: tmp_path / f"{k}" for k in ("reads.parquet", "rejected.tsv", "qc.tsv")}
    summary = ingest(
        path,
        out["reads.parquet"],
        out["rejected.tsv"],
        out["qc.tsv"],
        10,
        200,
        max_rejected_fraction,
    )
    return summary, out


def test_every_malformed_line_is_rejected_with_line_and_reason(malformed, tmp_path):
    path, digest = malformed
    summary, out = run(path, tmp_path)
    rejected = pd.read_csv(out["rejected.tsv"], sep="\t", keep_default_na=False)
    want = {i + 1: reason for i, (_, reason) in enumerate(LINES) if reason}
    assert dict(zip(rejected["line"], rejected["reason"])) == want
    assert "'X' at sequence position 11" in rejected.set_index("line").loc[2, "detail"]
    assert "found 3" in rejected.set_index("line").loc[7, "detail"]
    assert "dos2unix" in rejected.set_index("line").loc[6, "detail"]
    reads = pq.read_table(out["reads.parquet"]).to_pandas()
    assert reads["read_id"].tolist() == [1, 9, 12]  # read_id = line number in the raw file
    assert reads["expression"].tolist() == [11.0, 12.0833333333333, -5.0]
    assert reads["is_integer"].tolist() == [True, False, True]
    assert reads["n_count"].tolist() == [0, 0, 3]
    assert reads["length"].tolist() == [len(GOOD), len(GOOD), len(GOOD) + 3]
    assert summary.kept == 3 and summary.lines == len(LINES)
    qc = dict(pd.read_csv(out["qc.tsv"], sep="\t").values)
    assert qc["rejected_field_count"] == 2 and qc["kept"] == 3 and qc["lines"] == len(LINES)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest  # raw input untouched


def test_block_boundaries_do_not_change_the_result(malformed):
    path, _ = malformed
    whole = list(formats.iter_official_txt(path, 10, 200))
    tiny = list(formats.iter_official_txt(path, 10, 200, block_bytes=7))
    assert len(tiny) > 1
    for name in ("line", "expression", "n_count"):
        np.testing.assert_array_equal(
            np.concatenate([getattr(b, name) for b in whole]),
            np.concatenate([getattr(b, name) for b in tiny]),
        )
    rejected = lambda blocks: sorted(  # noqa: E731
        (line, reason) for b in blocks for line, reason in zip(b.rejected.line, b.rejected.reason)
    )
    assert rejected(whole) == rejected(tiny)


def test_last_line_without_newline_is_read(tmp_path):
    path = tmp_path / "t.txt"
    write(path, [f"{GOOD}\t1", f"{GOOD}\t2"], final_newline=False)
    seqs, values = formats.read_official_txt(path)
    assert values.tolist() == [1.0, 2.0] and seqs.to_pylist() == [GOOD, GOOD]


def test_mostly_invalid_input_fails_with_a_clear_message(tmp_path):
    path = tmp_path / "train_sequences.txt"
    write(path, [f"{GOOD}\t1\r"] * 9 + [f"{GOOD}\t1"])
    with pytest.raises(IngestError) as err:
        run(path, tmp_path, max_rejected_fraction=0.1)
    message = str(err.value)
    assert str(path) in message and "9 of 10 lines are invalid" in message
    assert "crlf_line_ending (9)" in message and f"{path}:1:" in message


def test_strict_reader_names_file_and_line(tmp_path):
    path = tmp_path / "test.txt"
    write(path, [f"{GOOD}\t1", f"{GOOD}\tx"])
    with pytest.raises(formats.FormatError, match=rf"{path}:2: expression 'x' is not a number"):
        formats.read_official_txt(path)


def test_binning_round_trip(tmp_path, small_world):
    out = {k: tmp_path / k for k in ("reads.parquet", "rejected.tsv", "qc.tsv")}
    summary = ingest(
        small_world / "train_sequences.txt",
        out["reads.parquet"],
        out["rejected.tsv"],
        out["qc.tsv"],
        50,
        250,
        0.1,
    )
    counts = binning.bin_by_length(out["reads.parquet"], tmp_path / "bins", tmp_path / "bins.tsv")
    assert sum(counts.values()) == summary.kept
    assert list((tmp_path / "bins" / "length=110").glob("part-*.parquet"))
    assert (tmp_path / "bins" / "length=087").exists() or min(counts) > 87
    table = binning.read_bins(tmp_path / "bins").sort_by("read_id")
    original = pq.read_table(out["reads.parquet"]).sort_by("read_id")
    assert table["sequence"].equals(original["sequence"])
    assert table["length"].to_numpy().tolist() == original["length"].to_numpy().tolist()
    subset = binning.read_bins(tmp_path / "bins", read_ids=np.array([1, 2, 3]), lengths=[109, 110])
    assert set(subset["read_id"].to_pylist()) <= {1, 2, 3}
    table_counts = pd.read_csv(tmp_path / "bins.tsv", sep="\t")
    assert table_counts["reads"].sum() == summary.kept

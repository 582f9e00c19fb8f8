"""Ingest: every malformed line is quarantined with its line number and reason; nothing else lost."""

from __future__ import annotations

import gzip
import hashlib

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from promoterbench import binning, formats
from promoterbench.ingest import IngestError, ingest
from workflow_helpers import copy_workflow, snakemake

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
    whole = list(formats.OfficialTxt(path, 10, 200))
    tiny = list(formats.OfficialTxt(path, 10, 200, block_bytes=7))
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


# -- how the file is stored: byte-order mark, gzip, line endings, other encodings


def qc_of(out):
    return dict(pd.read_csv(out["qc.tsv"], sep="\t").values)


def test_a_leading_byte_order_mark_is_skipped_and_reported(tmp_path):
    path = tmp_path / "train_sequences.txt"
    path.write_bytes(formats.BOM + f"{GOOD}\t11\n{GOOD}\t3\n".encode())
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    summary, out = run(path, tmp_path, max_rejected_fraction=0)
    reads = pq.read_table(out["reads.parquet"]).to_pandas()
    assert reads["read_id"].tolist() == [1, 2] and reads["sequence"].tolist() == [GOOD, GOOD]
    assert summary.bom and qc_of(out)["utf8_bom_stripped"] == 1 and qc_of(out)["rejected"] == 0
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest  # repaired in memory only


def test_a_byte_order_mark_inside_the_file_is_a_rejected_line(tmp_path):
    path = tmp_path / "train_sequences.txt"
    path.write_bytes(f"{GOOD}\t11\n".encode() + formats.BOM + f"{GOOD}\t3\n".encode())
    summary, out = run(path, tmp_path)
    rejected = pd.read_csv(out["rejected.tsv"], sep="\t")
    assert rejected["line"].tolist() == [2]
    assert "invalid character '\\\\ufeff' at sequence position 1" in rejected["detail"][0]
    assert not summary.bom and qc_of(out)["utf8_bom_stripped"] == 0


@pytest.mark.parametrize("name", ["train_sequences.txt.gz", "train_sequences.txt"])
def test_gzip_input_reads_like_the_plain_file(malformed, tmp_path, name):
    plain, _ = malformed
    packed = tmp_path / "gz" / name  # recognised by its content, whatever the name
    packed.parent.mkdir()
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    want, out_plain = run(plain, tmp_path / "a")
    got, out_gz = run(packed, tmp_path / "b")
    assert pq.read_table(out_gz["reads.parquet"]).equals(pq.read_table(out_plain["reads.parquet"]))
    assert out_gz["rejected.tsv"].read_text() == out_plain["rejected.tsv"].read_text()
    assert got.compression == "gzip" and qc_of(out_gz)["input_gzip"] == 1
    assert qc_of(out_plain)["input_gzip"] == 0 and got.lines == want.lines == len(LINES)


def test_gzip_block_boundaries_and_multi_member_files(malformed, tmp_path):
    plain, _ = malformed
    data = plain.read_bytes()
    packed = tmp_path / "multi.txt.gz"  # concatenated members, as bgzip and `cat a.gz b.gz` write
    packed.write_bytes(gzip.compress(data[:50]) + gzip.compress(data[50:]))
    lines = lambda txt: [l for b in txt for l in b.line.tolist() + b.rejected.line]  # noqa: E731
    assert sorted(lines(formats.OfficialTxt(packed, 10, 200, block_bytes=7))) == list(
        range(1, len(LINES) + 1)
    )
    assert formats.count_lines(packed) == formats.count_lines(plain) == len(LINES)


@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_a_damaged_gzip_names_the_file_and_the_remedy(tmp_path, damage):
    body = "".join(f"{GOOD}\t{i % 17}\n" for i in range(20000)).encode()
    packed = bytearray(gzip.compress(body))
    if damage == "truncated":
        packed = packed[: len(packed) // 2]
    else:
        packed[len(packed) // 2] ^= 0xFF
    path = tmp_path / "train_sequences.txt.gz"
    path.write_bytes(bytes(packed))
    for read in (lambda: run(path, tmp_path), lambda: formats.count_lines(path)):
        with pytest.raises(formats.FormatError) as err:
            read()
        message = str(err.value)
        assert message.startswith(f"{path}: the gzip data is truncated or corrupt after line ")
        assert f"gzip -t {path}" in message and "download the file again" in message


def test_cr_only_line_endings_name_the_file_and_the_right_converter(tmp_path):
    path = tmp_path / "train_sequences.txt"
    path.write_bytes("".join(f"{GOOD}\t{i}\r" for i in range(16)).encode())
    with pytest.raises(formats.FormatError) as err:
        run(path, tmp_path)
    message = str(err.value)
    assert message.startswith(f"{path}:1: lines end in CR alone (classic Mac line endings)")
    assert f"mac2unix {path}" in message and f"tr '\\r' '\\n' < {path}" in message
    assert "dos2unix" not in message


def test_crlf_is_still_named_as_crlf(tmp_path):
    path = tmp_path / "train_sequences.txt"
    path.write_bytes("".join(f"{GOOD}\t{i}\r\n" for i in range(16)).encode())
    with pytest.raises(IngestError, match="crlf_line_ending \\(16\\)"):
        run(path, tmp_path, max_rejected_fraction=0.1)


@pytest.mark.parametrize(
    "head, what, remedy",
    [
        (b"BZh91AY&SY", "bzip2-compressed", "bunzip2 -k"),
        (b"\xfd7zXZ\x00\x00", "xz-compressed", "unxz -k"),
        (b"PK\x03\x04\x14\x00", "a zip archive", "unzip"),
        ("\ufeffACGT\t1\n".encode("utf-16"), "UTF-16 text", "iconv -f UTF-16 -t UTF-8"),
    ],
)
def test_unreadable_encodings_say_how_to_convert(tmp_path, head, what, remedy):
    path = tmp_path / "train_sequences.txt"
    path.write_bytes(head + b"\x00" * 64)
    with pytest.raises(formats.FormatError) as err:
        run(path, tmp_path)
    assert str(err.value) == f"{path}: the file is {what}; convert it first: " + remedy + (
        f" {path}" if what != "UTF-16 text" else f" {path} > {path}.txt"
    )


# -- what the user sees


def test_rejected_lines_and_out_of_range_labels_give_an_on_screen_warning(malformed, tmp_path):
    path, _ = malformed
    summary, out = run(path, tmp_path)
    warning = summary.warning(path, out["rejected.tsv"])
    assert warning.startswith(f"{path}: 11 of 14 lines rejected and left out (")
    assert "field_count 2" in warning and "crlf_line_ending 1" in warning
    assert f"listed with its line number in {out['rejected.tsv']}" in warning
    # line 12 has label -5: kept, counted and named
    assert "1 kept labels lie outside the sorting-bin range 0-17 (1 below 0, 0 above 17)" in warning
    qc = qc_of(out)
    assert qc["kept_label_below_0"] == 1 and qc["kept_label_above_17"] == 0


def test_a_clean_file_gives_no_warning(tmp_path):
    path = tmp_path / "train_sequences.txt"
    write(path, [f"{GOOD}\t0", f"{GOOD}\t17", f"{GOOD}\t11.5"])
    summary, out = run(path, tmp_path, max_rejected_fraction=0)
    assert summary.warning(path, out["rejected.tsv"]) is None
    assert qc_of(out)["kept_label_below_0"] == qc_of(out)["kept_label_above_17"] == 0


def test_labels_above_the_top_bin_are_named(tmp_path):
    path = tmp_path / "train_sequences.txt"
    write(path, [f"{GOOD}\t17.5", f"{GOOD}\t250", f"{GOOD}\t3"])
    summary, out = run(path, tmp_path, max_rejected_fraction=0)
    assert "2 kept labels lie outside the sorting-bin range 0-17 (0 below 0, 2 above 17)" in (
        summary.warning(path, out["rejected.tsv"])
    )
    assert qc_of(out)["kept_label_above_17"] == 2 and summary.kept == 3


def test_a_failed_ingest_keeps_every_rejected_line_where_snakemake_leaves_it(tmp_path):
    path = tmp_path / "train_sequences.txt"
    write(path, [f"{GOOD}\t1\r"] * 9 + [f"{GOOD}\t1"])
    keep = tmp_path / "logs" / "ingest_rejected.tsv"  # its folder is made when needed
    out = {k: tmp_path / k for k in ("reads.parquet", "rejected.tsv", "qc.tsv")}
    args = (out["reads.parquet"], out["rejected.tsv"], out["qc.tsv"], 10, 200)
    with pytest.raises(IngestError) as err:
        ingest(path, *args, 0.1, keep_rejected=keep)
    assert str(err.value).endswith(f"All 9 rejected lines are in {keep}")
    kept = pd.read_csv(keep, sep="\t")
    assert kept["line"].tolist() == list(range(1, 10))
    assert set(kept["reason"]) == {"crlf_line_ending"}
    ingest(path, *args, 0.95, keep_rejected=keep)  # a later run that succeeds
    assert not keep.exists()  # leaves no stale table behind


# -- through Snakemake: what the user sees on screen and what is left after a failure


LONG = GOOD + "ACGT" * 10  # within the workflow's default length bounds (50-250)


def ingest_in_workflow(tmp_path, lines):
    local, workdir = tmp_path / "zenodo", tmp_path / "run"
    local.mkdir(), workdir.mkdir()
    write(local / "train_sequences.txt", lines)
    copy_workflow(workdir)
    (workdir / "local.yaml").write_text(f"data: dream2022\ndream2022: {{local_dir: {local}}}\n")
    target = "results/dream2022/qc/ingest.tsv"
    return workdir, snakemake(workdir, target, configs=("tiny.yaml", "local.yaml"), check=False)


@pytest.mark.workflow
def test_workflow_warns_on_screen_about_rejected_lines(tmp_path):
    workdir, run = ingest_in_workflow(tmp_path, [f"{LONG}\t1"] * 20 + [f"{LONG}\tx", f"{LONG}\t40"])
    assert run.returncode == 0, run.stderr[-3000:]
    assert (
        "WARNING: resources/dream2022/train_sequences.txt: 1 of 22 lines rejected and left out "
        "(non_numeric_expression 1); each is listed with its line number in "
        "results/dream2022/qc/rejected.tsv; 1 kept labels lie outside the sorting-bin range 0-17"
    ) in run.stderr


@pytest.mark.workflow
def test_workflow_keeps_the_rejected_lines_of_a_failed_ingest(tmp_path):
    workdir, run = ingest_in_workflow(tmp_path, [f"{LONG}\t1\r"] * 9 + [f"{LONG}\t1"])
    assert run.returncode != 0
    kept = "results/dream2022/logs/ingest_rejected.tsv"
    assert f"All 9 rejected lines are in {kept}" in run.stderr
    assert len(pd.read_csv(workdir / kept, sep="\t")) == 9
    assert (
        "\tcrlf_line_ending\t" not in run.stdout + run.stderr
    )  # the table is not dumped on screen
    assert not (workdir / "results/dream2022/qc/rejected.tsv").exists()  # outputs were removed

"""DeepSTARR and lentiMPRA sources (issue 28, part 1): fixtures in the official layouts built at
test time from the organisers' real 1,000-row samples in ../shared/other_datasets, and small
synthetic files for every kind of bad input."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from conftest import REPO
from other_datasets_fixtures import (
    SAMPLE_SETS,
    mpra_sample_rows,
    starr_sample_rows,
    write_deepstarr,
    write_mpra,
    write_mpra_tarball,
)
from promoterbench import formats
from promoterbench.datasets import deepstarr, lentimpra, sources, tables
from promoterbench.download import DownloadError
from promoterbench.ingest import IngestError


@pytest.fixture(scope="module")
def starr_rows() -> dict[str, list[dict[str, str]]]:
    return starr_sample_rows()


@pytest.fixture(scope="module")
def starr_folder(starr_rows, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("deepstarr")
    write_deepstarr(folder, starr_rows)
    return folder


@pytest.fixture(scope="module")
def starr_table(starr_folder):
    return deepstarr.read(starr_folder)


def test_deepstarr_reads_the_samples_in_the_record_layout(starr_rows, starr_table):
    table, qc, quarantine = starr_table
    assert len(quarantine) == 0
    assert table.schema.remove_metadata() == deepstarr.SCHEMA
    expected = [r for split in SAMPLE_SETS for r in starr_rows[split]]
    assert table.column("id").to_pylist() == [r["ID"] for r in expected]
    assert table.column("sequence").to_pylist() == [r["Sequence"] for r in expected]
    for output in deepstarr.OUTPUTS:
        assert table.column(output).to_pylist() == [float(r[output]) for r in expected]
    assert table.column("split").to_pylist() == [s for s in SAMPLE_SETS for _ in starr_rows[s]]
    # the FASTA header of record i sits on line 2i - 1 of the one-line-per-sequence fixture
    assert table.column("line").to_pylist()[:3] == [1, 3, 5]
    metrics = dict(qc)
    assert (metrics["records"], metrics["kept"], metrics["duplicate_ids"]) == (3000, 3000, 0)
    for split in SAMPLE_SETS:
        minus = sum("_-_" in r["ID"] for r in starr_rows[split])
        assert metrics[f"{split}_reverse"] == minus
        assert metrics[f"{split}_forward"] == len(starr_rows[split]) - minus
    val_starts = [int(r["ID"].split("_")[1]) for r in starr_rows["val"]]
    assert metrics["val_last_start"] == max(val_starts) < metrics["test_first_start"]


def test_deepstarr_strand_and_element_come_from_the_id(starr_table):
    table = starr_table[0].to_pylist()
    for row in table[:50]:
        chrom, start, end, strand, _ = row["id"].split("_", 4)
        assert (row["chrom"], row["start"], row["end"], row["strand"]) == (
            chrom,
            int(start),
            int(end),
            strand,
        )
        assert row["element"] == f"{chrom}_{start}_{end}"
    # both strands of a region are two rows sharing the element
    elements = [r["element"] for r in table]
    shared = {e for e in elements if elements.count(e) > 1}
    assert shared and all(
        {r["strand"] for r in table if r["element"] == e} == {"+", "-"} for e in list(shared)[:5]
    )


def test_deepstarr_table_is_written_and_read_back_the_same(starr_folder, starr_table, tmp_path):
    table, qc, quarantine = starr_table
    paths = {k: tmp_path / f"{k}.out" for k in ("table", "qc", "rejected")}
    tables.write_outputs("DeepSTARR", table, qc, quarantine, paths, 0.001)
    first = paths["table"].read_bytes()
    tables.write_outputs("DeepSTARR", *deepstarr.read(starr_folder), paths, 0.001)
    assert paths["table"].read_bytes() == first  # same files, same table, byte for byte
    back = pq.read_table(paths["table"])
    assert back.equals(table) and back.schema.metadata[b"dataset"] == b"deepstarr"
    assert paths["qc"].read_text().splitlines()[:2] == ["metric\tvalue", "records\t3000"]
    assert paths["rejected"].read_text() == "file\tline\treason\tdetail\ttext\n"


def test_deepstarr_split_must_be_the_sources_chromosome_split(starr_rows, tmp_path):
    rows = {s: list(r) for s, r in starr_rows.items()}
    rows["train"][3] = dict(rows["train"][3], ID=rows["val"][0]["ID"])  # a chr2R region in train
    write_deepstarr(tmp_path / "a", rows)
    with pytest.raises(formats.FormatError, match=r"Sequences_Train\.fa:7: chr2R_"):
        deepstarr.read(tmp_path / "a")
    rows = {s: list(r) for s, r in starr_rows.items()}
    rows["val"][1] = dict(rows["val"][1], ID=rows["test"][0]["ID"])  # second half in validation
    write_deepstarr(tmp_path / "b", rows)
    with pytest.raises(formats.FormatError, match="first half of chr2R and test the second"):
        deepstarr.read(tmp_path / "b")
    rows = {s: list(r) for s, r in starr_rows.items()}
    rows["test"][0] = starr_rows["train"][0]  # a chrX region in test
    write_deepstarr(tmp_path / "c", rows)
    with pytest.raises(formats.FormatError, match=r"test record\(s\) lie outside chr2R"):
        deepstarr.read(tmp_path / "c")


# ---------------------------------------------------------------------------------------------
# DeepSTARR: synthetic files for each kind of bad input

SEQ = "ACGT" * 62 + "A"  # 249 nt


def tiny_starr(n_train: int = 4) -> dict[str, list[dict[str, str]]]:
    def row(chrom: str, start: int, strand: str, dev: str = "1.5") -> dict[str, str]:
        return {
            "ID": f"{chrom}_{start}_{start + 248}_{strand}_positive_peaks",
            "Sequence": SEQ,
            "Dev_log2_enrichment": dev,
            "Hk_log2_enrichment": "-0.25",
        }

    return {
        "train": [row("chr3L", 1000 * i, "+-"[i % 2]) for i in range(n_train)],
        "val": [row("chr2R", 500, "+")],
        "test": [row("chr2R", 20_000_000, "-")],
    }


@pytest.mark.parametrize(
    "change, where, reason, detail",
    [
        ({"Sequence": SEQ[:-1] + "X"}, "Sequences_Train.fa:3", "bad_character", "'X' at sequence position 249"),
        ({"Sequence": SEQ[:-1]}, "Sequences_Train.fa:3", "length", "length 248, expected 249"),
        ({"Dev_log2_enrichment": "high"}, "Sequences_activity_Train.txt:3", "non_numeric_expression", "Dev_log2_enrichment 'high' is not a number"),
        ({"Hk_log2_enrichment": "nan"}, "Sequences_activity_Train.txt:3", "non_finite_expression", "'nan' is not finite"),
        ({"ID": "chr3L:1000-1248"}, "Sequences_Train.fa:3", "bad_id", "is not chrom_start_end_strand_class"),
    ],
)  # fmt: skip
def test_deepstarr_bad_records_are_quarantined_by_file_and_line(
    tmp_path, change, where, reason, detail
):
    rows = tiny_starr()
    rows["train"][1] = dict(rows["train"][1], **change)
    write_deepstarr(tmp_path, rows)
    raw = {path: path.read_bytes() for path in tmp_path.iterdir()}
    table, qc, quarantine = deepstarr.read(tmp_path)
    assert {path: path.read_bytes() for path in raw} == raw  # the raw files are only read
    assert table.num_rows == 5 and len(quarantine) == 1 and dict(qc)[f"rejected_{reason}"] == 1
    assert detail in quarantine.describe() and quarantine.describe().startswith(str(tmp_path))
    assert f"{where}: " in quarantine.describe()
    paths = {k: tmp_path / "out" / k for k in ("table", "qc", "rejected")}
    tables.write_outputs("DeepSTARR", table, qc, quarantine, paths, 0.5)
    rejected = paths["rejected"].read_text().splitlines()
    assert len(rejected) == 2 and rejected[1].split("\t")[2] == reason
    with pytest.raises(IngestError, match=r"1 of 6 records are invalid .* most common: " + reason):
        tables.write_outputs("DeepSTARR", table, qc, quarantine, paths, 0.1)


def test_deepstarr_count_mismatch_missing_column_and_misalignment_are_errors(tmp_path):
    write_deepstarr(tmp_path, tiny_starr())
    activity = tmp_path / deepstarr.activity_name("val")
    activity.write_text(activity.read_text() + "0.5\t0.5\n")
    with pytest.raises(
        formats.FormatError, match=r"Sequences_Val\.fa holds 1 records but .*2 data"
    ):
        deepstarr.read(tmp_path)
    write_deepstarr(tmp_path, tiny_starr())
    activity.write_text(activity.read_text().replace("Hk_log2_enrichment", "Hk"))
    with pytest.raises(formats.FormatError, match=r"activity_Val\.txt:1: missing column\(s\) Hk_"):
        deepstarr.read(tmp_path)
    rows = tiny_starr()
    write_deepstarr(tmp_path, rows, id_column=True)
    assert deepstarr.read(tmp_path)[0].num_rows == 6  # IDs in step
    train = tmp_path / deepstarr.activity_name("train")
    lines = train.read_text().splitlines(keepends=True)
    lines[2], lines[3] = lines[3], lines[2]
    train.write_text("".join(lines))
    with pytest.raises(formats.FormatError, match=r"activity_Train\.txt:3: ID .* out of step"):
        deepstarr.read(tmp_path)


def test_fasta_text_before_the_first_header_and_crlf_are_named(tmp_path):
    write_deepstarr(tmp_path, tiny_starr())
    fasta = tmp_path / deepstarr.fasta_name("test")
    raw = fasta.read_text()
    fasta.write_text("ACGT\n" + raw)
    with pytest.raises(formats.FormatError, match=r"Sequences_Test\.fa:1: sequence text before"):
        deepstarr.read(tmp_path)
    fasta.write_text(raw.replace("\n", "\r\n"))
    with pytest.raises(formats.FormatError, match=r"Sequences_Test\.fa:1: CRLF line ending"):
        deepstarr.read(tmp_path)


# ---------------------------------------------------------------------------------------------
# lentiMPRA


@pytest.fixture(scope="module")
def mpra_rows() -> list[dict[str, str]]:
    return mpra_sample_rows()


@pytest.fixture(scope="module")
def mpra_tarball(mpra_rows, tmp_path_factory) -> Path:
    return write_mpra_tarball(tmp_path_factory.mktemp("lentimpra"), mpra_rows)


def test_lentimpra_reads_the_samples_from_the_tarball(mpra_rows, mpra_tarball, tmp_path):
    path = lentimpra.extract(mpra_tarball, "K562", tmp_path)
    table, qc, quarantine = lentimpra.read(path, "K562")
    assert len(quarantine) == 0 and table.schema.remove_metadata() == lentimpra.SCHEMA
    assert table.num_rows == len(mpra_rows) and table.num_rows > 2900
    assert table.column("id").to_pylist() == [r["seq_id"] for r in mpra_rows]
    assert table.column("mean_value").to_pylist() == [float(r["mean_value"]) for r in mpra_rows]
    strand = table.column("strand").to_pylist()
    assert strand == ["-" if "_Reversed:" in r["seq_id"] else "+" for r in mpra_rows]
    assert 0 < strand.count("-") < len(strand)
    metrics = dict(qc)
    # the samples number their folds 0-9: the first fold is test, the next validation
    assert (metrics["test_fold"], metrics["val_fold"]) == (0, 1)
    assert metrics["elements_split_across_folds"] == 0 and metrics["without_adapters"] == 0
    fold = np.array([int(r["fold"]) for r in mpra_rows])
    split = np.array(table.column("split").to_pylist())
    assert (split == "test").sum() == (fold == 0).sum() == metrics["test"]
    assert set(split[fold == 1]) == {"val"} and set(split[fold > 1]) == {"train"}
    meta = table.schema.metadata
    assert (meta[b"cell_type"], meta[b"test_fold"], meta[b"val_fold"]) == (b"K562", b"0", b"1")
    # both orientations of an element share its element id
    element = dict(zip(table.column("id").to_pylist(), table.column("element").to_pylist()))
    pairs = [r for r in mpra_rows if r["seq_id"].endswith("_Reversed:")]
    paired = [r for r in pairs if r["seq_id"].replace("_Reversed:", "_F") in element]
    assert paired
    for r in paired:
        assert element[r["seq_id"]] == element[r["seq_id"].replace("_Reversed:", "_F")]


def test_lentimpra_fold_choice_for_cross_validation(mpra_tarball, tmp_path):
    path = lentimpra.extract(mpra_tarball, "K562", tmp_path)
    table, qc, _ = lentimpra.read(path, test_fold=9)
    assert (dict(qc)["test_fold"], dict(qc)["val_fold"]) == (9, 0)  # the last wraps to the first
    assert lentimpra.fold_pairs(list(range(1, 11)), [1, 10]) == [(1, 2), (10, 1)]
    assert len(lentimpra.fold_pairs(list(range(10)), list(range(10)))) == 10
    with pytest.raises(ValueError, match=r"test fold\(s\) \[10\] are not among"):
        lentimpra.read(path, test_fold=10)
    with pytest.raises(ValueError, match=r"folds \[0, 1\]: a fold split needs at least 3"):
        lentimpra.fold_pairs([0, 1, 1, 0])
    with pytest.raises(ValueError, match="both 3"):
        lentimpra.assign_split(np.arange(5), 3, 3)
    with pytest.raises(ValueError, match="'K563' is not one of K562, HepG2, WTC11"):
        lentimpra.extract(mpra_tarball, "K563", tmp_path)
    with pytest.raises(DownloadError, match="no member named HepG2_clean.tsv"):
        lentimpra.extract(mpra_tarball, "HepG2", tmp_path)


GOOD = lentimpra.ADAPTER5 + "ACGTACGTAC" * 20 + lentimpra.ADAPTER3


def tiny_mpra() -> list[dict[str, str]]:
    return [
        {"seq_id": f"seq{i}_F", "seq": GOOD, "mean_value": "0.5", "fold": str(i % 4), "rev": "0"}
        for i in range(8)
    ]


@pytest.mark.parametrize(
    "change, reason, detail",
    [
        ({"seq": GOOD[:-1] + "u"}, "bad_character", "'u' at sequence position 230"),
        ({"seq": GOOD + "A"}, "length", "length 231, expected 230"),
        ({"mean_value": "1,5"}, "non_numeric_expression", "mean_value '1,5' is not a number"),
        ({"mean_value": "-inf"}, "non_finite_expression", "mean_value '-inf' is not finite"),
        ({"fold": "two"}, "bad_fold", "fold 'two' is not a whole number"),
        ({"seq_id": "seq1_F"}, "duplicate_id", "seq_id 'seq1_F' already on line 3"),
        ({"seq_id": "seq3_Reversed:"}, "orientation_conflict", "_Reversed: in seq_id but rev is 0"),
    ],
)
def test_lentimpra_bad_rows_are_quarantined_by_line(tmp_path, change, reason, detail):
    rows = tiny_mpra()
    rows[4] = dict(rows[4], **change)
    path = write_mpra(
        tmp_path / "K562_clean.tsv", rows, ("seq_id", "seq", "mean_value", "fold", "rev")
    )
    table, qc, quarantine = lentimpra.read(path)
    assert table.num_rows == 7 and dict(qc)[f"rejected_{reason}"] == 1
    assert quarantine.describe().startswith(f"{path}:6: ") and detail in quarantine.describe()


def test_lentimpra_rev_column_marks_the_reverse_orientation(tmp_path):
    rows = [dict(r, fold_num=r["fold"]) for r in tiny_mpra()]  # MPRA-LegNet's column name
    rows[2] = dict(rows[2], seq_id="seq2", rev="1")
    path = write_mpra(tmp_path / "t.tsv", rows, ("seq_id", "seq", "mean_value", "fold_num", "rev"))
    strand = lentimpra.read(path)[0].column("strand").to_pylist()
    assert strand == ["+", "+", "-"] + ["+"] * 5


def test_lentimpra_missing_columns_and_empty_file_are_errors_a_byte_order_mark_is_not(tmp_path):
    rows = tiny_mpra()
    path = write_mpra(tmp_path / "a.tsv", rows, ("seq_id", "seq", "fold"))
    with pytest.raises(formats.FormatError, match=r"a\.tsv:1: missing column\(s\) mean_value"):
        lentimpra.read(path)
    path = write_mpra(tmp_path / "b.tsv", rows, ("seq_id", "seq", "mean_value"))
    with pytest.raises(formats.FormatError, match=r"b\.tsv:1: missing the fold column"):
        lentimpra.read(path)
    path = write_mpra(tmp_path / "bom.tsv", rows)
    path.write_bytes(formats.BOM + path.read_bytes())
    assert lentimpra.read(path)[0].num_rows == 8  # a byte-order mark is skipped
    with pytest.raises(IngestError, match=r"d\.tsv: no records"):
        lentimpra.read(write_mpra(tmp_path / "d.tsv", []))
    bad = [dict(r, mean_value="?") for r in rows]
    with pytest.raises(IngestError, match=r"e\.tsv: 8 of 8 records are invalid"):
        lentimpra.read(write_mpra(tmp_path / "e.tsv", bad))
    (tmp_path / "c.tsv").write_text("")
    with pytest.raises(formats.FormatError, match=r"c\.tsv: the file is empty"):
        lentimpra.read(tmp_path / "c.tsv")


# ---------------------------------------------------------------------------------------------
# Sources: the records, checksums and local copies


def test_records_name_the_published_files():
    assert deepstarr.RECORD.base_url == "https://zenodo.org/records/5502060/files"
    names = [f.name for f in deepstarr.RECORD.files]
    assert sorted(names) == sorted(
        [f"Sequences_{s}.fa" for s in ("Train", "Val", "Test")]
        + [f"Sequences_activity_{s}.txt" for s in ("Train", "Val", "Test")]
    )
    assert all(len(f.md5) == 32 for f in deepstarr.RECORD.files)
    assert lentimpra.RECORD.file(lentimpra.TARBALL).md5 is None  # not published in PROVENANCE
    with pytest.raises(KeyError, match="no file 'x.fa'"):
        deepstarr.RECORD.file("x.fa")


def test_obtain_verifies_the_md5_of_downloads_and_local_copies(tmp_path, caplog):
    served = tmp_path / "served"
    served.mkdir()
    (served / "Sequences_Val.fa").write_bytes(b">chr2R_1_249_+_x\n" + SEQ.encode() + b"\n")
    good = hashlib.md5((served / "Sequences_Val.fa").read_bytes()).hexdigest()
    record = sources.ZenodoRecord(1, (sources.SourceFile("Sequences_Val.fa", good),))
    dest = tmp_path / "got.fa"
    sources.obtain(record, "Sequences_Val.fa", dest, "deepstarr", base_url=served.as_uri())
    assert dest.read_bytes() == (served / "Sequences_Val.fa").read_bytes()
    bad = sources.ZenodoRecord(1, (sources.SourceFile("Sequences_Val.fa", "0" * 32),))
    dest.unlink()
    with pytest.raises(DownloadError, match=f"MD5 {good} differs from the published 0000"):
        sources.obtain(bad, "Sequences_Val.fa", dest, "deepstarr", base_url=served.as_uri())
    assert not dest.exists() and not (tmp_path / "got.fa.part").exists()
    with pytest.raises(DownloadError, match="MD5"):
        sources.obtain(bad, "Sequences_Val.fa", dest, "deepstarr", local_dir=served)
    assert not dest.exists() and (served / "Sequences_Val.fa").exists()
    sources.obtain(record, "Sequences_Val.fa", dest, "deepstarr", local_dir=served)
    assert dest.is_symlink()
    unverified = sources.ZenodoRecord(1, (sources.SourceFile("Sequences_Val.fa", None),))
    with caplog.at_level("WARNING"):
        sources.obtain(unverified, "Sequences_Val.fa", tmp_path / "u.fa", "x", local_dir=served)
    assert "no MD5 is published" in caplog.text


def test_obtain_errors_name_the_data_sets_setting(tmp_path):
    record = deepstarr.RECORD
    with pytest.raises(
        DownloadError, match="deepstarr.local_dir: .* set it to the folder holding its files"
    ):
        sources.obtain(
            record, "Sequences_Val.fa", tmp_path / "x", "deepstarr", local_dir=tmp_path / "no"
        )
    with pytest.raises(DownloadError, match=r"set deepstarr\.local_dir .* or deepstarr\.base_url"):
        sources.obtain(
            record,
            "Sequences_Val.fa",
            tmp_path / "x",
            "deepstarr",
            base_url="https://zenodo.invalid/f",
        )


def test_deepstarr_counts_duplicate_ids(tmp_path):
    rows = tiny_starr()
    rows["train"][2] = dict(rows["train"][2], ID=rows["train"][0]["ID"])
    write_deepstarr(tmp_path, rows)
    assert dict(deepstarr.read(tmp_path)[1])["duplicate_ids"] == 1


def test_reading_benchmark_reports_both_data_sets(tmp_path):
    out = tmp_path / "other_datasets.tsv"
    script = REPO / "benchmarks" / "other_datasets.py"
    cmd = [sys.executable, str(script), "--scale", "0.001", "--out", str(out)]
    subprocess.run(cmd, check=True, capture_output=True)
    lines = [line.split("\t") for line in out.read_text().splitlines()]
    assert lines[0] == ["dataset", "rows", "wall_s", "rows_per_s", "peak_rss_mb"]
    # 0.1 % of the real row counts, DeepSTARR rounded to both strands of whole regions
    assert [(row[0], int(row[1])) for row in lines[1:]] == [("deepstarr", 482), ("lentimpra", 226)]
    assert all(float(row[2]) > 0 and float(row[4]) > 0 for row in lines[1:])

"""DeepSTARR: Drosophila S2 UMI-STARR-seq of developmental and housekeeping enhancer activity
(de Almeida et al., Nat Genet 2022), Zenodo record 5502060.

The record holds, per set (Train, Val, Test), ``Sequences_{set}.fa`` (249-nt sequences; the FASTA
name is the ID ``chrom_start_end_strand_class``) and ``Sequences_activity_{set}.txt`` (tab-separated
with a header; data line i holds the activity of FASTA record i; the columns read are
``Dev_log2_enrichment`` and ``Hk_log2_enrichment``). The split is the record's: the set a file
belongs to. As the source defines it, validation and test are chromosome 2R, first and second
half, and training is every other chromosome; :func:`read` checks that (no chr2R record in
Train, only chr2R in Val and Test, every Val start before every Test start) and reports the
boundary. Reverse orientation: the strand in the ID; the training set holds both strands of each
region (the source's augmentation), and both stay as separate rows with ``strand`` + or -.
"""

from __future__ import annotations

import collections
import logging
import os
import re
from pathlib import Path

import pyarrow as pa

from promoterbench import formats
from promoterbench.datasets import tables
from promoterbench.datasets.sources import SourceFile, ZenodoRecord

log = logging.getLogger(__name__)

SETS = {"train": "Train", "val": "Val", "test": "Test"}  # split -> the record's set name
OUTPUTS = ("Dev_log2_enrichment", "Hk_log2_enrichment")
LENGTH = 249
HELD_OUT = "chr2R"  # validation: its first half; test: its second half
STRANDS = {"+": "forward", "-": "reverse"}


def fasta_name(split: str) -> str:
    return f"Sequences_{SETS[split]}.fa"


def activity_name(split: str) -> str:
    return f"Sequences_activity_{SETS[split]}.txt"


RECORD = ZenodoRecord(
    record=5502060,
    files=(
        SourceFile(fasta_name("train"), "fe474a31c23db2daf7dc4d1fc49a8e5a"),
        SourceFile(fasta_name("val"), "9d1a0e5c9228aa033378af93074109e6"),
        SourceFile(fasta_name("test"), "c2d831a6e2cfb9345fa5e52de76bb453"),
        SourceFile(activity_name("train"), "4e65afa021fd426c74dbf24c31b8bbf9"),
        SourceFile(activity_name("val"), "5f30e863b2239e4f9ade6e7b81b3ff3c"),
        SourceFile(activity_name("test"), "011690ca80cf967d56fefd0c1386419f"),
    ),
    total_bytes=195_851_144,  # all 8 files of the record, the Keras model included
)
ID = re.compile(r"(?P<chrom>[^_]+)_(?P<start>\d+)_(?P<end>\d+)_(?P<strand>[+-])_(?P<kind>.+)")

SCHEMA = pa.schema(
    [
        ("id", pa.string()),  # the FASTA name (ID)
        ("split", pa.string()),  # train | val | test
        ("file", pa.string()),  # the FASTA file the record comes from
        ("line", pa.int64()),  # the line of its FASTA header
        ("sequence", pa.string()),
        (OUTPUTS[0], pa.float64()),
        (OUTPUTS[1], pa.float64()),
        ("strand", pa.string()),  # + or -, from the ID
        ("chrom", pa.string()),
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("element", pa.string()),  # chrom_start_end: both strands of a region share it
    ]
)


def fasta_records(path: str | os.PathLike) -> list[tuple[int, str, str]]:
    """(header line, name, sequence in upper case as the source's reader reads it) per record;
    a FormatError for text before the first header."""
    records: list[tuple[int, str, list[str]]] = []
    for number, text in tables.numbered_lines(path):
        if text.startswith(">"):
            records.append((number, text[1:].strip(), []))
        elif records:
            records[-1][2].append(text.strip())
        elif text.strip():
            raise formats.FormatError(f"{path}:{number}: sequence text before the first header")
    return [(line, name, "".join(parts).upper()) for line, name, parts in records]


def activity_rows(path: str | os.PathLike) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header columns (which must include OUTPUTS) and (line, fields) of each data line."""
    lines = tables.numbered_lines(path)
    first = next(lines, None)
    if first is None:
        raise formats.FormatError(f"{path}: the file is empty (expected a header line)")
    columns = tables.header_columns(path, first[1], OUTPUTS)
    return columns, [(number, text.split("\t")) for number, text in lines]


def _read_set(
    folder: Path, split: str, rows: tables.Columns, quarantine: tables.Quarantine
) -> None:
    fasta, activity = folder / fasta_name(split), folder / activity_name(split)
    records = fasta_records(fasta)
    columns, values = activity_rows(activity)
    if len(records) != len(values):
        raise formats.FormatError(
            f"{fasta} holds {len(records)} records but {activity} {len(values)} data lines; "
            "data line i is the activity of record i, so the counts must match"
        )
    at = {name: columns.index(name) for name in (*OUTPUTS, "ID") if name in columns}
    for (line, name, sequence), (act_line, fields) in zip(records, values):
        quarantine.records += 1
        tables.progress("DeepSTARR", quarantine.records)
        if "ID" in at and len(fields) == len(columns) and fields[at["ID"]] != name:
            raise formats.FormatError(
                f"{activity}:{act_line}: ID {fields[at['ID']]!r} is not the name "
                f"{name!r} of record {fasta}:{line}; the two files are out of step"
            )
        parsed = ID.fullmatch(name)
        problem = tables.sequence_problem(sequence, LENGTH)
        if not parsed:
            problem = tables.BAD_ID, f"name {name!r} is not chrom_start_end_strand_class"
        if problem:
            quarantine.add(fasta, line, problem, f">{name}")
            continue
        if len(fields) != len(columns):
            detail = f"expected {len(columns)} tab-separated fields, found {len(fields)}"
            quarantine.add(activity, act_line, (formats.FIELD_COUNT, detail), "\t".join(fields))
            continue
        outputs = [tables.parse_value(fields[at[c]], c) for c in OUTPUTS]
        problem = next((p for _, p in outputs if p), None)
        if problem:
            quarantine.add(activity, act_line, problem, "\t".join(fields))
            continue
        chrom, start, end = parsed["chrom"], int(parsed["start"]), int(parsed["end"])
        rows.add(
            id=name,
            split=split,
            file=fasta.name,
            line=line,
            sequence=sequence,
            **{c: v for c, (v, _) in zip(OUTPUTS, outputs)},
            strand=parsed["strand"],
            chrom=chrom,
            start=start,
            end=end,
            element=f"{chrom}_{start}_{end}",
        )


def _chromosome_split(rows: tables.Columns) -> list[tuple[str, object]]:
    """Check the chromosome split of the kept rows; the boundary between validation and test
    (the last validation start, the first test start) as QC rows."""
    cols = rows.data
    where = collections.defaultdict(list)  # (split, on chr2R) -> row indices
    for i, (split, chrom) in enumerate(zip(cols["split"], cols["chrom"])):
        where[split, chrom == HELD_OUT].append(i)

    def named(indices: list[int]) -> str:
        return "; ".join(f"{cols['file'][i]}:{cols['line'][i]}: {cols['id'][i]}" for i in indices)

    if where["train", True]:
        raise formats.FormatError(
            f"{len(where['train', True])} training record(s) lie on {HELD_OUT}, which the source "
            f"holds out for validation and test: {named(where['train', True][:3])}"
        )
    for split in ("val", "test"):
        if where[split, False]:
            raise formats.FormatError(
                f"{len(where[split, False])} {split} record(s) lie outside {HELD_OUT}, the "
                f"chromosome the source holds out: {named(where[split, False][:3])}"
            )
    val, test = where["val", True], where["test", True]
    last_val = max(val, key=cols["start"].__getitem__, default=None)
    first_test = min(test, key=cols["start"].__getitem__, default=None)
    if last_val is not None and first_test is not None:
        if cols["start"][last_val] >= cols["start"][first_test]:
            raise formats.FormatError(
                f"validation must be the first half of {HELD_OUT} and test the second, but "
                f"{named([last_val])} starts at or after {named([first_test])}"
            )
    qc: list[tuple[str, object]] = []
    if last_val is not None:
        qc.append(("val_last_start", cols["start"][last_val]))
    if first_test is not None:
        qc.append(("test_first_start", cols["start"][first_test]))
    return qc


def read(folder: str | os.PathLike) -> tuple[pa.Table, list[tuple[str, object]], tables.Quarantine]:
    """The six files of the record in ``folder`` as one table (SCHEMA: train, val, test in file
    order), the QC rows (metric, value) and the quarantined records (each named by file, line
    and reason; :func:`tables.write_outputs` applies the limit on their share).

    Raises FormatError for a missing column, a FASTA/activity count mismatch, files out of step
    or a broken chromosome split.
    """
    folder, rows, quarantine = Path(folder), tables.Columns(SCHEMA), tables.Quarantine()
    for split in SETS:
        _read_set(folder, split, rows, quarantine)
    boundary = _chromosome_split(rows)
    table = rows.table(dataset="deepstarr", record=f"zenodo:{RECORD.record}")
    counts = collections.Counter(zip(rows.data["split"], rows.data["strand"]))
    ids = rows.data["id"]
    qc = [
        *quarantine.counts(table.num_rows),
        *((f"{s}_{name}", counts[s, d]) for s in SETS for d, name in STRANDS.items()),
        ("duplicate_ids", len(ids) - len(set(ids))),
        *boundary,
    ]
    log.info("DeepSTARR: %d records kept of %d", table.num_rows, quarantine.records)
    return table, qc, quarantine

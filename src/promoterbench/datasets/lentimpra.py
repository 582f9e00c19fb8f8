"""Human lentiMPRA (Agarwal et al., Nature 2025) as the Prix Fixe paper used it: the organisers'
``human_mpra_data.tar.gz`` in Zenodo record 10633252, one table per cell type
(``K562_clean.tsv``, ``HepG2_clean.tsv``, ``WTC11_clean.tsv``).

A table is tab-separated with a header: ``seq_id``, ``seq`` (230 nt: 15-nt adapter, 200-nt element,
15-nt adapter), ``mean_value`` (the activity read for that cell type) and the cross-validation
fold (``fold``, or ``fold_num`` as MPRA-LegNet names it; 0-9 in the organisers' samples, 1-10
elsewhere). Reverse orientation: ``_Reversed:`` in ``seq_id`` (the organisers' mark), or a
``rev`` column of 0/1 where the mark is absent (the organisers' note: the mark "must be added
from the orientation" for the tarball's tables); a row whose mark and ``rev`` disagree is
rejected. The split is by fold: one test fold, one validation fold, the rest train.
"""

from __future__ import annotations

import collections
import logging
import os
import re
from pathlib import Path

import numpy as np
import pyarrow as pa

from promoterbench import download, formats
from promoterbench.datasets import tables
from promoterbench.datasets.sources import SourceFile, ZenodoRecord

log = logging.getLogger(__name__)

TARBALL = "human_mpra_data.tar.gz"
RECORD = ZenodoRecord(record=10633252, files=(SourceFile(TARBALL, md5=None),))
CELL_TYPES = ("K562", "HepG2", "WTC11")
OUTPUT = "mean_value"
LENGTH = 230
ADAPTER5, ADAPTER3 = "AGGACCGGATCAACT", "CATTGCGTGAACCGA"
REVERSED = "_Reversed:"
FORWARD = "_F"  # the suffix of forward rows in the organisers' samples
REQUIRED = ("seq_id", "seq", OUTPUT)
FOLD_COLUMNS = ("fold", "fold_num")
_FOLD = re.compile(r"\d+", re.ASCII)

SCHEMA = pa.schema(
    [
        ("id", pa.string()),  # seq_id as in the file
        ("split", pa.string()),  # train | val | test for the chosen folds
        ("fold", pa.int64()),
        ("line", pa.int64()),  # the line in the file
        ("sequence", pa.string()),
        (OUTPUT, pa.float64()),
        ("strand", pa.string()),  # + forward, - reverse orientation
        ("element", pa.string()),  # seq_id without its orientation suffix
    ]
)


def member(cell_type: str) -> str:
    """The tarball member holding one cell type's table."""
    if cell_type not in CELL_TYPES:
        raise ValueError(f"lentimpra cell type {cell_type!r} is not one of {', '.join(CELL_TYPES)}")
    return f"{cell_type}_clean.tsv"


def extract(tarball: str | os.PathLike, cell_type: str, dest_dir: str | os.PathLike) -> Path:
    """Copy one cell type's table out of the tarball (found by name anywhere inside)."""
    download.extract_named(tarball, [member(cell_type)], dest_dir)
    return Path(dest_dir) / member(cell_type)


def fold_pairs(folds: list[int], test_folds: list[int] | None = None) -> list[tuple[int, int]]:
    """(test fold, validation fold) per cross-validation run: each test fold in ``test_folds``
    (default: the first fold only) with the next fold of ``folds`` in order as validation (the
    last wraps to the first); MPRA-LegNet's one-split demo is the first pair (its folds 1 and 2).
    """
    ordered = sorted(set(folds))
    if len(ordered) < 3:
        raise ValueError(f"folds {ordered}: a fold split needs at least 3 folds")
    chosen = ordered[:1] if test_folds is None else list(test_folds)
    unknown = [f for f in chosen if f not in ordered]
    if unknown:
        raise ValueError(f"test fold(s) {unknown} are not among the data's folds {ordered}")
    return [(f, ordered[(ordered.index(f) + 1) % len(ordered)]) for f in chosen]


def assign_split(fold: np.ndarray, test_fold: int, val_fold: int) -> np.ndarray:
    """train / val / test per row for one (test fold, validation fold) pair."""
    if test_fold == val_fold:
        raise ValueError(f"test and validation fold are both {test_fold}")
    split = np.full(len(fold), "train", dtype=object)
    split[fold == val_fold] = "val"
    split[fold == test_fold] = "test"
    return split


def _strand(seq_id: str, rev: str | None) -> tuple[str | None, tuple[str, str] | None]:
    """(strand + or -, None) from a row's mark and ``rev``, or (None, problem) when they disagree."""
    marked = REVERSED in seq_id
    if rev is not None:
        if rev not in ("0", "1"):
            return None, (tables.ORIENTATION, f"rev {rev!r} is not 0 or 1")
        if marked and rev == "0":
            return None, (tables.ORIENTATION, f"{REVERSED} in seq_id but rev is 0")
        marked = marked or rev == "1"
    return ("-" if marked else "+"), None


def read(
    path: str | os.PathLike,
    cell_type: str = "K562",
    test_fold: int | None = None,
) -> tuple[pa.Table, list[tuple[str, object]], tables.Quarantine]:
    """One cell type's table as SCHEMA, the QC rows and the quarantined rows.

    ``test_fold`` (default: the first fold) is held out for test and the next fold
    (:func:`fold_pairs`) for validation. Raises FormatError for a missing column, IngestError
    when no row is valid, and ValueError for a test fold the data lacks.
    """
    lines = tables.numbered_lines(path)
    first = next(lines, None)
    if first is None:
        raise formats.FormatError(f"{path}: the file is empty (expected a header line)")
    columns = tables.header_columns(path, first[1], REQUIRED)
    fold_column = next((c for c in FOLD_COLUMNS if c in columns), None)
    if fold_column is None:
        raise formats.FormatError(
            f"{path}:1: missing the fold column ({' or '.join(FOLD_COLUMNS)}) in the header"
        )
    at = {name: columns.index(name) for name in (*REQUIRED, fold_column, "rev") if name in columns}
    rows, quarantine = tables.Columns(SCHEMA), tables.Quarantine()
    seen: dict[str, int] = {}
    for number, text in lines:
        quarantine.records += 1
        tables.progress(f"lentiMPRA {cell_type}", quarantine.records)
        fields = text.split("\t")
        problem, parsed = _check_row(fields, columns, at, fold_column, seen)
        if problem:
            quarantine.add(path, number, problem, text)
            continue
        seen[parsed["id"]] = number
        rows.add(line=number, split="", **parsed)
    fold = np.asarray(rows.data["fold"], dtype=np.int64)
    if not len(fold):  # no folds to split: say why
        quarantine.check(str(path), max_fraction=0.0)
    test, val = fold_pairs(fold.tolist(), None if test_fold is None else [test_fold])[0]
    rows.data["split"] = assign_split(fold, test, val).tolist()
    table = rows.table(
        dataset="lentimpra",
        record=f"zenodo:{RECORD.record}",
        cell_type=cell_type,
        test_fold=str(test),
        val_fold=str(val),
    )
    return table, _qc(rows, quarantine, test, val), quarantine


def _fold_problem(fold: str, column: str) -> tuple[str, str] | None:
    if _FOLD.fullmatch(fold):
        return None
    return tables.BAD_FOLD, f"{column} {fold!r} is not a whole number"


def _check_row(
    fields: list[str], columns: list[str], at: dict[str, int], fold_column: str, seen: dict
) -> tuple[tuple[str, str] | None, dict]:
    """(problem, {}) for an invalid data line, else (None, its SCHEMA values but split, line)."""
    if len(fields) != len(columns):
        detail = f"expected {len(columns)} tab-separated fields, found {len(fields)}"
        return (formats.FIELD_COUNT, detail), {}
    seq_id, sequence, fold = fields[at["seq_id"]], fields[at["seq"]], fields[at[fold_column]]
    if seq_id in seen:
        return (tables.DUPLICATE_ID, f"seq_id {seq_id!r} already on line {seen[seq_id]}"), {}
    value, problem = tables.parse_value(fields[at[OUTPUT]], OUTPUT)
    strand, orientation = _strand(seq_id, fields[at["rev"]] if "rev" in at else None)
    problem = (
        tables.sequence_problem(sequence, LENGTH)
        or problem
        or _fold_problem(fold, fold_column)
        or orientation
    )
    if problem:
        return problem, {}
    element = seq_id.replace(REVERSED, "").removesuffix(FORWARD)
    return None, dict(
        id=seq_id,
        fold=int(fold),
        sequence=sequence,
        mean_value=value,
        strand=strand,
        element=element,
    )


def _qc(
    rows: tables.Columns, quarantine: tables.Quarantine, test: int, val: int
) -> list[tuple[str, object]]:
    data = rows.data
    folds_of = collections.defaultdict(set)
    for element, fold in zip(data["element"], data["fold"]):
        folds_of[element].add(fold)
    split_across = sum(len(f) > 1 for f in folds_of.values())
    if split_across:
        log.warning(
            "%d element(s) have their two orientations in different folds: a model may see one "
            "orientation in training and be tested on the other",
            split_across,
        )
    adapters = sum(s.startswith(ADAPTER5) and s.endswith(ADAPTER3) for s in data["sequence"])
    splits = collections.Counter(data["split"])
    return [
        *quarantine.counts(len(data["id"])),
        ("forward", data["strand"].count("+")),
        ("reverse", data["strand"].count("-")),
        ("test_fold", test),
        ("val_fold", val),
        *((s, splits[s]) for s in ("train", "val", "test")),
        *sorted((f"fold_{f}", n) for f, n in collections.Counter(data["fold"]).items()),
        ("without_adapters", len(data["id"]) - adapters),
        ("elements_split_across_folds", split_across),
    ]

"""Fixtures of the other data sets in their official layouts, built from the organisers' real
1,000-row samples in ../shared/other_datasets (skipped, or failed under
PROMOTERBENCH_REQUIRE_SHARED=1, where they are absent): DeepSTARR's six record files, the
lentiMPRA tarball."""

from __future__ import annotations

import csv
import tarfile
from pathlib import Path

from conftest import SHARED, missing_shared
from promoterbench.datasets import deepstarr, lentimpra

OTHER = SHARED.parent / "other_datasets"
SAMPLE_SETS = {"train": "train", "val": "val", "test": "test"}  # DeepSTARR split -> sample file
CHR2R_HALF = 12_000_000  # where the fixture puts the boundary between validation and test


def sample_rows(folder: str, name: str) -> list[dict[str, str]]:
    path = OTHER / folder / f"sample_{name}.txt"
    if not path.is_file():
        missing_shared(path, "the organisers' sample of this data set")
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def rehome(row: dict[str, str], split: str) -> str:
    """The sample's ID (all samples lie on chrX) moved to the chromosome its split needs: train
    rows keep theirs; validation rows go to the first half of chr2R, test rows to the second."""
    if split == "train":
        return row["ID"]
    _, start, end, rest = row["ID"].split("_", 3)
    offset = -int(start) // 4 * 3 if split == "val" else CHR2R_HALF - int(start) // 2
    return f"chr2R_{int(start) + offset}_{int(end) + offset}_{rest}"


def write_deepstarr(folder: Path, rows: dict[str, list[dict[str, str]]], id_column=False) -> None:
    """Sequences_{set}.fa and Sequences_activity_{set}.txt as in Zenodo record 5502060."""
    folder.mkdir(parents=True, exist_ok=True)
    for split, these in rows.items():
        with open(folder / deepstarr.fasta_name(split), "w") as fa:
            fa.writelines(f">{r['ID']}\n{r['Sequence']}\n" for r in these)
        with open(folder / deepstarr.activity_name(split), "w") as act:
            act.write(("ID\t" if id_column else "") + "\t".join(deepstarr.OUTPUTS) + "\n")
            for r in these:
                values = "\t".join(r[c] for c in deepstarr.OUTPUTS)
                act.write((f"{r['ID']}\t" if id_column else "") + values + "\n")


def starr_sample_rows() -> dict[str, list[dict[str, str]]]:
    """The three DeepSTARR samples by split, their IDs moved to the split's chromosome."""
    rows = {}
    for split, name in SAMPLE_SETS.items():
        rows[split] = [dict(r, ID=rehome(r, split)) for r in sample_rows("drosophila_starr", name)]
    return rows


def mpra_sample_rows() -> list[dict[str, str]]:
    """The three lentiMPRA samples as one table, as the K562 table of the tarball is: they are
    draws from one table, so a row in two samples is kept once."""
    rows, seen = [], set()
    for name in ("train", "valid", "test"):
        for row in sample_rows("human_lentimpra", name):
            if row["seq_id"] not in seen:
                seen.add(row["seq_id"])
                rows.append(row)
    return rows


def write_mpra(
    path: Path, rows: list[dict[str, str]], columns=("seq_id", "seq", "mean_value", "fold")
):
    with open(path, "w") as fh:
        fh.write("\t".join(columns) + "\n")
        fh.writelines("\t".join(r[c] for c in columns) + "\n" for r in rows)
    return path


def write_mpra_tarball(folder: Path, rows: list[dict[str, str]]) -> Path:
    """``human_mpra_data.tar.gz`` in ``folder`` holding ``rows`` as the K562 table."""
    table = write_mpra(folder / "K562_clean.tsv", rows)
    tarball = folder / lentimpra.TARBALL
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(table, arcname="human_mpra_data/K562_clean.tsv")
    table.unlink()
    return tarball

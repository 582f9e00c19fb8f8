"""What the workflow fetches and reads for each other data set: the record's files it needs under
``resources/{data}/``, the file(s) the table is read from, and the read itself with the data
set's options (its config section)."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa

from promoterbench.datasets import deepstarr, lentimpra, tables
from promoterbench.datasets.sources import ZenodoRecord

DATA = ("deepstarr", "lentimpra")
RECORDS: dict[str, ZenodoRecord] = {"deepstarr": deepstarr.RECORD, "lentimpra": lentimpra.RECORD}
TITLES = {"deepstarr": "DeepSTARR", "lentimpra": "lentiMPRA"}
OUTPUTS = {"deepstarr": deepstarr.OUTPUTS, "lentimpra": (lentimpra.OUTPUT,)}  # measured columns


def downloads(data: str) -> tuple[str, ...]:
    """The files of ``data``'s record that the workflow fetches (all the ones it reads from)."""
    return tuple(source.name for source in RECORDS[data].files)


def table_inputs(data: str, options: dict) -> tuple[str, ...]:
    """The files under ``resources/{data}/`` the table is read from: DeepSTARR's six files, the
    configured cell type's table (extracted from the lentiMPRA tarball)."""
    if data == "lentimpra":
        return (lentimpra.member(options["cell_type"]),)
    return downloads(data)


def read(
    data: str, folder: str | os.PathLike, options: dict
) -> tuple[pa.Table, list[tuple[str, object]], tables.Quarantine]:
    """The validated table of ``data`` from its files in ``folder`` (see :func:`table_inputs`),
    with its QC rows and quarantined records; lentiMPRA reads ``options["cell_type"]`` and holds
    out ``options["test_fold"]`` (None: the first fold)."""
    if data == "lentimpra":
        path = Path(folder) / lentimpra.member(options["cell_type"])
        return lentimpra.read(path, options["cell_type"], options["test_fold"])
    return deepstarr.read(folder)

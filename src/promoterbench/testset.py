"""The official DREAM 2022 test-set design: categories, their files, and the public/private splits.

A truth directory holds the Zenodo files: ``filtered_test_data_with_MAUDE_expression.txt`` (row
order = test index), ``test_subset_ids/*.csv`` and ``public_leaderboard_ids/*.json``. Files are found
by name anywhere below the directory, because the layout inside the official tarballs is unknown.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from promoterbench import formats

TEST_FILE = "filtered_test_data_with_MAUDE_expression.txt"
SUBSET_DIR = "test_subset_ids"
PUBLIC_DIR = "public_leaderboard_ids"
GROUND_JSON = "ground.json"
SAMPLE_SUBMISSION_JSON = "sample_submission.json"

Kind = Literal["single", "pair"]
Split = Literal["public", "private", "all"]
SPLITS: tuple[Split, ...] = ("public", "private", "all")


@dataclass(frozen=True)
class Category:
    """One scored test category: its weight in the official formula and its files."""

    name: str
    weight: float
    kind: Kind
    csv: str | None  # file in test_subset_ids/ (None for "all")
    json: str | None  # file in public_leaderboard_ids/
    csv_columns: tuple[str, ...] = ()  # the official header (first, unnamed column included)


_SINGLE_COLUMNS = ("", "tag", "sequence", "pos", "exp")
_PAIR_COLUMNS = ("", "alt_tag", "ref_tag", "alt_sequence", "ref_sequence", "alt_pos", "ref_pos")
_PAIR_COLUMNS += ("alt_exp", "ref_exp")

# Order, weights and files exactly as the organisers' evaluation (dream_anchors.md §1).
CATEGORIES: tuple[Category, ...] = (
    Category("all", 1.0, "single", None, GROUND_JSON),
    Category("high", 0.3, "single", "high_exp_seqs.csv", "high_exp_indices.json", _SINGLE_COLUMNS),
    Category("low", 0.3, "single", "low_exp_seqs.csv", "low_exp_indices.json", _SINGLE_COLUMNS),
    Category("native", 0.3, "single", "yeast_seqs.csv", "yeast_exp_indices.json", _SINGLE_COLUMNS),
    Category(
        "random",
        0.3,
        "single",
        "all_random_seqs.csv",
        "random_exp_indices.json",
        ("", "Unnamed: 0") + _SINGLE_COLUMNS[1:],
    ),
    Category(
        "challenging",
        0.5,
        "single",
        "challenging_seqs.csv",
        "challenging_exp_indices.json",
        _SINGLE_COLUMNS,
    ),
    Category("snv", 1.25, "pair", "all_SNVs_seqs.csv", "SNVs_exp_indices.json", _PAIR_COLUMNS),
    Category(
        "motif_perturbation",
        0.3,
        "pair",
        "motif_perturbation_seqs.csv",
        "motif_perturbation_exp_indices.json",
        ("", "Unnamed: 0") + _PAIR_COLUMNS[1:],
    ),
    Category(
        "motif_tiling",
        0.4,
        "pair",
        "motif_tiling_seqs.csv",
        "motif_tiling_exp_indices.json",
        _PAIR_COLUMNS,
    ),
)
CATEGORY_BY_NAME = {c.name: c for c in CATEGORIES}
TOTAL_WEIGHT = sum(c.weight for c in CATEGORIES)  # 4.65


def find_file(root: Path, name: str) -> Path:
    """The unique file called ``name`` below ``root``; a clear error when absent or ambiguous."""
    root = Path(root)
    direct = root / name
    if direct.is_file():
        return direct
    hits = sorted(p for p in root.rglob(name) if p.is_file())
    if not hits:
        raise FileNotFoundError(f"{name} not found anywhere under {root}")
    if len(hits) > 1:
        listing = ", ".join(str(h) for h in hits[:5])
        raise ValueError(f"{name} found {len(hits)} times under {root}: {listing}")
    return hits[0]


def _read_csv_indices(path: Path, columns: tuple[str, ...]) -> np.ndarray:
    with formats.open_text(path) as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
        rows = []
        for line, row in enumerate(reader, start=2):
            try:
                rows.append([int(row[c]) for c in columns])
            except (TypeError, ValueError):
                raise ValueError(f"{path}:{line}: non-integer index in {columns}") from None
    return np.asarray(rows, dtype=np.int64).reshape(-1, len(columns))


def _read_json_keys(path: Path, kind: Kind) -> np.ndarray:
    with formats.open_text(path) as fh:
        keys = list(json.load(fh))
    if kind == "single":
        return np.asarray([int(k) for k in keys], dtype=np.int64)
    pairs = [tuple(int(x) for x in k.split(",")) for k in keys]  # keys are "alt,ref"
    return np.asarray(pairs, dtype=np.int64).reshape(-1, 2)


def _in_range(idx: np.ndarray, n: int, path: Path) -> np.ndarray:
    """``idx``, read from the id file ``path``; an error naming it when one lies outside 0..n-1."""
    bad = idx[(idx < 0) | (idx >= n)]
    if bad.size:
        raise formats.FormatError(
            f"{path}: {bad.size} index(es) outside the test set 0..{n - 1} (the test file has "
            f"{n} sequences), first: {', '.join(map(str, bad[:5]))}"
        )
    return idx


def _size(test_file: str | Path, n: int) -> int:
    """``n``, the number of sequences in the test file; an error naming it when it has none."""
    if n == 0:
        raise formats.FormatError(
            f"{test_file}: the test file holds no sequences (it is empty); download it again"
        )
    return n


def _unique_pairs(pairs: np.ndarray) -> np.ndarray:
    return np.unique(pairs.reshape(-1, 2), axis=0) if len(pairs) else pairs.reshape(0, 2)


@dataclass(frozen=True)
class TestDesign:
    """Test indices of every category, for the whole set and its public part.

    ``members[c]`` holds unique indices (single categories) or unique (alt, ref) pairs (pair
    categories); ``public_members[c]`` the same for the public leaderboard; ``public`` is the mask of
    the public leaderboard indices (the keys of ground.json).
    """

    n: int
    members: dict[str, np.ndarray]
    public_members: dict[str, np.ndarray]
    public: np.ndarray = field(repr=False)

    @classmethod
    def from_dir(cls, truth_dir: str | Path) -> "TestDesign":
        """Design from a folder holding the test file and both id folders (anywhere below it)."""
        truth_dir = Path(truth_dir)
        return cls.from_paths(find_file(truth_dir, TEST_FILE), truth_dir, truth_dir)

    @classmethod
    def from_paths(
        cls, test_file: str | Path, subset_dir: str | Path, public_dir: str | Path
    ) -> "TestDesign":
        """Design from the test file, the test_subset_ids folder and the public_leaderboard_ids folder."""
        return cls.from_ids(
            _size(test_file, formats.count_lines(test_file)), subset_dir, public_dir
        )

    @classmethod
    def from_ids(cls, n: int, subset_dir: str | Path, public_dir: str | Path) -> "TestDesign":
        """Design of a test set of ``n`` sequences from the two id folders."""
        members: dict[str, np.ndarray] = {"all": np.arange(n, dtype=np.int64)}
        public_members: dict[str, np.ndarray] = {}
        for cat in CATEGORIES:
            path = find_file(public_dir, cat.json)
            public_members[cat.name] = _in_range(_read_json_keys(path, cat.kind), n, path)
            if cat.csv is None:
                continue
            path = find_file(subset_dir, cat.csv)
            if cat.kind == "single":
                idx = np.unique(_read_csv_indices(path, ("pos",))[:, 0])
            else:
                idx = _unique_pairs(_read_csv_indices(path, ("alt_pos", "ref_pos")))
            members[cat.name] = _in_range(idx, n, path)
        public = np.zeros(n, dtype=bool)
        public_members = {
            k: (np.unique(v) if v.ndim == 1 else _unique_pairs(v))
            for k, v in public_members.items()
        }
        public[public_members["all"]] = True
        return cls(n=n, members=members, public_members=public_members, public=public)

    def select(self, category: str, split: Split) -> np.ndarray:
        """Indices (or pairs) of ``category`` scored in ``split``, as the official evaluation does.

        private: single categories drop every public index; pair categories drop a pair only when
        the identical (alt, ref) pair is a public pair.
        """
        cat = CATEGORY_BY_NAME[category]
        if split == "all":
            return self.members[category]
        if split == "public":
            return self.public_members[category]
        if split != "private":
            raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
        members = self.members[category]
        if cat.kind == "single":
            return members[~self.public[members]]
        public_pairs = {tuple(p) for p in self.public_members[category].tolist()}
        keep = np.array([tuple(p) not in public_pairs for p in members.tolist()], dtype=bool)
        return members[keep] if len(members) else members

    def required(self, split: Split) -> np.ndarray:
        """Mask of test indices a submission must predict to be scored on ``split``."""
        need = np.zeros(self.n, dtype=bool)
        for cat in CATEGORIES:
            need[np.asarray(self.select(cat.name, split)).ravel()] = True
        return need


def load(
    test_file: str | Path, subset_dir: str | Path, public_dir: str | Path
) -> tuple[TestDesign, np.ndarray]:
    """The design and the measured expression of a test set, reading the test file once."""
    _, measured = formats.read_official_txt(test_file)
    return TestDesign.from_ids(_size(test_file, len(measured)), subset_dir, public_dir), measured


def write_subset_csv(path: str | Path, category: str, rows: list[tuple]) -> None:
    """Write a test_subset_ids CSV in the official column layout of ``category``.

    Rows are (tag, sequence, pos) for single categories and (alt_tag, ref_tag, alt_sequence,
    ref_sequence, alt_pos, ref_pos) for pair categories; expression columns stay empty, as in the
    official files.
    """
    cat = CATEGORY_BY_NAME[category]
    extra_index = "Unnamed: 0" in cat.csv_columns
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(cat.csv_columns)
        for i, row in enumerate(rows):
            lead = [i, i] if extra_index else [i]
            tail = ["", ""] if cat.kind == "pair" else [""]
            writer.writerow(lead + list(row) + tail)


def write_public_json(path: str | Path, values: dict[str, object]) -> None:
    """Write one public_leaderboard_ids JSON ({index: value} or {"alt,ref": [alt, ref]})."""
    with open(path, "w") as fh:
        json.dump(values, fh)

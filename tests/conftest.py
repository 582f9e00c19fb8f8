"""Shared fixtures: the real challenge data beside the repository, and a small synthetic world."""

from __future__ import annotations

import os
import shutil
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PROMOTERBENCH_SHARED", REPO.parent / "shared")) / "dream2022"
RAW = SHARED / "raw" / "de-Boer-Lab__random-promoter-dream-challenge-2022" / "data"
CAMFORMERS_SUBMISSION = SHARED / "fixtures" / "camformers_public_leaderboard_submission.json"


def missing_shared(where: Path = SHARED, what: str = "real challenge data") -> None:
    """Skip a real-data test where ../shared (or its folder ``where``) is missing; fail it with
    PROMOTERBENCH_REQUIRE_SHARED=1 (as ``make test`` sets), so the suite cannot pass without it."""
    reason = f"{what} not found at {where} (set PROMOTERBENCH_SHARED to the folder holding dream2022 and other_datasets)"
    if os.environ.get("PROMOTERBENCH_REQUIRE_SHARED") == "1":
        pytest.fail(f"{reason}, and PROMOTERBENCH_REQUIRE_SHARED=1")
    pytest.skip(reason)


@pytest.fixture
def shared_data() -> Path:
    """The real challenge data (skips or fails where it is missing: :func:`missing_shared`)."""
    if not SHARED.is_dir():
        missing_shared()
    return SHARED


def needs_shared() -> pytest.MarkDecorator:
    return pytest.mark.usefixtures("shared_data")


@pytest.fixture(scope="session")
def real_truth_dir(tmp_path_factory) -> Path:
    """The Zenodo fixture with its tarballs extracted (read from ../shared, never modified)."""
    if not SHARED.is_dir():
        missing_shared()
    out = tmp_path_factory.mktemp("dream2022")
    for name in ("test_subset_ids.tar.gz", "public_leaderboard_ids.tar.gz"):
        with tarfile.open(SHARED / "zenodo" / name) as tar:
            tar.extractall(out, filter="data")
    shutil.copy(SHARED / "zenodo" / "filtered_test_data_with_MAUDE_expression.txt", out)
    return out


SMALL_SIZES = dict(
    random=200, high=30, low=30, native=25, challenging=30, snv_hubs=40, snv_per_hub=5,
    perturbation_backgrounds=2, tiling_backgrounds=1, tiling_stride=8, uncategorised=50,
    public_fraction=0.115, ga_generations=5,
)  # fmt: skip
SMALL_TRAIN_READS = 20_000


@pytest.fixture(scope="session")
def small_world(tmp_path_factory) -> Path:
    """A small synthetic world written once per test session."""
    from promoterbench.simulate import write_world
    from promoterbench.simulate.design import CategorySizes

    out = tmp_path_factory.mktemp("world")
    write_world(out, seed=11, train_reads=SMALL_TRAIN_READS, sizes=CategorySizes(**SMALL_SIZES))
    return out

"""Real-data tests skip where ../shared is missing, and fail with PROMOTERBENCH_REQUIRE_SHARED=1."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO

PROBE = """
from conftest import needs_shared

@needs_shared()
def test_real():
    pass
"""


def run(tmp_path, require: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_probe_shared.py").write_text(PROBE)
    path = os.pathsep.join([str(REPO / "tests"), os.environ.get("PYTHONPATH", "")])
    env = os.environ | {"PROMOTERBENCH_SHARED": str(tmp_path / "nowhere"), "PYTHONPATH": path,
                        "PROMOTERBENCH_REQUIRE_SHARED": require}  # fmt: skip
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "conftest",
           "--rootdir", str(tmp_path), str(tmp_path / "test_probe_shared.py")]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path)


def test_missing_shared_data_skips_by_default_and_fails_when_required(tmp_path):
    skipped = run(tmp_path, "0")
    assert skipped.returncode == 0 and "1 skipped" in skipped.stdout, skipped.stdout
    failed = run(tmp_path, "1")
    assert (
        failed.returncode == 1 and "PROMOTERBENCH_REQUIRE_SHARED=1" in failed.stdout
    ), failed.stdout

"""The watchdog the engine runs (SLURM, XLA) go through: a hang fails, a slow run does not."""

import sys

import pytest

import workflow_helpers
from workflow_helpers import run_watched

# With a stall time of 2 s: a progress line every 0.2 s, then the last one written in two pieces
# 1.2 s apart, then 1.4 s more before the end. Counted whole, the last line keeps the run alive
# (1.4 s without progress); missed, the run would stand 2.6 s without a finished job.
PROGRESSING = """
import sys, time
for i in range(10):
    print(f"{i + 1} of 11 steps ({9 * i}%) done", flush=True)
    time.sleep(0.2)
sys.stdout.write("11 of 11 st"); sys.stdout.flush(); time.sleep(1.2)
print("eps (100%) done", flush=True); time.sleep(1.4)
"""
STALLING = "import time; print('1 of 2 steps (50%) done', flush=True); time.sleep(30)"


@pytest.fixture
def short_stall(monkeypatch):
    monkeypatch.setattr(workflow_helpers, "STALL_S", 2.0)


def test_a_run_that_keeps_finishing_jobs_is_left_to_end(short_stall, tmp_path):
    log = tmp_path / "run.log"
    assert run_watched([sys.executable, "-c", PROGRESSING], tmp_path, log) == 0
    assert log.read_text().count("steps (") == 11


def test_a_run_with_no_job_finished_in_the_stall_time_is_killed_and_fails(short_stall, tmp_path):
    with pytest.raises(pytest.fail.Exception, match=r"no job finished in 2.0 s, after 1:"):
        run_watched([sys.executable, "-c", STALLING], tmp_path, tmp_path / "run.log")

"""Config and submission-name mistakes stop the workflow while it is parsed, before any job."""

from __future__ import annotations

import pytest

from workflow_helpers import copy_workflow, snakemake

pytestmark = pytest.mark.workflow
FIRST_JOB = "resources/synthetic/world.json"  # the simulate job


@pytest.mark.parametrize(
    "config, message",
    [
        ("teams: {camformers: {train: {lrr: 0.1}}}",
         "teams.camformers.train.lrr: unknown setting (valid keys here: batch_size, drop_last, lr,"),
        ("teams: {camformers: {train: 0.1}}", "teams.camformers.train must be a section"),
        ("teams: {camformers: {train: {lr: fast}}}",
         "teams.camformers.train.lr must be a number > 0, not 'fast'"),
        ("teams: {camformers: {recipe: {max_reads: -1}}}",
         "teams.camformers.recipe.max_reads must be an integer ≥ 1 or null, not -1"),
        ("ingest: {min_length: 300}",
         "ingest.min_length = 300 is above ingest.max_length = 250; min_length must be ≤ max_length"),
    ],
)  # fmt: skip
def test_a_bad_config_fails_before_any_job(tmp_path, config, message):
    copy_workflow(tmp_path)
    (tmp_path / "bad.yaml").write_text(config + "\n")
    # the first job of a run as the target: had the check let it through, it would show
    run = snakemake(tmp_path, FIRST_JOB, configs=("tiny.yaml", "bad.yaml"), check=False)
    assert run.returncode != 0
    assert message in run.stdout + run.stderr
    assert not (tmp_path / "resources").exists() and not (tmp_path / "results").exists()


def test_a_submission_name_with_a_space_is_named_at_parse_time(tmp_path):
    copy_workflow(tmp_path)
    (tmp_path / "submissions").mkdir()
    (tmp_path / "submissions" / "my team.json").write_text("{}")
    run = snakemake(tmp_path, "-n", "results/leaderboard.tsv", check=False)
    assert run.returncode != 0
    assert (
        "'submissions/my team.json': names may use letters, digits, '.', '_', '-'; rename the file"
        in run.stdout + run.stderr
    )
    assert "MissingInputException" not in run.stdout + run.stderr

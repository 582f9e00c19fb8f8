"""Config, plugin and submission-name mistakes stop the workflow while it is parsed, before any
job."""

from __future__ import annotations

from pathlib import Path

import pytest

from promoterbench.teams import scaffold
from workflow_helpers import copy_workflow, snakemake

pytestmark = pytest.mark.workflow
FIRST_JOB = "resources/synthetic/world.json"  # the simulate job


@pytest.mark.parametrize(
    "config, message",
    [
        ("teams: {camformers: {train: {lrr: 0.1}}}",
         "teams.camformers.train.lrr: unknown setting (valid keys here: batch_size, compile, drop_last,"),
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


@pytest.mark.parametrize(
    "source, target, message",
    [
        (None, "models/none.py:Mine",
         "teams.mine.class: models/none.py: no such file (relative to the working directory /"),
        (None, "nolab.models:Mine",
         "teams.mine.class: no module named 'nolab.models' on the Python path or in the "
         "working directory /"),
        ("import math\n\n\nx = math.pi + undefined_name\n", "models/mine.py:Mine",
         "teams.mine.class: importing models/mine.py failed at models/mine.py, line 4: "
         "NameError: name 'undefined_name' is not defined"),
        ("class Mine:\n    pass\n", "models/mine.py:Mine",
         "teams.mine.class: Mine in models/mine.py is a class, not a subclass of "
         "promoterbench.teams.base.Team"),
        (('"cpu": CPU', '"small": CPU'), "models/mine.py:Mine",
         "teams.mine: no preset for scale 'cpu' (presets: paper, small) (Mine in models/mine.py)"),
        (('"kernel": 9,', '"kernel": 9, "hidden": 4,'), "models/mine.py:Mine",
         "teams.mine.model.hidden: no range for a setting called 'hidden'; add one to the team's "
         "`ranges` (e.g. settings.COUNT) or to settings.RANGES (Mine in models/mine.py)"),
        (None, "models/mine.py:Camformers",
         "team 'camformers' has two sources: the built-in team "
         "(promoterbench.teams.camformers:Camformers) and teams.camformers.class "
         "(models/mine.py:Camformers); give the plugin another name"),
    ],
)  # fmt: skip
def test_a_plugin_that_cannot_be_used_fails_the_dry_run(tmp_path, source, target, message):
    """``source``: the model file's text, or (old, new) changed in the scaffold's (None: none)."""
    copy_workflow(tmp_path)
    if isinstance(source, tuple):
        text = scaffold.render("mine", Path("models/mine.py"))
        assert source[0] in text
        source = text.replace(source[0], source[1])
    if source is not None:
        (tmp_path / "models").mkdir()
        (tmp_path / "models" / "mine.py").write_text(source)
    name = "camformers" if target.endswith("Camformers") else "mine"
    (tmp_path / "bad.yaml").write_text(f"teams: {{{name}: {{class: {target}}}}}\n")
    run = snakemake(tmp_path, "-n", "results/leaderboard.tsv", configs=("tiny.yaml", "bad.yaml"),
                    check=False)  # fmt: skip
    assert run.returncode != 0
    assert message in run.stdout + run.stderr

"""Settings given on the command line: `snakemake --config key={nested: mapping}`."""

from __future__ import annotations

import jsonschema
import pytest
import yaml
from snakemake.cli import parse_config

from conftest import REPO
from promoterbench import config_files
from promoterbench.teams import check_config
from workflow_helpers import copy_workflow, snakemake

SCHEMA = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
NESTED = (
    "budget={train_flops: 6.0e+12}",
    "tune={factors: [0.5, 2], replicates: 3}",
    "dream2022={local_dir: null}",
    "teams={camformers: {train: {lr: 3e-3, max_steps: 5}}, autosome: null}",
)


def test_snakemake_hands_nested_values_over_as_text():
    """Why the workflow reads them: without it the schema refuses the documented command."""
    config = parse_config(["budget={train_flops: 6.0e+12}"])
    assert config["budget"] == {"train_flops": "6.0e+12"}
    with pytest.raises(jsonschema.ValidationError, match="'6.0e\\+12' is not of type"):
        jsonschema.validate(config, SCHEMA)


def test_nested_values_get_the_schemas_types():
    config = parse_config(list(NESTED))
    config_files.read_text_values(config, SCHEMA)
    jsonschema.validate(config, SCHEMA)
    assert config["budget"]["train_flops"] == 6.0e12
    assert config["tune"] == {"factors": [0.5, 2.0], "replicates": 3}
    assert config["dream2022"]["local_dir"] is None
    assert isinstance(config["tune"]["replicates"], int)
    check_config(config["teams"], "cpu")  # the team settings read theirs alike
    assert get_lr_and_steps(config["teams"]["camformers"]) == (0.003, 5)


def get_lr_and_steps(entry: dict) -> tuple[float, int]:
    from promoterbench.teams import get_team

    train = get_team("camformers").settings("cpu", entry)["train"]
    return train["lr"], train["max_steps"]


@pytest.mark.workflow
@pytest.mark.parametrize(
    "entry, message",
    [
        ("budget={train_flops: lots}", "config budget.train_flops: 'lots' is not of type"),
        ("tune={replicates: 2.5}", "config tune.replicates: '2.5' is not of type 'integer'"),
        ("teams={camformers: {train: {max_steps: five}}}",
         "teams.camformers.train.max_steps must be an integer ≥ 1 or null, not 'five'"),
    ],
)  # fmt: skip
def test_text_that_is_not_the_type_asked_for_is_still_refused(tmp_path, entry, message):
    out = snakemake(copy_workflow(tmp_path), "-n", "results/leaderboard.tsv", "--config", entry,
                    configs=("config.yaml",), check=False)  # fmt: skip
    assert out.returncode != 0
    assert message in out.stdout + out.stderr


@pytest.mark.workflow
def test_the_documented_command_line_plans_the_run(tmp_path):
    out = snakemake(copy_workflow(tmp_path), "-n", "results/leaderboard.tsv", "--config", *NESTED,
                    configs=("config.yaml",))  # fmt: skip
    assert "rule train:" in out.stdout

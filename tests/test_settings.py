"""Team settings: overrides are checked by key, type and range, with the full key path."""

from __future__ import annotations

import subprocess
import sys

import pytest

from promoterbench import settings
from promoterbench.settings import SettingsError
from promoterbench.teams import REGISTRY, check_config, get_team
from promoterbench.teams.kmer_ridge import PRESET, KmerRidge


@pytest.mark.parametrize("name", sorted(REGISTRY))
@pytest.mark.parametrize("scale", settings.SCALES)
def test_every_preset_passes_its_own_check(name, scale):
    team = get_team(name)
    preset = settings.with_defaults(team.presets[scale], team.defaults)
    assert team.settings(scale) == preset


@pytest.mark.parametrize(
    "team, override, message",
    [
        ("camformers", {"train": {"lrr": 0.1}},
         "teams.camformers.train.lrr: unknown setting (valid keys here: batch_size, compile, drop_last,"),
        ("camformers", {"train": 0.1},
         "teams.camformers.train must be a section (a mapping of batch_size, compile, drop_last,"),
        ("camformers", {"train": None}, "teams.camformers.train must be a section"),
        ("camformers", {"train": {"lr": "fast"}},
         "teams.camformers.train.lr must be a number > 0, not 'fast'"),
        ("camformers", {"train": {"lr": 0}}, "teams.camformers.train.lr must be a number > 0"),
        ("camformers", {"recipe": {"max_reads": -1}},
         "teams.camformers.recipe.max_reads must be an integer ≥ 1 or null, not -1"),
        ("camformers", {"train": {"batch_size": 25.5}},
         "teams.camformers.train.batch_size must be an integer ≥ 1, not 25.5"),
        ("camformers", {"train": {"max_steps": 0}},
         "teams.camformers.train.max_steps must be an integer ≥ 1 or null, not 0"),
        ("camformers", {"train": {"lr": None}}, "teams.camformers.train.lr must be a number > 0, not None"),
        ("camformers", {"train": {"patience": 0}},
         "teams.camformers.train.patience must be an integer ≥ 1 or null, not 0"),
        ("camformers", {"recipe": {"val_fraction": 1.0}},
         "teams.camformers.recipe.val_fraction must be a number in [0, 1), not 1.0"),
        ("camformers", {"recipe": {"pad": "middle"}},
         "teams.camformers.recipe.pad must be one of left, right, not 'middle'"),
        ("camformers", {"train": {"monitor": "r3"}},
         "teams.camformers.train.monitor must be one of r, r+rho, r2, r2_score, val_loss, none"),
        ("camformers", {"train": {"drop_last": 1}},
         "teams.camformers.train.drop_last must be true or false, not 1"),
        ("camformers", {"model": {"dense": 64}},
         "teams.camformers.model.dense must be a list like [256, 256], not 64"),
        ("camformers", {"model": {"dense": [64, "wide"]}},
         "teams.camformers.model.dense[1] must be an integer ≥ 1, not 'wide'"),
        ("noisy_chardonnay", {"model": {"conv": [[64, 30], [64, 0]]}},
         "teams.noisy_chardonnay.model.conv[1][1] must be an integer ≥ 1, not 0"),
        ("madlab", {"faithful_to": "paper"},
         "teams.madlab.faithful_to must be one of code, report, not 'paper'"),
        ("madlab", {"recipe": {"singleton_keep": 1.5}},
         "teams.madlab.recipe.singleton_keep must be a number in [0, 1], not 1.5"),
        ("wan_barton", {"recipe": {"min_length": 120}},
         "teams.wan_barton.recipe.min_length = 120 is above teams.wan_barton.recipe.max_length"
         " = 111; min_length must be ≤ max_length"),
        ("autosome", {"train": {"max_lr": float("inf")}},
         "teams.autosome.train.max_lr must be a number > 0, not inf"),
        ("kmer_ridge", {"model": {"alphas": [1.0, -1.0]}},
         "teams.kmer_ridge.model.alphas[1] must be a number > 0, not -1.0"),
        ("kmer_ridge", {"recipe": {"max_reads": 1.5}},
         "teams.kmer_ridge.recipe.max_reads must be an integer ≥ 1 or null, not 1.5"),
    ],
)  # fmt: skip
def test_bad_overrides_name_the_key_and_what_is_valid(team, override, message):
    with pytest.raises(SettingsError) as err:
        get_team(team).settings("cpu", override)
    assert message in str(err.value)


@pytest.mark.parametrize(
    "team, scale, section, key, value, resolved",
    [
        ("camformers", "cpu", "train", "lr", "1e-3", 0.001),  # YAML reads 1e-3 (no dot) as text
        ("camformers", "cpu", "train", "max_steps", 10, 10),  # null in every preset: a count
        ("camformers", "cpu", "recipe", "max_reads", None, None),  # a limit: null is no limit
        ("camformers", "cpu", "train", "patience", None, None),
        ("autosome", "cpu", "train", "steps_per_epoch", None, None),  # one pass per epoch
        ("madlab", "cpu", "train", "steps_per_epoch", 100, 100),  # null at cpu, a count at paper
        ("madlab", "paper", "train", "steps_per_epoch", None, None),
        ("wan_barton", "cpu", "train", "patience", 3, 3),
        ("autosome", "cpu", "train", "div_factor", 10, 10),  # an integer for a decimal setting
        ("kmer_ridge", "cpu", "model", "k", 4, 4),
    ],
)
def test_valid_overrides_keep_working(team, scale, section, key, value, resolved):
    assert get_team(team).settings(scale, {section: {key: value}})[section][key] == resolved


def test_every_text_setting_has_its_choices_and_every_limit_is_a_count():
    def leaves(values):
        for key, value in values.items():
            if isinstance(value, dict):
                yield from leaves(value)
            else:
                yield key, value

    for name in REGISTRY:
        team = get_team(name)
        for preset in team.presets.values():
            for key, value in leaves(settings.with_defaults(preset, team.defaults)):
                if isinstance(value, str):
                    assert value in settings.CHOICES[key], (name, key)
    assert all(settings.RANGES[name] is settings.COUNT for name in settings.LIMITS)


def test_a_new_setting_name_needs_a_range():
    class Wide(KmerRidge):
        name = "wide"
        presets = {"cpu": {**PRESET, "model": {**PRESET["model"], "width": 3}}}

    with pytest.raises(SettingsError) as err:
        Wide().settings("cpu")
    assert str(err.value) == (
        "teams.wide.model.width: no range for a setting called 'width'; add one to the team's "
        "`ranges` (e.g. settings.COUNT) or to settings.RANGES"
    )
    Wide.ranges = {"width": settings.COUNT}
    assert Wide().settings("cpu", {"model": {"width": 5}})["model"]["width"] == 5
    with pytest.raises(SettingsError, match="teams.wide.model.width must be an integer ≥ 1, not 0"):
        Wide().settings("cpu", {"model": {"width": 0}})


def test_config_with_an_unknown_team_or_setting_fails():
    with pytest.raises(SettingsError, match="config teams: unknown team.s. transformer; known: "):
        check_config({"camformers": {}, "transformer": {}}, "cpu")
    with pytest.raises(SettingsError, match=r"teams.autosome.train.max_lr must be a number > 0"):
        check_config({"camformers": None, "autosome": {"train": {"max_lr": -1}}}, "paper")
    check_config({"camformers": None, "autosome": {"train": {"max_lr": 0.01}}}, "paper")


def test_ingest_lengths_must_be_ordered():
    with pytest.raises(SettingsError) as err:
        settings.check_order({"min_length": 300, "max_length": 250}, "ingest")
    assert str(err.value) == (
        "ingest.min_length = 300 is above ingest.max_length = 250; min_length must be ≤ max_length"
    )
    settings.check_order({"min_length": 250, "max_length": 250}, "ingest")


def test_teams_without_overrides_are_not_imported_at_parse_time():
    """Their presets pass the check (above); importing them would add torch to every parse."""
    code = (
        "import sys; from promoterbench.teams import check_config; "
        "check_config({'camformers': {}, 'autosome': None}, 'cpu'); "
        "assert 'torch' not in sys.modules and 'promoterbench.teams.camformers' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

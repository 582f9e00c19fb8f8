"""A user's own team: a file or module named in the config, or an installed package's entry point;
the zoo that joins them to the built-in teams; and the scaffold that writes one."""

from __future__ import annotations

import inspect
import subprocess
import sys

import numpy as np
import pytest
import yaml

from plugin_helpers import FILE_TEAM, model_file
from promoterbench import cli, flops, memory, tuning
from promoterbench.teams import REGISTRY, check_config, get_team, scaffold, source_file, zoo
from promoterbench.teams.base import FitContext, Team
from promoterbench.teams.plugins import PluginError
from promoterbench.teams.torch_team import TorchTeam
from test_teams import random_reads

TORCH_TEAMS = [name for name in REGISTRY if name != "kmer_ridge"]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A working directory holding the scaffold's models/my_cnn.py (imported as my_cnn, when
    models/ is on sys.path, and forgotten afterwards)."""
    monkeypatch.chdir(tmp_path)
    model_file(tmp_path / "models")
    yield tmp_path
    sys.modules.pop(FILE_TEAM, None)


def installed(site, package, version, **teams):
    """A distribution in ``site`` (put on sys.path) declaring ``teams`` as entry points."""
    info = site / f"{package}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n")
    points = "".join(f"{name} = {target}\n" for name, target in teams.items())
    (info / "entry_points.txt").write_text(f"[promoterbench.teams]\n{points}")


def test_the_scaffold_trains_as_written_and_comes_in_as_a_user_team(workdir):
    target = "models/my_cnn.py:MyCnn"
    team = get_team(FILE_TEAM, target)
    assert isinstance(team, TorchTeam) and team.name == FILE_TEAM and team.kind == "user"
    assert set(team.presets) == {"paper", "cpu"}
    settings = team.settings("cpu", {"train": {"max_epochs": 1}})
    fitted = team.fit(random_reads(300, 1), random_reads(60, 2), settings, FitContext())
    assert np.isfinite(fitted.history["val_pearson_r"]).all()
    sequences = random_reads(60, 2).sequence
    assert team.predict(fitted.state, sequences, settings, FitContext()).shape == (60,)
    assert source_file(FILE_TEAM, target) == "models/my_cnn.py"
    assert team.n_params(settings) < team.n_params(team.settings("paper"))


def test_the_scaffolds_team_gets_the_budget_tuning_and_a_memory_estimate(workdir):
    team = get_team(FILE_TEAM, "models/my_cnn.py:MyCnn")
    budget = 1e10
    settings, per_step = flops.budgeted_settings(team, "cpu", {}, budget)
    assert per_step > 0 and settings["train"]["max_steps"] == round(budget / per_step)
    assert tuning.lr_key(settings) == "lr"
    needs = team.memory_needs(settings, 20_000)
    assert needs["model_mb"] > 0 and needs["batch_activations_mb"] > 0
    assert memory.train_mem_mb(needs, "cpu") > memory.BASE_MB


def test_a_module_named_in_the_config_is_a_plugin_too(workdir, monkeypatch):
    monkeypatch.syspath_prepend(str(workdir / "models"))
    team = get_team("mine", "my_cnn:MyCnn")
    assert team.name == "mine" and team.kind == "user"
    assert source_file("mine", "my_cnn:MyCnn") == str(workdir / "models" / "my_cnn.py")
    assert zoo({"mine": {"class": "my_cnn:MyCnn"}})["mine"].origin == "module my_cnn"


def test_a_job_finds_a_module_of_the_working_directory_as_the_parse_did(workdir, tmp_path_factory):
    # a job runs its script from the workflow's folder: the working directory is not on its path
    script = tmp_path_factory.mktemp("scripts") / "job.py"
    script.write_text(
        "from promoterbench.teams import get_team, source_file\n"
        "print(source_file('mine', 'models.my_cnn:MyCnn'))\n"
        "print(get_team('mine', 'models.my_cnn:MyCnn').kind)\n"
    )
    job = subprocess.run([sys.executable, str(script)], cwd=workdir, capture_output=True, text=True)
    assert job.returncode == 0, job.stderr
    assert job.stdout.split() == [str(workdir / "models" / "my_cnn.py"), "user"]


def test_an_entry_point_adds_a_team_with_its_package_and_version(workdir, monkeypatch):
    installed(workdir / "site", "labteams", "0.3.0", lab_cnn="my_cnn:MyCnn")
    monkeypatch.syspath_prepend(str(workdir / "site"))
    monkeypatch.syspath_prepend(str(workdir / "models"))
    source = zoo()["lab_cnn"]
    assert source.origin == "package labteams 0.3.0" and source.target == "my_cnn:MyCnn"
    team = get_team("lab_cnn")
    assert team.name == "lab_cnn" and team.kind == "user"
    assert source_file("lab_cnn") == str(workdir / "models" / "my_cnn.py")
    check_config({"lab_cnn": {}}, "cpu")


@pytest.mark.parametrize(
    "site, entries, message",
    [
        ({"labteams": {"camformers": "my_cnn:MyCnn"}}, None,
         "team 'camformers' has two sources: the built-in team "
         "(promoterbench.teams.camformers:Camformers) and entry point camformers of package "
         "labteams 0.3.0 (my_cnn:MyCnn)"),
        ({"labteams": {"lab_cnn": "my_cnn:MyCnn"}, "otherlab": {"lab_cnn": "x.y:Z"}}, None,
         "team 'lab_cnn' has two sources: entry point lab_cnn of package"),
        ({}, {"camformers": {"class": "models/my_cnn.py:MyCnn"}},
         "team 'camformers' has two sources: the built-in team "
         "(promoterbench.teams.camformers:Camformers) and teams.camformers.class "
         "(models/my_cnn.py:MyCnn)"),
        ({"labteams": {"lab_cnn": "my_cnn:MyCnn"}}, {"lab_cnn": {"class": "models/my_cnn.py:MyCnn"}},
         "team 'lab_cnn' has two sources: entry point lab_cnn of package labteams 0.3.0 "
         "(my_cnn:MyCnn) and teams.lab_cnn.class (models/my_cnn.py:MyCnn)"),
    ],
)  # fmt: skip
def test_a_name_with_two_sources_is_an_error_naming_both(workdir, monkeypatch, site, entries,
                                                         message):  # fmt: skip
    for package, teams in site.items():
        installed(workdir / "site", package, "0.3.0", **teams)
    monkeypatch.syspath_prepend(str(workdir / "site"))
    with pytest.raises(PluginError) as err:
        check_config(entries or {"kmer_ridge": {}}, "cpu")
    assert message in str(err.value)
    if len(site) == 2:  # the second package, whichever entry_points() lists first
        assert "otherlab 0.3.0 (x.y:Z)" in str(err.value)


def test_an_abstract_class_is_an_error_naming_what_it_lacks(workdir):
    (workdir / "abstract.py").write_text(
        "from promoterbench.teams.torch_team import TorchTeam\n\n\n"
        "class Half(TorchTeam):\n    architecture = source = 'x'\n    presets = {'cpu': {}}\n"
    )
    with pytest.raises(PluginError, match="teams.half.class .*build_model"):
        check_config({"half": {"class": "abstract.py:Half"}}, "cpu")


# -- the scaffold ----------------------------------------------------------------------------


@pytest.mark.parametrize("like", TORCH_TEAMS)
def test_a_team_like_a_built_in_one_starts_from_its_recipe(tmp_path, monkeypatch, like):
    monkeypatch.chdir(tmp_path)
    path, line = scaffold.write("mine", tmp_path / "models", like)
    target = yaml.safe_load(line)["mine"]["class"]
    mine, original = get_team("mine", target), get_team(like)
    assert type(mine).__mro__[1] is type(original)
    for scale in ("paper", "cpu"):
        assert mine.settings(scale) == original.settings(scale)
    cpu = original.settings("cpu")
    assert mine.n_params(cpu) == original.n_params(cpu)
    own = [hook for hook, _, _ in scaffold.HOOKS if scaffold.overrides(type(original), hook)]
    assert own and all(f"    #   {hook}(" in path.read_text() for hook in own)


def test_the_scaffold_is_formatted_as_the_repository_is(tmp_path):
    paths = [scaffold.write("mine", tmp_path)[0], scaffold.write("mine2", tmp_path, "autosome")[0]]
    black = subprocess.run([sys.executable, "-m", "black", "--check", "-l", "100", *map(str, paths)],
                           capture_output=True, text=True)  # fmt: skip
    assert black.returncode == 0, black.stderr
    for path in paths:
        assert max(len(line) for line in path.read_text().splitlines()) <= 100


def test_the_scaffold_lists_every_hook_a_built_in_team_overrides():
    listed = {hook for hook, _, _ in scaffold.HOOKS}
    assert all(callable(getattr(TorchTeam, hook)) for hook in listed)
    overridden = {
        name
        for team in TORCH_TEAMS
        for cls in type(get_team(team)).__mro__
        if cls not in (TorchTeam, Team, object) and not issubclass(TorchTeam, cls)
        for name, member in vars(cls).items()
        if inspect.isfunction(member) and hasattr(TorchTeam, name) and not name.startswith("_")
    }
    assert overridden - {"build_model"} <= listed


@pytest.mark.parametrize(
    "name, like, message",
    [
        ("camformers", None, "'camformers' is already a team of the zoo"),
        ("ensemble", None, "'ensemble' is already a team of the zoo"),
        ("my-cnn", None, "must be a Python identifier"),
        ("mine", "kmer_ridge", "--like kmer_ridge: not a torch model"),
        ("mine", "nobody", "--like nobody: unknown team 'nobody'"),
        (FILE_TEAM, None, "models/my_cnn.py exists"),
    ],
)
def test_the_scaffold_refuses_a_name_or_team_it_cannot_use(workdir, name, like, message):
    with pytest.raises(scaffold.ScaffoldError, match=message):
        scaffold.write(name, workdir / "models", like)


def test_new_team_writes_the_file_and_prints_the_config_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["new-team", "my_rnn", "--dir", "lab"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1] == "  my_rnn: {class: lab/my_rnn.py:MyRnn}"
    assert yaml.safe_load(out.splitlines()[1]) == {"my_rnn": {"class": "lab/my_rnn.py:MyRnn"}}
    assert (tmp_path / "lab" / "my_rnn.py").is_file()
    assert cli.main(["new-team", "my_rnn", "--dir", "lab"]) == 2  # it exists: an error
    assert "lab/my_rnn.py exists" in capsys.readouterr().err


def test_teams_lists_the_configs_plugins_with_where_they_come_from(workdir, capsys):
    (workdir / "config.yaml").write_text(
        "teams: {camformers: {}, my_cnn: {class: models/my_cnn.py:MyCnn}}\n"
    )
    assert cli.main(["teams", "--scale", "cpu"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    table = {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert table[FILE_TEAM]["origin"] == "file models/my_cnn.py"
    assert table[FILE_TEAM]["kind"] == "user" and int(table[FILE_TEAM]["n_params"]) > 0
    assert table["camformers"]["origin"] == "built-in"

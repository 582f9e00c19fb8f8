"""The documentation's "Adding a model" example works as written."""

from __future__ import annotations

import re
import shlex

import numpy as np

from conftest import REPO
from promoterbench import cli
from promoterbench.teams import get_team
from promoterbench.teams.base import FitContext
from test_teams import random_reads

def test_adding_a_model_example_is_what_new_team_writes_and_it_trains(tmp_path, monkeypatch,
                                                                       capsys):  # fmt: skip
    section = (REPO / "docs" / "adding-a-model.md").read_text()
    command, printed = re.search(r"```console\n\$ (.*?)\n(.*?)```", section, re.S).groups()
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    assert cli.main(shlex.split(command)[1:]) == 0
    assert capsys.readouterr().out == printed
    assert (tmp_path / "models" / "my_cnn.py").read_text() == code
    target = printed.split("class: ")[1].rstrip("}\n")
    team = get_team("my_cnn", target)
    settings = team.settings("cpu", {"train": {"max_epochs": 1}})
    train, val = random_reads(300, 1), random_reads(60, 2)
    fitted = team.fit(train, val, settings, FitContext())
    assert np.isfinite(fitted.history["val_pearson_r"]).all()
    assert team.predict(fitted.state, val.sequence, settings, FitContext()).shape == (60,)

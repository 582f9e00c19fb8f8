"""The README's "Adding a model" example works as written."""

from __future__ import annotations

import re
import sys
import types

import numpy as np

from conftest import REPO
from promoterbench.teams.base import FitContext
from test_teams import random_reads


def test_adding_a_model_example_trains_and_predicts():
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("### Adding a model") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    module = types.ModuleType("promoterbench.teams.my_cnn")
    sys.modules[module.__name__] = module
    try:
        exec(compile(code, "README.md", "exec"), module.__dict__)
        team = module.MyCnn()
        settings = team.settings("cpu", {"train": {"max_epochs": 1}})
        train, val = random_reads(300, 1), random_reads(60, 2)
        fitted = team.fit(train, val, settings, FitContext())
        assert np.isfinite(fitted.history["val_pearson_r"]).all()
        assert team.predict(fitted.state, val.sequence, settings, FitContext()).shape == (60,)
    finally:
        del sys.modules[module.__name__]

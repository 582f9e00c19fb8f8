"""``promoterbench new-team``: a small model file that trains as written, for a user's own team.

The file defines a :class:`~promoterbench.teams.torch_team.TorchTeam` subclass (or, ``--like
TEAM``, a subclass of that team with its presets copied), presets for both scales, the hooks a
recipe may override listed in comments, and a ``build_model``. One config line adds it.
"""

from __future__ import annotations

import json
import keyword
from pathlib import Path
from typing import Any

from promoterbench.settings import merge
from promoterbench.teams import find, zoo
from promoterbench.teams.plugins import CLASS_KEY
from promoterbench.teams.torch_team import TorchTeam

# what a recipe may override on TorchTeam: name, arguments, what it gives [its default]
HOOKS = (
    ("select", "meta, settings, rng", 'one reason per read, "" keeps it [all, ≤ recipe.max_reads]'),
    ("split", "n, settings, rng", '"train" or "val" per kept read [random, recipe.val_fraction]'),
    ("encode_sequences", "sequences, settings", "uint8 codes [recipe.input_length, pad, keep]"),
    ("input_width", "settings", "the length encoding gives, for predict's crop [recipe.input_length]"),
    ("encode", "reads, settings", "codes, targets and extras of training reads"),
    ("encode_test", "sequences, settings", "codes and extras of test sequences"),
    ("inputs", "data, idx, device, settings", "a batch's input [one-hot ACGT, N = 0]"),
    ("fit_target", "train, val, settings", "target transform [none; StandardisedTarget]"),
    ("targets", "data, idx, params, device", "a batch's targets [raw labels]"),
    ("prediction", "output, params", "output -> expression [the transform's inverse]"),
    ("loss", "output, target, settings", "the training loss [MSE]"),
    ("regularization", "model, settings", "an extra penalty [none]"),
    ("optimizer", "model, settings", "[Adam, train.lr]"),
    ("clip_gradients", "model, settings", "[to train.clip_grad_norm, when set]"),
    ("scheduler", "optimizer, settings, steps_per_epoch", "(scheduler, when) [none]"),
    ("batches", "data, settings, rng, stream", "an epoch's batches [shuffled, train.batch_size]"),
    ("eval_batches", "data, size", "validation and test batches [in order]"),
    ("predict_encoded", "trainer, model, data, params", "test-time procedure [one forward pass]"),
    ("count_params", "model", "parameters as you report them [PyTorch's count]"),
    ("activation_bytes", "model, x", "a batch's activation memory, for mem_mb [measured]"),
)

# the presets of a new model without --like: a small CNN (cpu: minutes on one core)
PAPER = {
    "seed": 1,
    "recipe": {"input_length": 110, "pad": "right", "keep": "left", "val_fraction": 0.1,
               "max_reads": None},
    "model": {"channels": 256, "kernel": 9, "dropout": 0.1},
    "train": {"lr": 1e-3, "batch_size": 256, "max_epochs": 20, "monitor": "r+rho",
              "patience": 3},
}  # fmt: skip
CPU = merge(
    PAPER, {"recipe": {"max_reads": 20_000}, "model": {"channels": 32},
            "train": {"max_epochs": 3, "patience": 1}}
)  # fmt: skip
RESERVED = ("ensemble", "oracle")  # leaderboard entries of the workflow

TEMPLATE = '''"""{name} — {what}.

Written by `{command}`; edit it freely.
One line under `teams:` in config.yaml adds it to the workflow:

    {config_line}

Settings are checked like the built-in teams': a number whose name promoterbench.settings.RANGES
does not know needs a range in `ranges` (e.g. {{"hidden": settings.COUNT}}).
"""

from torch import nn

from promoterbench.settings import merge
from {base_module} import {base}

PAPER = {paper}
# scale: cpu, what the default run trains: {cpu_note}
CPU = {cpu}


class {cls}({base}):
    name = "{name}"
    architecture = {architecture}
    source = "edit me: who made it, and a paper or repository"
    presets = {{"paper": PAPER, "cpu": CPU}}
    # ranges = {{"hidden": settings.COUNT}}  # with: from promoterbench import settings

    # Hooks a recipe may override, [default] (see promoterbench.teams.torch_team):{hooks_note}
{hooks}

    def build_model(self, settings: dict) -> nn.Module:
{build_model}
'''

CNN = """        c, k = settings["model"]["channels"], settings["model"]["kernel"]
        return nn.Sequential(
            nn.Conv1d(4, c, k, padding=k // 2),
            nn.ReLU(),
            nn.Dropout(settings["model"]["dropout"]),
            nn.Conv1d(c, c, k, padding=k // 2),
            nn.ReLU(),
            nn.AdaptiveAvgPool1d(1),
            nn.Flatten(),
            nn.Linear(c, 1),
        )"""


class ScaffoldError(ValueError):
    """A name or a --like team the scaffold cannot use, or a file that exists."""


def class_name(name: str) -> str:
    """``my_cnn`` -> ``MyCnn``."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def config_line(name: str, path: Path) -> str:
    """The line under ``teams:`` that adds the model in ``path`` to the workflow."""
    return f"{name}: {{{CLASS_KEY}: {path.as_posix()}:{class_name(name)}}}"


def literal(value: Any, indent: int = 0, prefix: int = 0) -> str:
    """``value`` (the plain data of a preset) as Python source laid out as black lays it out:
    a dict one key a line where it does not fit in 100 columns after ``indent`` spaces and
    ``prefix`` more characters (and a comma)."""
    if isinstance(value, dict):
        line = "{" + ", ".join(f'"{key}": {literal(v)}' for key, v in value.items()) + "}"
        if indent + prefix + len(line) + 1 <= 100:
            return line
        pad = " " * (indent + 4)
        items = [
            f'{pad}"{key}": {literal(v, indent + 4, len(key) + 4)},' for key, v in value.items()
        ]
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def merged(base: str, changes: dict, prefix: int) -> str:
    """``merge(base, changes)`` as black lays it out after ``prefix`` characters."""
    line = f"merge({base}, {literal(changes)})"
    if prefix + len(line) <= 100:
        return line
    return f"merge(\n    {base},\n    {literal(changes, 4)},\n)"


def render(name: str, path: Path, like: str | None = None) -> str:
    """The model file of team ``name`` written to ``path`` (``like``: start from that team)."""
    command = f"promoterbench new-team {name}" + (f" --like {like}" if like else "")
    if like is None:
        base, presets, build, note = TorchTeam, {"paper": PAPER, "cpu": CPU}, CNN, ""
        cpu_note = "the same model, narrower, on fewer reads for fewer epochs"
        what, architecture = "a two-layer CNN on one-hot reads", '"two-layer CNN"'
    else:
        try:
            base = type(find(like).team())
        except KeyError as err:
            raise ScaffoldError(f"--like {like}: {err.args[0]}") from None
        if not issubclass(base, TorchTeam):
            raise ScaffoldError(f"--like {like}: not a torch model (a TorchTeam); take another")
        if not {"paper", "cpu"} <= set(base.presets):
            raise ScaffoldError(f"--like {like}: it has no presets for both scales")
        presets, build = base.presets, "        return super().build_model(settings)"
        cpu_note = f"as {like} has it"
        what = f"{like}'s model and recipe, to change"
        architecture = f"{base.__name__}.architecture  # edit: what yours is"
        note = f"\n    # (*: {like} has its own, which this class inherits)"
    hooks = "\n".join(
        f"    #   {hook}({args}){' *' if like and overrides(base, hook) else ''}  {text}"
        for hook, args, text in HOOKS
    )
    return TEMPLATE.format(
        name=name, what=what, command=command, config_line=config_line(name, path),
        base_module=base.__module__, base=base.__name__,
        paper=literal(presets["paper"], 0, len("PAPER = ")),
        cpu=merged("PAPER", changes(presets["paper"], presets["cpu"]), len("CPU = ")),
        cpu_note=cpu_note, cls=class_name(name),
        architecture=architecture, hooks=hooks, hooks_note=note, build_model=build,
    )  # fmt: skip


def changes(base: dict, other: dict) -> dict:
    """What ``other`` changes in ``base``: ``settings.merge(base, changes(base, other))`` is
    ``other`` where both have the same keys (as every team's presets of both scales do)."""
    out = {}
    for key, value in other.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            inner = changes(base[key], value)
            if inner:
                out[key] = inner
        elif key not in base or base[key] != value:
            out[key] = value
    return out


def overrides(cls: type, hook: str) -> bool:
    """Whether ``cls`` has its own ``hook`` rather than TorchTeam's (or Team's)."""
    return getattr(cls, hook) is not getattr(TorchTeam, hook)


def write(name: str, directory: Path, like: str | None = None) -> tuple[Path, str]:
    """Write ``directory/<name>.py``; return it and the config line that adds it."""
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ScaffoldError(f"{name!r}: a team's name here must be a Python identifier (my_cnn)")
    if name in set(zoo()) | set(RESERVED):
        raise ScaffoldError(f"{name!r} is already a team of the zoo (promoterbench teams)")
    path = directory / f"{name}.py"
    if path.exists():
        raise ScaffoldError(f"{path} exists; choose another name or --dir")
    text = render(name, path, like)
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path, config_line(name, path)

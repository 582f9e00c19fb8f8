"""The documentation's reference pages, written when the site is built so that they cannot drift
from the code: every configuration key from the config schema, every model from the registry."""

from __future__ import annotations

import json
from typing import Iterator

from promoterbench.settings import SCALES
from promoterbench.teams import REGISTRY, catalogue
from promoterbench.teams.plugins import Source

CONFIG_INTRO = """# Configuration reference

Every key of `config.yaml`, from `workflow/schemas/config.schema.yaml` (this page is generated
from it when the site is built). A key left out of a config takes its default. Set one in a config
file (`snakemake --configfile my.yaml`, later files override earlier ones) or on the command line
(`--config split=public` or, nested, `--config 'budget={train_flops: 6.0e+12}'`). How a team's
entry under `teams:` overrides its preset is in [Configuration](../configuration.md).

| key | type | default | meaning |
|---|---|---|---|
"""

ZOO_INTRO = """# The model zoo

Every built-in model, from the team registry (this page is generated from it when the site is
built; `promoterbench teams --scale cpu|paper` prints the same, with the models of installed
packages and of your config). Parameters are counted on the model as each scale's preset builds
it; `faithful_to` lists the choices of a team whose code and report disagree, the default first.
Each team's recipe is in [The models](../models.md).

| model | kind | architecture | parameters (`scale: cpu`) | parameters (`scale: paper`) | `faithful_to` | source |
|---|---|---|---|---|---|---|
"""


def config_page(schema: dict) -> str:
    """The configuration reference: one row per key of ``schema``, nested keys dotted."""
    return CONFIG_INTRO + "".join(
        f"| `{key}` | {kind} | {default} | {meaning} |\n"
        for key, kind, default, meaning in _keys(schema, "")
    )


def _keys(schema: dict, prefix: str) -> Iterator[tuple[str, str, str, str]]:
    for name, node in schema.get("properties", {}).items():
        key = prefix + name
        if "description" not in node:
            raise ValueError(f"config schema: {key} has no description; add one")
        kinds = node.get("type", "any")
        kind = " or ".join(kinds) if isinstance(kinds, list) else kinds
        if "enum" in node:
            kind = "one of " + ", ".join(f"`{v}`" for v in node["enum"])
        default = node.get("default", {})  # a section's default comes from its keys
        default = f"`{json.dumps(default)}`" if default != {} else ""
        yield key, kind, default, node["description"].replace("|", "\\|")
        yield from _keys(node, key + ".")


def zoo_page() -> str:
    """The zoo reference: every built-in model with its parameters at both scales."""
    sources = {name: Source.builtin(name, target) for name, target in REGISTRY.items()}
    by_scale = {scale: catalogue.lines(sources, scale) for scale in SCALES}
    rows = []
    for cpu, paper in zip(by_scale["cpu"], by_scale["paper"]):
        fidelity = ", ".join(f"`{c}`" for c in cpu.faithful_to)
        rows.append(f"| `{cpu.name}` | {cpu.kind} | {cpu.architecture} | {_count(cpu.n_params)} | "
                    f"{_count(paper.n_params)} | {fidelity} | {cpu.source} |\n")  # fmt: skip
    return ZOO_INTRO + "".join(rows)


def _count(n: int | None) -> str:
    return "" if n is None else f"{n:,}"

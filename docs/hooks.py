"""MkDocs hook: the reference pages generated from the config schema and the team registry."""

from pathlib import Path

import yaml
from mkdocs.structure.files import File

from promoterbench import reference_docs

SCHEMA = Path(__file__).resolve().parents[1] / "workflow" / "schemas" / "config.schema.yaml"


def on_files(files, config):
    schema = yaml.safe_load(SCHEMA.read_text())
    for uri, content in (("reference/configuration.md", reference_docs.config_page(schema)),
                         ("reference/zoo.md", reference_docs.zoo_page())):  # fmt: skip
        files.append(File.generated(config, uri, content=content))
    return files

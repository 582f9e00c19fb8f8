"""Config files, checked before the workflow uses them: every error names the file (and line).

Snakemake's message for a config file that is not YAML, or whose top level is not a mapping,
names neither the file nor the line. And YAML aliases nested in one another ("billion laughs")
let a file of a few hundred bytes stand for billions of values, which any later step that walks
or quotes them (schema validation, an error message) would copy. :func:`load` reads a file as
Snakemake does (JSON, else YAML) and measures its size with aliases expanded, on the YAML node
graph where each aliased node is counted once per use without being copied: an absurd size is
refused in time and memory proportional to the file.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Iterable

import yaml

from promoterbench.quoting import short_repr, shorten

MAX_VALUES = 100_000  # values of a config with aliases expanded; config.yaml holds about 300
_WHAT = "a config file maps settings to values, one `key: value` per line (e.g. `split: public`)"


class ConfigFileError(ValueError):
    """A config file that cannot be used; the message names the file, the line and the reason."""


class _TooLarge(Exception):
    def __init__(self, node: yaml.Node, where: str) -> None:
        self.node, self.where = node, where


def check(paths: Iterable[str | os.PathLike]) -> None:
    """:func:`load` every file of ``paths`` that exists (Snakemake reports missing ones)."""
    for path in paths:
        if Path(path).is_file():
            load(path)


def load(path: str | os.PathLike) -> dict:
    """The settings in the config file at ``path``; ConfigFileError for a file that is not JSON
    or YAML, is nested too deeply, is not a mapping, or expands beyond MAX_VALUES values."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise ConfigFileError(f"{path}: byte {err.start} is not UTF-8; save it as UTF-8") from None
    try:
        data = json.loads(text)
    except ValueError:
        data = _load_yaml(path, text)
    except RecursionError:
        raise ConfigFileError(f"{path}: nested too deeply to read") from None
    if not isinstance(data, dict):
        what = "empty" if data is None else f"a {type(data).__name__} ({short_repr(data)})"
        raise ConfigFileError(f"{path}: the file is {what}, not a mapping; {_WHAT}")
    return data


def _load_yaml(path: str | os.PathLike, text: str) -> object:
    loader = yaml.FullLoader(text)  # Snakemake's loader
    try:
        node = loader.get_single_node()
        if node is not None:
            _expanded_size(node, {}, set(), "")
        return None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as err:
        mark, context = err.problem_mark or err.context_mark, ""
        if err.context and err.context_mark and err.problem_mark:
            at = err.context_mark
            context = f"; {err.context} at line {at.line + 1}, column {at.column + 1}"
        raise ConfigFileError(
            f"{path}:{mark.line + 1}: not valid YAML (column {mark.column + 1}: "
            f"{err.problem or err.context}{context})"
        ) from None
    except yaml.YAMLError as err:
        raise ConfigFileError(f"{path}: not valid YAML ({shorten(str(err), 200)})") from None
    except _TooLarge as err:
        raise ConfigFileError(
            f"{path}:{err.node.start_mark.line + 1}: {err.where or 'the file'} expands to more "
            f"than {MAX_VALUES:,} values (YAML aliases repeated inside one another?); a config "
            "holds a few hundred"
        ) from None
    except RecursionError:
        raise ConfigFileError(f"{path}: nested too deeply to read") from None
    except ValueError:  # an integer with more digits than Python converts
        raise ConfigFileError(
            f"{path}: a number with more than {sys.get_int_max_str_digits()} digits"
        ) from None
    finally:
        loader.dispose()


def _children(node: yaml.Node) -> list[tuple[str, yaml.Node]]:
    """(key path step, node) of a node's children: mapping keys and values, sequence items."""
    if isinstance(node, yaml.MappingNode):
        out = []
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else "?"
            out += [(f".{shorten(name, 30)}", key), (f".{shorten(name, 30)}", value)]
        return out
    if isinstance(node, yaml.SequenceNode):
        return [(f"[{i}]", item) for i, item in enumerate(node.value)]
    return []


def _expanded_size(node: yaml.Node, sizes: dict[int, int], open_: set[int], where: str) -> int:
    """Values under ``node`` with aliases expanded, each distinct node measured once; raises
    _TooLarge at the innermost node whose expansion exceeds MAX_VALUES, or at an alias to a
    node that holds it (which expands without end)."""
    if id(node) in sizes:
        return sizes[id(node)]
    if id(node) in open_:
        raise _TooLarge(node, where.lstrip("."))
    open_.add(id(node))
    total = 1
    for step, child in _children(node):
        total += _expanded_size(child, sizes, open_, where + step)
        if total > MAX_VALUES:
            raise _TooLarge(node, where.lstrip("."))
    open_.discard(id(node))
    sizes[id(node)] = total
    return total


def schema_error(err: Exception) -> str:
    """A one-line message for a config that fails the schema (Snakemake's ``validate`` error,
    raised while handling jsonschema's): the key path and what is wrong, quoting at most a
    short excerpt of the value."""
    cause = err.__context__
    if not (hasattr(cause, "absolute_path") and hasattr(cause, "message")):
        return shorten(str(err), 300)
    where = ".".join(map(str, cause.absolute_path)) or "the top level"
    return f"config {where}: {shorten(cause.message, 200)}"


_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLEANS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


def read_text_values(config: dict, schema: dict) -> None:
    """Give the values that ``snakemake --config`` hands over as text (a nested mapping such as
    ``budget={train_flops: 6.0e+12}`` is read with every scalar a string) the type the schema
    asks for, in place: ``'6.0e+12'`` and ``'3e12'`` where a number is expected, ``'true'`` where
    a boolean is. Text that reads as none of the expected types is left for the schema to refuse."""
    _read_mapping(config, schema)


def _read_mapping(values: dict, schema: dict) -> None:
    properties = schema.get("properties", {})
    others = schema.get("additionalProperties")
    for key, value in values.items():
        node = properties.get(key, others if isinstance(others, dict) else None)
        if node is not None:
            values[key] = _read(value, node)


def _read(value: object, schema: dict) -> object:
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    if isinstance(value, dict):
        _read_mapping(value, schema)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        value[:] = [_read(item, schema["items"]) for item in value]
    elif isinstance(value, str):  # YAML's reading: `null` is null even where text is allowed
        return typed(value, [kind for kind in types if kind != "string"])
    return value


def typed(value: str, types: list[str]) -> object:
    """``value`` read as the first of the JSON-schema ``types`` (null, boolean, integer, number)
    that it spells as YAML or Python would, else ``value`` unchanged."""
    text = value.strip()
    if "null" in types and text in _NULLS:
        return None
    if "boolean" in types and text.lower() in _BOOLEANS:
        return _BOOLEANS[text.lower()]
    for kind, parse in (("integer", int), ("number", float)):
        if kind in types:
            try:
                return parse(text)
            except ValueError:
                pass
    return value

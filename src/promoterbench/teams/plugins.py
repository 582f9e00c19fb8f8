"""Where a team's class comes from: promoterbench itself, an installed package's entry point of
group ``promoterbench.teams``, or a config entry's ``class:`` (a Python file or a module).

A :class:`Source` finds, imports and checks the class the same way for all of them. Its errors
say who asked for the class (the config key path, or the entry point and its package) and the
file that defines it, with the line where importing that file failed.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import os
import sys
import traceback
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

from promoterbench.settings import SettingsError
from promoterbench.teams.base import Team

GROUP = "promoterbench.teams"  # the entry-point group of installed teams
CLASS_KEY = "class"  # the key of a config entry that names a team's class
KIND = "user"  # the leaderboard's kind for a team from outside promoterbench
BUILTIN = "built-in"
REQUIRED = ("architecture", "source", "presets")  # class attributes every team sets


class PluginError(SettingsError):
    """A team class that cannot be found, imported or used, or a name with two sources."""


@dataclass(frozen=True)
class Source:
    """Team ``name`` is class ``target`` (``module:Class`` or ``path/to/file.py:Class``);
    ``where`` says who asked for it and ``origin`` who provides it (``promoterbench teams``)."""

    name: str
    target: str
    where: str
    origin: str

    @classmethod
    def builtin(cls, name: str, target: str) -> Source:
        return cls(name, target, "the built-in team", BUILTIN)

    @classmethod
    def entry_point(cls, entry: EntryPoint) -> Source:
        dist = entry.dist
        package = f"package {dist.name} {dist.version}" if dist else "an installed package"
        return cls(entry.name, entry.value, f"entry point {entry.name} of {package}", package)

    @classmethod
    def configured(cls, name: str, target: str) -> Source:
        """The class that config entry ``teams.<name>.class`` names."""
        module = target.rpartition(":")[0]
        origin = f"file {module}" if module.endswith(".py") else f"module {module}"
        return cls(name, target, f"teams.{name}.{CLASS_KEY}", origin)

    @property
    def plugin(self) -> bool:
        return self.origin != BUILTIN

    def describe(self) -> str:
        return f"{self.where} ({self.target})"

    def _parts(self) -> tuple[str, str]:
        module, _, attr = self.target.rpartition(":")
        if not module or not attr.isidentifier():
            raise PluginError(
                f"{self.where}: {self.target!r} must name a class as path/to/file.py:Class "
                "or package.module:Class"
            )
        return module, attr

    def file(self) -> str:
        """The file that defines the class, found without importing it (a relative file as
        given: Snakemake inputs are relative to the working directory)."""
        module, _ = self._parts()
        if module.endswith(".py"):
            if not Path(module).is_file():
                raise PluginError(
                    f"{self.where}: {module}: no such file (relative to the working directory "
                    f"{os.getcwd()})"
                )
            return module
        spec = _find_spec(module)
        if spec is None:
            _search_working_directory()
            spec = _find_spec(module)
        if spec is None or spec.origin is None:
            raise PluginError(
                f"{self.where}: no module named {module!r} on the Python path or in the working "
                f"directory {os.getcwd()} (install its package or put it on PYTHONPATH, or name "
                "a file: path/to/file.py:Class)"
            )
        return spec.origin

    def load(self) -> type[Team]:
        """The class, checked to be a :class:`Team` with the attributes every team sets."""
        module_name, attr = self._parts()
        path = self.file()
        try:
            if module_name.endswith(".py"):
                module_name = f"promoterbench_plugin_{self.name}"
                spec = importlib.util.spec_from_file_location(module_name, path)
                module = importlib.util.module_from_spec(spec)
                sys.modules[module_name] = module  # as import would (dataclasses look it up)
                spec.loader.exec_module(module)
            else:
                module = importlib.import_module(module_name)
        except Exception as err:
            raise PluginError(
                f"{self.where}: importing {path} failed at {failed_line(err, path)}: "
                f"{type(err).__name__}: {err}"
            ) from err
        cls = getattr(module, attr, None)
        if cls is None:
            raise PluginError(f"{self.where}: {path} has no {attr}")
        if not (isinstance(cls, type) and issubclass(cls, Team)):
            what = "a class" if isinstance(cls, type) else f"a {type(cls).__name__}"
            raise PluginError(
                f"{self.where}: {attr} in {path} is {what}, not a subclass of "
                "promoterbench.teams.base.Team"
            )
        missing = [name for name in REQUIRED if not hasattr(cls, name)]
        if missing:
            raise PluginError(
                f"{self.where}: {attr} in {path} does not set {', '.join(missing)} "
                "(class attributes every team sets; see promoterbench.teams.base.Team)"
            )
        return cls

    def team(self) -> Team:
        """An instance; a plugin's is named as the zoo names it and is of kind ``user``."""
        cls = self.load()
        try:
            team = cls()
        except TypeError as err:  # abstract methods left unwritten
            raise PluginError(f"{self.describe()}: {err}") from err
        if self.plugin:
            team.name, team.kind = self.name, KIND
        return team

    def settings(self, scale: str, overrides: dict) -> dict:
        """The team's checked settings; a plugin's errors also name its file."""
        try:
            return self.team().settings(scale, overrides)
        except PluginError:
            raise
        except SettingsError as err:
            if not self.plugin:
                raise
            raise PluginError(f"{err} ({self._parts()[1]} in {self.file()})") from None


def _find_spec(module: str) -> importlib.machinery.ModuleSpec | None:
    try:
        return importlib.util.find_spec(module)
    except ImportError:  # a parent package is missing
        return None


def _search_working_directory() -> None:
    """Let imports find modules in the working directory, after everything else on the path.
    Snakemake parses the workflow with it on the path when started as ``python -m snakemake``
    and its jobs run scripts without it: looked up here, a module of the working directory is
    found (or not) alike at parse time and in every job, whose working directory is the same."""
    here = os.getcwd()
    if here not in sys.path:
        sys.path.append(here)


def failed_line(err: BaseException, path: str) -> str:
    """``path, line N`` of the last line of ``path`` that ``err`` passed through (a syntax error:
    its own line), or just ``path`` when the traceback never entered it."""
    target = Path(path).resolve()
    lines = [f.lineno for f in traceback.extract_tb(err.__traceback__)
             if Path(f.filename).resolve() == target]  # fmt: skip
    if isinstance(err, SyntaxError) and err.filename and Path(err.filename).resolve() == target:
        lines.append(err.lineno)
    return f"{path}, line {lines[-1]}" if lines else path


def installed() -> list[Source]:
    """The teams installed packages declare (entry points of group :data:`GROUP`)."""
    return [Source.entry_point(entry) for entry in entry_points(group=GROUP)]

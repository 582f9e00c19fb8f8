"""One line per model of the zoo: what `promoterbench teams` prints and the documentation's
zoo page shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from promoterbench import ensemble
from promoterbench.settings import CHOICES
from promoterbench.teams.plugins import BUILTIN, Source


@dataclass(frozen=True)
class Line:
    """A model as the catalogue lists it; ``n_params`` None where it has no preset at the scale
    (a plugin may have presets for one scale only) or no parameters (the ensemble)."""

    name: str
    kind: str
    architecture: str
    n_params: int | None
    faithful_to: tuple[str, ...]  # the default first, then the other choices; empty if none
    source: str
    origin: str


def lines(sources: Mapping[str, Source], scale: str) -> list[Line]:
    """Every team of ``sources`` at ``scale``, then the ensemble reference."""
    out = []
    for name, source in sources.items():
        team = source.team()
        n_params, fidelity = None, ()
        if scale in team.presets:
            settings = team.settings(scale)
            n_params = team.n_params(settings)
            if "faithful_to" in settings:
                chosen = settings["faithful_to"]
                fidelity = (chosen, *(c for c in CHOICES["faithful_to"] if c != chosen))
        out.append(Line(name, team.kind, team.architecture, n_params, fidelity, team.source,
                        source.origin))  # fmt: skip
    out.append(Line(ensemble.NAME, "reference", ensemble.ARCHITECTURE, None, (), "promoterbench",
                    BUILTIN))  # fmt: skip
    return out

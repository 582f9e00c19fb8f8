"""The corpus of bad (and good) submissions: the files in tests/data/bad_input/submissions and
those generated against a test set, with the splits each is accepted for."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from promoterbench import formats, testset

CORPUS = Path(__file__).parent / "data" / "bad_input"
SPLITS = set(testset.SPLITS)


def _generated(dest: Path, design: testset.TestDesign) -> dict[str, set[str]]:
    """Write the submissions that depend on the test set or are large; their accepted splits."""
    n, public = design.n, design.public
    private_only = design.required("private") & ~design.required("public")
    ramp = np.linspace(0, 1, n)
    cases = {
        "full": (ramp, np.ones(n, bool), SPLITS),
        "constant": (np.zeros(n), np.ones(n, bool), SPLITS),  # accepted, with a note
        "public_only": (ramp, public, SPLITS),  # scored on public, whatever the split
        "private_only": (ramp, design.required("private"), {"private"}),
        "missing_private": (ramp, ~np.isin(np.arange(n), np.flatnonzero(private_only)[:1]),
                            {"public"}),
        "public_and_one_more": (ramp, public | (np.arange(n) == np.flatnonzero(~public)[0]),
                                {"public"}),
    }  # fmt: skip
    accepted = {}
    for name, (pred, given, splits) in cases.items():
        formats.write_submission(dest / f"{name}.json", pred, np.flatnonzero(given))
        accepted[name] = splits
    hostile = {  # too large to keep in the repository, or better made than read
        "deep_nesting": '{"0": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "long_key": json.dumps({"1" * 5000: 0.5}),
        "long_integer": '{"0": ' + "7" * 5000 + "}",
    }
    for name, text in hostile.items():
        (dest / f"{name}.json").write_text(text)
        accepted[name] = set()
    return accepted


def write_corpus(dest: Path, design: testset.TestDesign) -> dict[Path, set[str]]:
    """Every corpus submission copied or generated into ``dest``: path -> accepted splits."""
    dest.mkdir(parents=True, exist_ok=True)
    out = {}
    for src in sorted((CORPUS / "submissions").glob("*.json")):
        (dest / src.name).write_bytes(src.read_bytes())
        out[dest / src.name] = set()
    out |= {dest / f"{name}.json": splits for name, splits in _generated(dest, design).items()}
    return out

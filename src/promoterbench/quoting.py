"""Bounded quotes of user input in error messages: a huge or deeply shared value (a YAML alias
bomb, a 5,000-digit key) is shown as a short excerpt, in time and memory independent of its size."""

from __future__ import annotations

import reprlib

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist, _REPR.maxtuple = 2, 4, 4, 4
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = 40


def shorten(text: str, limit: int = 60) -> str:
    """``text``, or its start and end around "..." with the length, when longer than ``limit``."""
    if len(text) <= limit:
        return text
    half = (limit - 5) // 2
    return f"{text[:half]}...{text[-half:]} ({len(text):,} characters)"


def short_repr(value: object, limit: int = 60) -> str:
    """A repr of ``value`` that elides long strings and deep or long containers."""
    try:
        return shorten(_REPR.repr(value), limit)
    except ValueError:  # it holds an int with more digits than Python converts to text
        return f"<{type(value).__name__} holding an integer too long to show>"

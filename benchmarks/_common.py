"""Shared by the benchmark scripts: peak memory and how figures are printed and kept."""

from __future__ import annotations

import resource
from pathlib import Path


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM resets at exec; ru_maxrss would include a parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(header: str, lines: list[str], out: Path) -> None:
    """Print the figures as TSV and append them to ``out`` (header once)."""
    print(header, *lines, sep="\n")
    new = not out.exists()
    with open(out, "a") as fh:
        fh.write((header + "\n" if new else "") + "\n".join(lines) + "\n")

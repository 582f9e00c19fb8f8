"""The package's modules import one another one way: no circle, type-only imports included."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from conftest import REPO

PACKAGE = REPO / "src" / "promoterbench"


def module_name(path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imported(name: str) -> set[str]:
    """The package modules ``name`` imports anywhere in its file (under TYPE_CHECKING too)."""
    tree = ast.parse(MODULES[name].read_text())
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package upwards
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))  # fmt: skip
            out.add(base)
            out |= {f"{base}.{a.name}" for a in node.names}
    return {m for m in out if m in MODULES and m != name}


def circles() -> list[list[str]]:
    """Every import circle among the package's modules (depth-first search of the graph)."""
    graph = {name: imported(name) for name in MODULES}
    found, done = [], set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            found.append(path[path.index(name) :] + [name])
            return
        if name in done:
            return
        for nxt in sorted(graph[name]):
            visit(nxt, path + [name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])
    return found


def test_the_graph_sees_the_imports_it_must():
    assert "promoterbench.fitting" in imported("promoterbench.training")
    assert "promoterbench.training" in imported("promoterbench.teams.torch_team")


def test_no_module_imports_one_that_imports_it_back():
    assert circles() == [], "import circles: " + "; ".join(" -> ".join(c) for c in circles())


@pytest.mark.parametrize("first", ["training", "teams.torch_team", "fitting", "teams.base"])
def test_each_module_imports_alone_in_a_fresh_interpreter(first):
    code = f"import promoterbench.{first}; import promoterbench.training, promoterbench.teams"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)

"""No import cycle in ``loadctl``: every import statement counts, lazy and type-only ones too."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "loadctl"


def _modules() -> dict[str, Path]:
    modules = {}
    for path in sorted((REPO_ROOT / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the package modules it imports (``from pkg import sub`` counts as ``pkg.sub``)."""

    def target(module: str, name: str | None) -> str | None:
        if name and f"{module}.{name}" in modules:
            return f"{module}.{name}"
        return module if module in modules else None

    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            found: list[str | None] = []
            if isinstance(node, ast.Import):
                found = [target(alias.name, None) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package[: len(package) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                found = [target(base, alias.name) for alias in node.names]
            graph[name].update(t for t in found if t is not None and t != name)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path of modules, or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        path.append(module)
        for imported in sorted(graph[module]):
            cycle = visit(imported)
            if cycle:
                return cycle
        path.pop()
        done.add(module)
        return None

    for module in sorted(graph):
        cycle = visit(module)
        if cycle:
            return cycle
    return None


def test_no_module_of_loadctl_imports_itself_through_others() -> None:
    # Given every import statement of every loadctl module
    graph = _import_graph(_modules())

    # Then following them never leads back to where it started
    assert _cycle(graph) is None


def test_the_cycle_finder_finds_a_cycle() -> None:
    # Given a graph with a type-only back edge, like the old core <-> server pair
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}

    # Then it is reported
    assert _cycle(graph) == ["a", "b", "c", "a"]


def test_every_emulator_module_imports_on_its_own() -> None:
    # Given a fresh interpreter per module, so no other import has run first
    for name in _modules():
        if not name.startswith(f"{PACKAGE}.emulator"):
            continue
        # When it is imported alone, Then it loads
        result = subprocess.run(
            [sys.executable, "-c", f"import {name}"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"{name}: {result.stderr}"
        importlib.import_module(name)

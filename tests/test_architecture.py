"""The house rules, checked: every module imports, the import graph has no cycle, nothing in the
library imports the flows or the CLI, and the extractors import nothing of the pipeline.

Imports inside functions count: they were how the old cycles stayed alive.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("itb_evidence", "extractors", "flows")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
    }


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Project modules ``name`` imports, at any depth of its code (functions included)."""
    found: set[str] = set()
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for target in targets:
            if target in MODULES and target != name:
                found.add(target)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _is_cli(name: str) -> bool:
    return name == "itb_evidence.cli" or name.startswith("itb_evidence.cli.")


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_imports(name: str) -> None:
    assert importlib.import_module(name).__name__ == name


def test_the_import_graph_has_no_cycle() -> None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(GRAPH[node]):
            if state.get(dep) == 1:
                cycles.append([*path[path.index(dep) :], dep] if dep in path else [node, dep])
            elif dep not in state:
                visit(dep, [*path, dep])
        state[node] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_the_library_never_imports_the_flows_or_the_cli() -> None:
    upward = sorted(
        (name, dep)
        for name, deps in GRAPH.items()
        if name.startswith("itb_evidence") and not _is_cli(name)
        for dep in deps
        if dep.startswith("flows") or _is_cli(dep)
    )
    assert upward == []


def test_nothing_but_the_cli_imports_the_cli() -> None:
    assert (
        sorted(
            (name, dep)
            for name, deps in GRAPH.items()
            if not _is_cli(name)
            for dep in deps
            if _is_cli(dep)
        )
        == []
    )


def test_the_extractors_are_pure() -> None:
    """Text in, typed mentions out: the extractors know nothing of PubMed, the store or Prefect."""
    leaks = sorted(
        (name, dep)
        for name, deps in GRAPH.items()
        if name.startswith("extractors")
        for dep in deps
        if not dep.startswith("extractors")
    )
    assert leaks == []


def test_flows_only_wire() -> None:
    """Flows call the library; run bookkeeping and storage live in it (``RefreshSummary``,
    ``store_batch``). So no flow module counts into an object's attributes, calls ``setattr`` or
    runs SQL of its own."""
    found = []
    for name, path in MODULES.items():
        if not name.startswith("flows"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                (isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Attribute))
                or (isinstance(node, ast.Call) and ast.unparse(node.func) in {"setattr"})
                or (isinstance(node, ast.Attribute) and node.attr in {"con", "execute"})
            ):
                found.append(f"{name}: {ast.unparse(node)}")
    assert found == []

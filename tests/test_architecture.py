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


# Behaviour branches on typed kinds, never on rule-id strings: a rule id is provenance (which rule
# fired), and code that tests it ties behaviour to a name that may be renamed or reused.
RULE_ID_COMPARISONS = (ast.Eq, ast.NotEq, ast.In, ast.NotIn)


def _is_rule_id(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "rule_id") or (
        isinstance(node, ast.Attribute) and node.attr == "rule_id"
    )


def _is_string(node: ast.expr) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or isinstance(
        node, ast.JoinedStr
    )


def _rule_id_branches(source: str) -> list[str]:
    """Comparisons of a rule id with a string or with a collection (``rule_id == "x"``,
    ``h.rule_id in {"a", "b"}``, ``h.rule_id in pipeline.some_ids``), and prefix or suffix tests
    (``h.rule_id.startswith("dose.")``), as source text."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            for op, left, right in zip(node.ops, sides[:-1], sides[1:], strict=True):
                if not isinstance(op, RULE_ID_COMPARISONS):
                    continue
                if isinstance(op, ast.In | ast.NotIn):
                    # Any membership test of a rule id is a test against a collection of ids.
                    hit = _is_rule_id(left) or (_is_rule_id(right) and _is_string(left))
                else:
                    hit = (_is_rule_id(left) and _is_string(right)) or (
                        _is_rule_id(right) and _is_string(left)
                    )
                if hit:
                    found.append(ast.unparse(node))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"startswith", "endswith"}
            and _is_rule_id(node.func.value)
        ):
            found.append(ast.unparse(node))
    return found


def test_the_rule_id_check_finds_each_form() -> None:
    source = "\n".join(
        [
            'a = h.rule_id == "dose.x"',
            'b = "dose.x" != rule_id',
            'c = h.rule_id in {"a", "b"}',
            "d = h.rule_id not in pipeline.negatable_ids",
            'e = h.rule_id.startswith("dose.")',
            "f = h.kind is Kind.BOLUS",  # typed: fine
            "g = h.rule_id == other.rule_id",  # same rule as another mention: not a name test
        ]
    )
    assert len(_rule_id_branches(source)) == 5


def test_behaviour_never_branches_on_rule_id_strings() -> None:
    found = [
        f"{name}: {branch}"
        for name, path in MODULES.items()
        if name.startswith("extractors")
        for branch in _rule_id_branches(path.read_text(encoding="utf-8"))
    ]
    assert found == []

"""The README is part of the contract: its schema tables and commands must match the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from itb_evidence.settings import DEFAULT_QUERY
from itb_evidence.store import schema
from tests.conftest import REPO_ROOT

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("table", ["studies", "outcomes"])
def test_readme_schema_table_matches_code(table: str) -> None:
    assert schema.markdown_schema(table) in README


def test_readme_quick_start_and_live_mode() -> None:
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "make demo" in quick and "make test" in quick
    assert "NCBI_EMAIL" in README and "NCBI_API_KEY" in README
    assert DEFAULT_QUERY in README


def test_ci_calls_exactly_make_test() -> None:
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    commands = [ln.strip() for ln in ci.splitlines() if ln.strip() and not ln.startswith("#")]
    assert "make test" in commands  # the README's test command, here with ../shared beside it
    # ... and again in a clone with nothing beside it: the fresh-clone path a user takes.
    assert commands[-1] == 'make -C "$fresh/itb-evidence" test'
    assert any(c.startswith("git clone") and '"$fresh/itb-evidence"' in c for c in commands)


def test_the_layout_table_matches_the_tree() -> None:
    """Every package and top-level module of the library has a row; every named path exists."""
    layout = README.split("## Layout", 1)[1].split("\n## ", 1)[0]
    named = {
        path.rstrip("/")
        for cell in re.findall(r"^\| (.+?) \|", layout, flags=re.M)
        for path in re.findall(r"`([^`]+)`", cell)
    }
    root = REPO_ROOT / "itb_evidence"
    expected = {f"itb_evidence/{p.name}" for p in root.iterdir() if (p / "__init__.py").exists()}
    expected |= {f"itb_evidence/{p.name}" for p in root.glob("*.py") if p.name != "__init__.py"}
    shorthand = {f"itb_evidence/{n}" for n in named if "/" not in n and n.endswith(".py")}
    assert expected <= named | shorthand, sorted(expected - named - shorthand)
    for path in named:
        full = path if "/" in path else f"itb_evidence/{path}"
        assert (REPO_ROOT / full).exists() or (REPO_ROOT / path).exists(), path

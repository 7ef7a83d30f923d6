"""The README is part of the contract: its schema tables and commands must match the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from itb_evidence.settings import DEFAULT_QUERY
from itb_evidence.store import schema

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

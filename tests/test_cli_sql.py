"""``itb-evidence sql``: a read-only query of the store, as a table, CSV or JSON."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from itb_evidence.cli import app
from itb_evidence.rows import link_record
from itb_evidence.screen import ScreenDecision
from itb_evidence.store.store import EvidenceStore
from tests.support.factories import make_extraction, make_record

QUERY = "SELECT pmid, outcome, p_value FROM outcomes ORDER BY outcome"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "s.duckdb"
    with EvidenceStore(path) as store:
        record = make_record()
        store.upsert_records([record], run_id=1)
        store.write_evidence(
            link_record(record, make_extraction(), ScreenDecision("100", True, "ok", {}))
        )
    return path


def _sql(*args: str) -> tuple[int, str, str]:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["sql", *args])
    return result.exit_code, result.stdout, result.stderr


def test_sql_prints_a_table_csv_or_json(db: Path) -> None:
    code, table, _ = _sql(QUERY, "--db", str(db))
    assert code == 0
    assert table.split("\n")[0].split() == ["pmid", "outcome", "p_value"]
    assert "Gait speed" in table and "0.41" in table
    code, csv, _ = _sql(QUERY, "--db", str(db), "--format", "csv")
    assert pd.read_csv(io.StringIO(csv), dtype={"pmid": str}).to_dict("records") == [
        {"pmid": "100", "outcome": "Gait speed", "p_value": 0.41},
        {"pmid": "100", "outcome": "Modified Ashworth Scale", "p_value": 0.046},
    ]
    code, out, _ = _sql(QUERY, "--db", str(db), "--format", "json")
    assert json.loads(out) == [
        {"pmid": "100", "outcome": "Gait speed", "p_value": 0.41},
        {"pmid": "100", "outcome": "Modified Ashworth Scale", "p_value": 0.046},
    ]
    code, empty, _ = _sql("SELECT pmid FROM studies WHERE false", "--db", str(db))
    assert (code, empty.strip()) == (0, "(no rows; columns: pmid)")


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("DELETE FROM studies", "DELETE is not a query"),
        ("UPDATE studies SET design = 'rct'", "UPDATE is not a query"),
        ("DROP TABLE studies", "DROP is not a query"),
        ("CREATE TABLE x AS SELECT 1", "CREATE is not a query"),
        ("SELECT 1; DELETE FROM studies", "one statement at a time, got 2"),
        ("SET enable_external_access = true", "SET is not a query"),
    ],
)
def test_sql_never_changes_the_store(db: Path, query: str, problem: str) -> None:
    before = db.read_bytes()
    code, _, err = _sql(query, "--db", str(db))
    assert code == 1 and err.strip() == f"itb-evidence sql: query refused: {problem}" + (
        "; `sql` only reads the store (SELECT, WITH, FROM, SHOW, DESCRIBE, SUMMARIZE, EXPLAIN, "
        "PRAGMA)"
        if "is not a query" in problem
        else ""
    )
    assert db.read_bytes() == before
    with EvidenceStore(db, read_only=True) as store:
        assert len(store.table("studies")) == 1

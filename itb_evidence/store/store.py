"""Store stage: the DuckDB evidence store.

Rows are always loaded from DataFrames (row-by-row inserts cost ~3 ms each, NOTES.md), after
validation against ``schema`` so a bad row is reported and never written. Writing a PMID replaces
that PMID's machine rows, so re-running a window adds nothing twice. Runs and failures are
bookkeeping for incremental refreshes: what was asked, what came back, what must be retried.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import pandas as pd

from itb_evidence.pubmed.records import PubmedRecord, record_from_dict, record_to_dict
from itb_evidence.rows import EvidenceRows
from itb_evidence.store import schema

log = logging.getLogger(__name__)

_BOOKKEEPING_DDL = [
    """CREATE TABLE IF NOT EXISTS records (
  pmid VARCHAR PRIMARY KEY,
  version INTEGER NOT NULL,
  date_revised VARCHAR,
  title VARCHAR NOT NULL,
  abstract VARCHAR NOT NULL,
  sections_json VARCHAR NOT NULL,
  mesh_json VARCHAR NOT NULL,
  flags_json VARCHAR NOT NULL,
  record_json VARCHAR NOT NULL,
  first_seen_run INTEGER,
  last_seen_run INTEGER
)""",
    """CREATE TABLE IF NOT EXISTS runs (
  run_id INTEGER PRIMARY KEY,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  mode VARCHAR NOT NULL,
  query VARCHAR,
  query_translation VARCHAR,
  window_start VARCHAR,
  window_end VARCHAR,
  status VARCHAR NOT NULL,
  found INTEGER, fetched INTEGER, new INTEGER, revised INTEGER, unchanged INTEGER,
  failed INTEGER, included INTEGER, rows_written INTEGER, rows_rejected INTEGER,
  pmids_touched VARCHAR,
  failed_pmids VARCHAR,
  flagged_pmids VARCHAR,
  extractor_version VARCHAR
)""",
    # curator corrections live apart from machine rows: refreshes never write this table
    """CREATE TABLE IF NOT EXISTS corrections (
  correction_id INTEGER PRIMARY KEY,
  pmid VARCHAR NOT NULL,
  target VARCHAR NOT NULL,
  outcome VARCHAR,
  field VARCHAR,
  action VARCHAR NOT NULL,
  value_json VARCHAR,
  reason VARCHAR NOT NULL,
  curator VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL,
  anchor_sha1 VARCHAR,
  superseded BOOLEAN NOT NULL DEFAULT FALSE
)""",
    # what each run did to each record: the source of the "what changed since last time" report
    """CREATE TABLE IF NOT EXISTS record_events (
  run_id INTEGER NOT NULL,
  pmid VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  extraction_sha1 VARCHAR NOT NULL,
  flags VARCHAR NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS failures (
  run_id INTEGER NOT NULL,
  stage VARCHAR NOT NULL,
  pmid VARCHAR,
  message VARCHAR NOT NULL,
  resolved BOOLEAN NOT NULL DEFAULT FALSE
)""",
]


@dataclass(slots=True)
class WriteReport:
    written: dict[str, int] = field(default_factory=dict)
    rejected: list[schema.RowError] = field(default_factory=list)

    @property
    def rows_written(self) -> int:
        return sum(self.written.values())


@dataclass(frozen=True, slots=True)
class RecordChange:
    pmid: str
    status: str  # new | revised | unchanged


def default_db_path() -> Path:
    return Path("itb_evidence.duckdb")


class EvidenceStore:
    """One DuckDB file. Use as a context manager; it creates its tables on open."""

    def __init__(self, path: Path | str, *, read_only: bool = False) -> None:
        self.path = Path(path)
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(str(self.path), read_only=read_only)
        if not read_only:
            self._create()

    def __enter__(self) -> EvidenceStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def _create(self) -> None:
        for table in schema.TABLES:
            self.con.execute(schema.ddl(table))
        for stmt in _BOOKKEEPING_DDL:
            self.con.execute(stmt)
        self.con.execute("CREATE SEQUENCE IF NOT EXISTS run_ids START 1")
        self.con.execute("CREATE SEQUENCE IF NOT EXISTS correction_ids START 1")

    # --- runs ---------------------------------------------------------------------------------
    def start_run(
        self,
        *,
        mode: str,
        query: str | None,
        window_start: str | None,
        window_end: str | None,
        extractor_version: str,
    ) -> int:
        row = self.con.execute(
            """INSERT INTO runs (run_id, started_at, mode, query, window_start, window_end, status,
                                 extractor_version)
               VALUES (nextval('run_ids'), ?, ?, ?, ?, ?, 'running', ?) RETURNING run_id""",
            [
                datetime.now(UTC).replace(tzinfo=None),
                mode,
                query,
                window_start,
                window_end,
                extractor_version,
            ],
        ).fetchone()
        assert row is not None
        return int(row[0])

    def finish_run(self, run_id: int, *, status: str, **counts: Any) -> None:
        allowed = {
            "query_translation",
            "found",
            "fetched",
            "new",
            "revised",
            "unchanged",
            "failed",
            "included",
            "rows_written",
            "rows_rejected",
            "pmids_touched",
            "failed_pmids",
            "flagged_pmids",
        }
        unknown = set(counts) - allowed
        if unknown:
            raise ValueError(f"finish_run: unknown run fields {sorted(unknown)}")
        values = {k: (json.dumps(v) if isinstance(v, list) else v) for k, v in counts.items()}
        sets = ", ".join(f"{k} = ?" for k in values)
        self.con.execute(
            f"UPDATE runs SET status = ?, finished_at = ?{', ' + sets if sets else ''} "
            "WHERE run_id = ?",
            [status, datetime.now(UTC).replace(tzinfo=None), *values.values(), run_id],
        )

    def last_successful_run(self, *, mode: str, query: str | None) -> dict[str, Any] | None:
        df = self.con.execute(
            "SELECT * FROM runs WHERE status = 'completed' AND mode = ? "
            "AND query IS NOT DISTINCT FROM ? "
            "ORDER BY run_id DESC LIMIT 1",
            [mode, query],
        ).df()
        return None if df.empty else dict(df.iloc[0])

    # --- failures -----------------------------------------------------------------------------
    def record_failures(
        self, run_id: int, stage: str, pmids: Sequence[str | None], message: str
    ) -> None:
        if not pmids:
            pmids = [None]
        df = pd.DataFrame(
            {
                "run_id": run_id,
                "stage": stage,
                "pmid": list(pmids),
                "message": message,
                "resolved": False,
            }
        )
        self.con.register("_failures_df", df)
        self.con.execute("INSERT INTO failures SELECT * FROM _failures_df")
        self.con.unregister("_failures_df")

    def pending_failed_pmids(self) -> list[str]:
        rows = self.con.execute(
            "SELECT DISTINCT pmid FROM failures WHERE NOT resolved AND pmid IS NOT NULL "
            "ORDER BY pmid"
        ).fetchall()
        return [str(r[0]) for r in rows]

    def resolve_failures(self, pmids: Iterable[str]) -> None:
        ids = list(pmids)
        if ids:
            self.con.execute(
                "UPDATE failures SET resolved = TRUE WHERE list_contains(?, pmid)", [ids]
            )

    # --- records ------------------------------------------------------------------------------
    def classify_records(self, records: Sequence[PubmedRecord]) -> list[RecordChange]:
        """new / revised / unchanged against what the store already holds."""
        known = dict(
            self.con.execute(
                "SELECT pmid, coalesce(date_revised, '') || '#' || version FROM records"
            ).fetchall()
        )
        changes = []
        for r in records:
            key = f"{r.date_revised or ''}#{r.version}"
            if r.pmid not in known:
                changes.append(RecordChange(r.pmid, "new"))
            elif known[r.pmid] != key:
                changes.append(RecordChange(r.pmid, "revised"))
            else:
                changes.append(RecordChange(r.pmid, "unchanged"))
        return changes

    def upsert_records(self, records: Sequence[PubmedRecord], *, run_id: int) -> None:
        if not records:
            return
        first_seen = dict(self.con.execute("SELECT pmid, first_seen_run FROM records").fetchall())
        df = pd.DataFrame(
            [
                {
                    "pmid": r.pmid,
                    "version": r.version,
                    "date_revised": r.date_revised,
                    "title": r.title,
                    "abstract": r.abstract,
                    "sections_json": json.dumps(
                        [
                            {
                                "label": s.label,
                                "nlm_category": s.nlm_category,
                                "start": s.start,
                                "end": s.end,
                            }
                            for s in r.sections
                        ]
                    ),
                    "mesh_json": json.dumps([m.descriptor for m in r.mesh]),
                    "flags_json": json.dumps([c.ref_type for c in r.comments_corrections]),
                    "record_json": json.dumps(record_to_dict(r), ensure_ascii=False),
                    "first_seen_run": first_seen.get(r.pmid, run_id),
                    "last_seen_run": run_id,
                }
                for r in records
            ]
        )
        self._replace("records", df, df["pmid"].tolist())

    def log_record_events(self, run_id: int, events: Sequence[tuple[str, str, str, str]]) -> None:
        """(pmid, status, extraction hash, flags) per record a run touched."""
        if not events:
            return
        df = pd.DataFrame(events, columns=["pmid", "status", "extraction_sha1", "flags"])
        df.insert(0, "run_id", run_id)
        self.con.register("_events", df)
        self.con.execute(
            "DELETE FROM record_events WHERE run_id = ? AND list_contains(?, pmid)",
            [run_id, df["pmid"].tolist()],
        )
        self.con.execute("INSERT INTO record_events SELECT * FROM _events")
        self.con.unregister("_events")

    def records(self, pmids: Sequence[str] | None = None) -> list[PubmedRecord]:
        """Parsed records as stored (all, or these PMIDs in PMID order)."""
        rows = self.con.execute("SELECT pmid, record_json FROM records ORDER BY pmid").fetchall()
        wanted = None if pmids is None else set(pmids)
        return [
            record_from_dict(json.loads(doc))
            for pmid, doc in rows
            if wanted is None or pmid in wanted
        ]

    # --- evidence -----------------------------------------------------------------------------
    def write_evidence(self, rows: EvidenceRows) -> WriteReport:
        """Validate, then replace the machine rows of every PMID in ``rows``."""
        report = WriteReport()
        pmids = sorted({str(r["pmid"]) for r in rows.studies})
        for table, table_rows in (
            ("studies", rows.studies),
            ("outcomes", rows.outcomes),
            ("mentions", rows.mentions),
        ):
            good: list[dict[str, Any]] = []
            for row in table_rows:
                errors = schema.validate_row(table, row)
                if errors:
                    report.rejected.extend(errors)
                    for err in errors:
                        log.error("rejected %s", err)
                else:
                    good.append(row)
            columns = [c.name for c in schema.TABLES[table]]
            df = pd.DataFrame(good, columns=columns)
            self._replace(table, df, pmids)
            report.written[table] = len(df)
        return report

    def _replace(self, table: str, df: pd.DataFrame, pmids: list[str]) -> None:
        self.con.execute("BEGIN TRANSACTION")
        try:
            if pmids:
                self.con.execute(f"DELETE FROM {table} WHERE list_contains(?, pmid)", [pmids])
            if not df.empty:
                self.con.register("_incoming", df)
                cols = ", ".join(df.columns)
                self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _incoming")
                self.con.unregister("_incoming")
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise

    def table(self, name: str) -> pd.DataFrame:
        if name not in (
            *schema.TABLES,
            "records",
            "runs",
            "failures",
            "corrections",
            "record_events",
        ):
            raise ValueError(f"unknown table {name!r}")
        return self.con.execute(f"SELECT * FROM {name} ORDER BY ALL").df()


EXPORT_TABLES = ("studies", "outcomes")


def load_tables(store: EvidenceStore) -> dict[str, pd.DataFrame]:
    """Tables in schema column order, sorted by PMID for stable diffs between refreshes."""
    tables: dict[str, pd.DataFrame] = {}
    for name in EXPORT_TABLES:
        cols = [c.name for c in schema.TABLES[name]]
        df = store.con.execute(f"SELECT {', '.join(cols)} FROM {name}").df()
        sort_cols = ["pmid"] + (["span_start"] if "span_start" in cols else [])
        tables[name] = df.sort_values(sort_cols, kind="stable").reset_index(drop=True)
    return tables

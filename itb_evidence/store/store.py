"""Store stage: the DuckDB evidence store.

Rows are always loaded from DataFrames (row-by-row inserts cost ~3 ms each, NOTES.md), after
validation against ``schema`` so a bad row is reported and never written. Writing a PMID replaces
that PMID's machine rows, so re-running a window adds nothing twice. Runs and failures are
bookkeeping for incremental refreshes: what was asked, what came back, what must be retried.

Concurrency, as DuckDB allows it (measured with duckdb 2.0): a database file is opened by one
read-write process, or by any number of read-only processes, never both; a second opener gets an
``IOException`` at once ("Could not set lock on file ... Conflicting lock is held in ... (PID n)")
rather than waiting. So:

- Writers hold the file only briefly. A refresh opens the store for each short step (start the
  run, store one batch in one transaction, finish the run) and closes it between them, so a
  curator's ``curate set`` gets in between two batches. Opening waits for the lock with a bounded
  retry (``ITB_STORE_WAIT_S``, default 120 s), says once "store busy, waiting for run N ...", and
  then refuses with one line (:class:`StoreBusyError`) instead of a traceback.
- Readers never hold it: ``EvidenceStore(path, read_only=True)`` copies the store into an
  in-memory database (``COPY FROM DATABASE``, ~35 ms for the demo store, 0.35 s for 20,000
  records of 11 KB) and lets go of the file, so an ``export`` or ``report`` neither blocks a
  refresh for its whole length nor sees a half-written batch.
- One refresh at a time: :class:`WriterLock`, an ``flock`` on ``<store>.lock`` held for the whole
  run, which also notes who holds it (pid, host, run id) for the "store busy" lines. The kernel
  drops it when the process ends, however it ends, so a run left ``running`` by a killed process is
  recognised and closed as ``interrupted`` by the next start (:meth:`EvidenceStore.start_run`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import socket
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, ClassVar, TypeVar

import duckdb
import pandas as pd
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_delay,
    wait_exponential,
    wait_random,
)

from itb_evidence.pubmed.records import PubmedRecord, record_from_dict, record_to_dict
from itb_evidence.rows import EvidenceRows
from itb_evidence.settings import ENV_REFRESH_WAIT, ENV_STORE_WAIT, refresh_wait_s, store_wait_s
from itb_evidence.store import schema

log = logging.getLogger(__name__)

T = TypeVar("T")
HOST = socket.gethostname()

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
    # which store this is: a new store at the same path is another store (search cache keys)
    """CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)""",
    """INSERT INTO store_meta SELECT 'store_id', uuid()::VARCHAR
       WHERE NOT EXISTS (SELECT 1 FROM store_meta WHERE key = 'store_id')""",
    # the process running a run, so a run whose process is gone is closed as interrupted
    "ALTER TABLE runs ADD COLUMN IF NOT EXISTS pid INTEGER",
    "ALTER TABLE runs ADD COLUMN IF NOT EXISTS host VARCHAR",
    # a store written before outcome values carried their unit (extractors' results ``unit``)
    "ALTER TABLE outcomes ADD COLUMN IF NOT EXISTS unit VARCHAR",
    # a store written before values carried a confidence tier (extractors.confidence)
    *(
        f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} VARCHAR"
        for table, column in (
            ("studies", "design_confidence"),
            ("studies", "sample_size_confidence"),
            ("studies", "itb_dose_confidence"),
            ("outcomes", "confidence"),
            ("outcomes", "link_confidence"),
            ("mentions", "confidence"),
            ("mentions", "link_confidence"),
        )
    ),
]


# --- one writer at a time ---------------------------------------------------------------------
class StoreBusyError(RuntimeError):
    """Another process kept the store past the bounded wait; the message is one line naming it."""


@dataclass(frozen=True, slots=True)
class LockHolder:
    """Who holds a store, as far as can be told: DuckDB names a pid, the writer lock's note more."""

    pid: int | None
    host: str | None = None
    run_id: int | None = None
    command: str | None = None

    def describe(self) -> str:
        where = f"pid {self.pid}" if self.pid is not None else ""
        if self.host and where:
            where += f" on {self.host}"
        if self.run_id is not None:
            return f"run {self.run_id}" + (f" ({where})" if where else "")
        who = f"a {self.command}" if self.command else "another process"
        return who + (f" ({where})" if where else "")


def writer_lock_path(db: Path | str) -> Path:
    """``<store>.lock``, beside the store: its flock is the right to run a refresh on it."""
    return Path(f"{db}.lock")


def _read_note(lock_file: Path) -> LockHolder | None:
    try:
        note = json.loads(lock_file.read_text(encoding="utf-8") or "null")
    except (OSError, ValueError):
        return None
    if not isinstance(note, dict):
        return None
    pid, run_id = note.get("pid"), note.get("run_id")
    return LockHolder(
        pid=pid if isinstance(pid, int) else None,
        host=str(note["host"]) if note.get("host") else None,
        run_id=run_id if isinstance(run_id, int) else None,
        command=str(note["command"]) if note.get("command") else None,
    )


class _Busy(Exception):
    def __init__(self, holder: LockHolder) -> None:
        super().__init__(holder.describe())
        self.holder = holder


def _bounded_wait(
    attempt: Callable[[], T],
    *,
    wait_s: float,
    on_wait: Callable[[str], None],
    what: str,
    setting: str,
) -> T:
    """Run ``attempt`` until it stops raising ``_Busy`` or ``wait_s`` has passed.

    Says once who it waits for; gives up with :class:`StoreBusyError` (one line).
    """
    announced = False

    def announce(state: RetryCallState) -> None:
        nonlocal announced
        exc = state.outcome.exception() if state.outcome else None
        if not announced and isinstance(exc, _Busy):
            announced = True
            on_wait(
                f"store busy, waiting for {exc.holder.describe()} to finish with {what} "
                f"(up to {wait_s:g} s)"
            )

    retrying = Retrying(
        stop=stop_after_delay(wait_s),
        wait=wait_exponential(multiplier=0.02, max=0.5) + wait_random(0, 0.05),
        retry=retry_if_exception_type(_Busy),
        before_sleep=announce,
        reraise=True,
    )
    try:
        return retrying(attempt)
    except _Busy as exc:
        raise StoreBusyError(
            f"store busy: {what} is in use by {exc.holder.describe()}; gave up after waiting "
            f"{wait_s:g} s ({setting} sets the wait); try again when it has finished"
        ) from None


def _warn(line: str) -> None:
    log.warning("%s", line)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


class WriterLock:
    """The right to run a refresh (or the demo) on a store: one process at a time.

    An exclusive ``flock`` on ``<store>.lock`` (:func:`writer_lock_path`), held for the whole run.
    The kernel drops it when the process ends, however it ends (``kill -9`` included), so a dead
    run never blocks the next one. The file notes the holder (pid, host, command, run id) for the
    "store busy, waiting for run N" line others print. Acquiring waits up to ``wait_s`` (default
    ``ITB_REFRESH_WAIT_S``, 60 s), then raises :class:`StoreBusyError`. Within one process the
    lock is re-entrant: the CLI takes it before it starts the flow, and the flow takes it again.

    It guards runs, not the file: curators and readers never take it, and wait only for the
    DuckDB lock a refresh holds while it writes one batch.
    """

    _held: ClassVar[dict[str, WriterLock]] = {}
    _guard: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        db: Path | str,
        *,
        command: str = "refresh",
        wait_s: float | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.db = Path(db)
        self.path = writer_lock_path(db)
        self.command = command
        self.wait_s = refresh_wait_s() if wait_s is None else wait_s
        self.on_wait = on_wait or _warn
        self._handle: IO[str] | None = None
        self._outer: WriterLock | None = None
        self._run_id: int | None = None

    @property
    def _key(self) -> str:
        return str(self.path.resolve())

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def acquire(self) -> None:
        with WriterLock._guard:
            outer = WriterLock._held.get(self._key)
            if outer is not None and outer._handle is not None:
                self._outer = outer  # this process holds it already
                return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 (held until release)

        def attempt() -> None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise _Busy(
                    _read_note(self.path) or LockHolder(pid=None, command="refresh")
                ) from None

        try:
            _bounded_wait(
                attempt,
                wait_s=self.wait_s,
                on_wait=self.on_wait,
                what=str(self.db),
                setting=ENV_REFRESH_WAIT,
            )
        except BaseException:
            handle.close()
            raise
        self._handle = handle
        self._write_note()
        with WriterLock._guard:
            WriterLock._held[self._key] = self

    def note_run(self, run_id: int) -> None:
        """Name the run this process is doing, for the "waiting for run N" lines of others."""
        if self._outer is not None:
            self._outer.note_run(run_id)
            return
        self._run_id = run_id
        self._write_note()

    def _write_note(self) -> None:
        if self._handle is None:
            return
        note = {"pid": os.getpid(), "host": HOST, "command": self.command, "run_id": self._run_id}
        self._handle.seek(0)
        self._handle.truncate()
        self._handle.write(json.dumps(note))
        self._handle.flush()

    def release(self) -> None:
        if self._outer is not None:
            self._outer = None
            return
        handle, self._handle = self._handle, None
        if handle is None:
            return
        with WriterLock._guard:
            WriterLock._held.pop(self._key, None)
        try:
            handle.seek(0)
            handle.truncate()
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

    @classmethod
    def holder_elsewhere(cls, db: Path | str) -> LockHolder | None:
        """Who else holds the store's writer lock now, or None if no other process does."""
        path = writer_lock_path(db)
        with cls._guard:
            held = cls._held.get(str(path.resolve()))
        if held is not None and held._handle is not None:
            return None
        if not path.exists():
            return None
        with open(path, encoding="utf-8") as probe:
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return _read_note(path) or LockHolder(pid=None, command="refresh")
            fcntl.flock(probe, fcntl.LOCK_UN)
        return None


_LOCK_CONFLICT = "Could not set lock on file"
_CONFLICT_PID = re.compile(r"\(PID (\d+)\)")


def _lock_conflict(exc: duckdb.Error, db: Path) -> LockHolder | None:
    """The holder named by a DuckDB lock-conflict error (None: not a lock conflict)."""
    text = str(exc)
    if _LOCK_CONFLICT not in text:
        return None
    found = _CONFLICT_PID.search(text)
    pid = int(found.group(1)) if found else None
    note = _read_note(writer_lock_path(db))
    if note is not None and note.pid == pid and note.host in (None, HOST):
        return note
    return LockHolder(pid=pid, host=HOST if pid is not None else None)


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _open_once(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    if not read_only:
        return duckdb.connect(str(path))
    con = duckdb.connect()  # in memory: the snapshot
    try:
        con.execute(f"ATTACH {_sql_string(str(path))} AS store_file (READ_ONLY)")
        con.execute("COPY FROM DATABASE store_file TO memory")
        con.execute("DETACH store_file")
    except BaseException:
        con.close()
        raise
    return con


def connect(
    path: Path,
    *,
    read_only: bool,
    wait_s: float | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the store (read-only: an in-memory snapshot), waiting a bounded time for its lock."""

    def attempt() -> duckdb.DuckDBPyConnection:
        try:
            return _open_once(path, read_only)
        except duckdb.IOException as exc:
            holder = _lock_conflict(exc, path)
            if holder is None:
                raise
            raise _Busy(holder) from exc

    return _bounded_wait(
        attempt,
        wait_s=store_wait_s() if wait_s is None else wait_s,
        on_wait=on_wait or _warn,
        what=str(path),
        setting=ENV_STORE_WAIT,
    )


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
    """One DuckDB file. Use as a context manager; it creates its tables on open.

    ``read_only=True`` reads an in-memory snapshot taken at open (the file is let go at once);
    otherwise the store is held, so keep it open only for one short step. Opening waits up to
    ``wait_s`` (default ``ITB_STORE_WAIT_S``) for another process's lock, telling ``on_wait``
    (default: a logged warning) once, then raises :class:`StoreBusyError`.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        read_only: bool = False,
        wait_s: float | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._tx_depth = 0
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = connect(self.path, read_only=read_only, wait_s=wait_s, on_wait=on_wait)
        if not read_only:
            try:
                self._create()
            except BaseException:
                self.con.close()
                raise

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

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction: all of it is stored, or (error, kill) none of it. Nested calls
        join the outer transaction (DuckDB has no nested transactions)."""
        if self._tx_depth:
            self._tx_depth += 1
            try:
                yield
            finally:
                self._tx_depth -= 1
            return
        self.con.execute("BEGIN TRANSACTION")
        self._tx_depth = 1
        try:
            yield
        except BaseException:
            self._tx_depth = 0
            self.con.execute("ROLLBACK")
            raise
        self._tx_depth = 0
        self.con.execute("COMMIT")

    @property
    def store_id(self) -> str | None:
        """A random id made when the store was created: a new store at the same path is another
        store (None for a store made before ids existed, opened read-only)."""
        try:
            row = self.con.execute("SELECT value FROM store_meta WHERE key = 'store_id'").fetchone()
        except duckdb.CatalogException:
            return None
        return None if row is None else str(row[0])

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
        """A new ``running`` run of this process (pid and host recorded), after closing the runs
        whose process is gone (:meth:`close_stale_runs`)."""
        self.close_stale_runs()
        row = self.con.execute(
            """INSERT INTO runs (run_id, started_at, mode, query, window_start, window_end, status,
                                 extractor_version, pid, host)
               VALUES (nextval('run_ids'), ?, ?, ?, ?, ?, 'running', ?, ?, ?) RETURNING run_id""",
            [
                datetime.now(UTC).replace(tzinfo=None),
                mode,
                query,
                window_start,
                window_end,
                extractor_version,
                os.getpid(),
                HOST,
            ],
        ).fetchone()
        assert row is not None
        return int(row[0])

    def close_stale_runs(self) -> list[int]:
        """Close as ``interrupted`` the ``running`` runs whose process is gone; their ids.

        A run's process is gone when, on this host, no process has its pid (or it is this very
        process, starting another run), or when no other process holds the store's
        :class:`WriterLock`, which every refresh holds for as long as it runs (this also covers a
        pid reused since, and a run started on another host). What the run stored stays; its
        window was never completed, so the next refresh asks for it again.
        """
        running = self.con.execute(
            "SELECT run_id, pid, host FROM runs WHERE status = 'running' ORDER BY run_id"
        ).fetchall()
        if not running:
            return []
        someone_else = WriterLock.holder_elsewhere(self.path)
        closed: list[int] = []
        for run_id, pid, host in running:
            gone_here = (
                host == HOST
                and pid is not None
                and (pid == os.getpid() or not _pid_alive(int(pid)))
            )
            if not gone_here and someone_else is not None:
                continue
            self.con.execute(
                "UPDATE runs SET status = 'interrupted', finished_at = ? WHERE run_id = ?",
                [datetime.now(UTC).replace(tzinfo=None), run_id],
            )
            who = f" (pid {pid} on {host})" if pid is not None else ""
            log.warning("run %s%s is no longer running: closed as interrupted", run_id, who)
            closed.append(int(run_id))
        return closed

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
        with self.transaction():
            if pmids:
                self.con.execute(f"DELETE FROM {table} WHERE list_contains(?, pmid)", [pmids])
            if not df.empty:
                self.con.register("_incoming", df)
                cols = ", ".join(df.columns)
                self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _incoming")
                self.con.unregister("_incoming")

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

"""Refresh bookkeeping: the incremental window, the run summary and its progress lines.

Plain functions and dataclasses; ``flows.refresh`` wires them with the stage modules.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from itb_evidence.pubmed.fetch import FetchedBatch
from itb_evidence.pubmed.search import SearchResult, is_informational
from itb_evidence.settings import SNAPSHOT_DIR
from itb_evidence.store.batches import StoredBatch

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Window:
    """The date window a run asks PubMed for (modification date, so revisions come back too)."""

    since: date | None
    until: date | None
    datetype: str = "mdat"
    reason: str = ""


def plan_window(
    *, since: date | None, until: date | None, last_success: dict[str, Any] | None
) -> Window:
    """An explicit ``--since`` wins; otherwise ask only for what changed since the last good run.

    The window starts one day before the last successful run began: PubMed dates have day
    resolution, and replacing rows per PMID makes the overlap harmless (nothing is added twice).
    """
    if since is not None:
        return Window(since, until, reason="--since given")
    if last_success is None or last_success.get("started_at") is None:
        return Window(None, until, reason="first run: full search")
    started = last_success["started_at"]
    start_day = (
        started.date() if isinstance(started, datetime) else date.fromisoformat(str(started)[:10])
    )
    return Window(
        start_day - timedelta(days=1),
        until,
        reason=f"incremental: changed since run {last_success.get('run_id')}",
    )


def snapshot_files(directory: Path = SNAPSHOT_DIR) -> list[Path]:
    files = sorted(p for p in directory.iterdir() if p.name.endswith((".xml", ".xml.gz")))
    if not files:
        raise FileNotFoundError(f"no PubMed XML snapshot files in {directory}")
    return files


@dataclass(slots=True)
class RefreshSummary:
    run_id: int
    mode: str
    query: str | None
    window: str
    found: int = 0
    fetched: int = 0
    records_read: int = 0
    new: int = 0
    revised: int = 0
    unchanged: int = 0
    failed: int = 0
    studies_kept: int = 0
    rows_written: int = 0
    rows_rejected: int = 0
    failed_pmids: list[str] = field(default_factory=list)
    flagged_pmids: list[str] = field(default_factory=list)
    pmids_touched: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # shown plainly: not failures
    db_path: str = ""
    exports: list[str] = field(default_factory=list)
    query_translation: str | None = None
    changes: list[str] = field(default_factory=list)

    def add_batch(self, stored: StoredBatch) -> None:
        """Add what storing one batch did (``itb_evidence.store.batches.store_batch``)."""
        self.records_read += stored.records_read
        for change in stored.changes:
            setattr(self, change.status, getattr(self, change.status) + 1)
        self.studies_kept += stored.included
        self.rows_written += stored.report.rows_written
        self.rows_rejected += len(stored.report.rejected)
        self.failures.extend(f.message if f.stage == "parse" else f.line() for f in stored.failures)
        self.failures.extend(str(e) for e in stored.report.rejected)
        self.failed += len(stored.failures)
        self.add_pmids(self.failed_pmids, (f.pmid for f in stored.failures if f.pmid))
        self.add_pmids(self.pmids_touched, stored.stored_pmids)
        self.add_pmids(self.flagged_pmids, stored.flagged_pmids)

    def add_search(self, found: SearchResult) -> None:
        """PubMed's count and warnings. Warnings are notes, never failures: an empty window
        ("No items found") is the ordinary answer of a quiet week."""
        self.found = found.count
        self.query_translation = found.query_translation
        for warning in found.warnings:
            note = (
                "PubMed found no records in this window"
                if is_informational(warning)
                else f"PubMed warning: {warning}"
            )
            if note not in self.notes:
                self.notes.append(note)

    def add_fetch(self, fetched: FetchedBatch) -> None:
        """One efetch batch: the PMIDs it returned are fetched; the ones it did not (the batch
        failed, or PubMed left them out) are failed and retried next refresh."""
        if fetched.ok:
            self.fetched += len(fetched.returned)
        if fetched.problem is not None:
            self.failed += len(fetched.failed_pmids)
            self.add_pmids(self.failed_pmids, fetched.failed_pmids)
            self.failures.append(fetched.problem)

    def run_counts(self) -> dict[str, Any]:
        """The counts a finished run records in the store's ``runs`` table."""
        return {
            "query_translation": self.query_translation,
            "found": self.found,
            "fetched": self.fetched,
            "new": self.new,
            "revised": self.revised,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "included": self.studies_kept,
            "rows_written": self.rows_written,
            "rows_rejected": self.rows_rejected,
            "pmids_touched": self.pmids_touched,
            "failed_pmids": self.failed_pmids,
            "flagged_pmids": self.flagged_pmids,
        }

    def add_pmids(self, bucket: list[str], pmids: Iterable[str]) -> None:
        for pmid in pmids:
            if pmid not in bucket:
                bucket.append(pmid)

    def lines(self) -> list[str]:
        out = [
            f"run {self.run_id} ({self.mode}); window: {self.window}",
            f"records read: {self.records_read} (new {self.new}, revised {self.revised}, "
            f"unchanged {self.unchanged}); failed: {self.failed}",
            f"studies kept: {self.studies_kept}; rows written: {self.rows_written}"
            + (f"; rows rejected: {self.rows_rejected}" if self.rows_rejected else ""),
        ]
        if self.query is not None:
            out.insert(1, f"query: {self.query}")
            out.insert(2, f"found {self.found}, fetched {self.fetched}")
        if self.flagged_pmids:
            out.append(f"flagged (retraction/erratum/concern): {', '.join(self.flagged_pmids)}")
        out.extend(self.notes)
        for failure in self.failures:
            out.append(f"FAILED: {failure}")
        if self.changes:
            out.append(f"changes since the previous run ({len(self.changes)}):")
            out.extend(f"  {change}" for change in self.changes)
        out.append(f"store: {self.db_path}")
        out.extend(f"export: {path}" for path in self.exports)
        return out


# --- progress lines of a refresh (said with ``itb_evidence.progress.say``) ---------------------
def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def search_line(found: SearchResult, to_fetch: int, batches: int) -> str:
    """``search found 300 records; fetching 301 PMIDs in 2 batches`` (retries included)."""
    line = f"search found {_plural(found.count, 'record')}"
    if to_fetch:
        line += f"; fetching {_plural(to_fetch, 'PMID')} in {_plural(batches, 'batch', 'batches')}"
    return line


def stored_line(label: str, stored: StoredBatch) -> str:
    """``batch 2/3 stored: 100 records, 1 failure``."""
    return (
        f"{label} stored: {_plural(stored.records_read, 'record')}, "
        f"{_plural(len(stored.failures), 'failure')}"
    )


def not_fetched_line(fetched: FetchedBatch) -> str:
    """``batch 2/3 not fetched: 100 PMIDs, asked for again next refresh``."""
    n = len(fetched.failed_pmids)
    return f"{fetched.label} not fetched: {_plural(n, 'PMID')}, asked for again next refresh"

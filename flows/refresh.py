"""The refresh flow: search -> fetch -> parse -> screen -> extract -> link -> store -> export.

The flow only wires stage functions into Prefect tasks. Records are processed batch by batch and
each batch is stored (one transaction) before the next is fetched, so a run killed midway keeps
what it finished and the next run (same window: the killed run never completed) replaces rather
than duplicates; that next run also closes the killed one as ``interrupted``.

One refresh per store at a time: a run holds the store's ``WriterLock`` from start to end (a
second one waits, bounded, then refuses in one line), but opens the store itself only for each
short step, so curators and exports work during a refresh. Results are not persisted by Prefect
(``persist_result=False``): a run's outcome is its row in the store's ``runs`` table; see
``flows.retrieval`` for the one exception, the search cache, and its expiry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from prefect import flow, task

from extractors import EXTRACTOR_VERSION
from flows.fulltext import run_fulltext_stage
from flows.hooks import notify_run_state
from flows.retrieval import fetch_task, search_task
from itb_evidence.export import tables as export_stage
from itb_evidence.export.meta_estimates import write_meta
from itb_evidence.export.prisma import render_prisma_svg
from itb_evidence.process import ProcessedBatch, RecordFailure, process_records
from itb_evidence.progress import say
from itb_evidence.pubmed import parse as parse_stage
from itb_evidence.pubmed.entrez import EntrezConfig
from itb_evidence.pubmed.records import PubmedRecord
from itb_evidence.report.render import write_report
from itb_evidence.runs import (
    RefreshSummary,
    Window,
    not_fetched_line,
    plan_window,
    search_line,
    snapshot_files,
    stored_line,
)
from itb_evidence.settings import DEFAULT_QUERY, SNAPSHOT_PMC_DIR, task_retry_delay_s
from itb_evidence.store.batches import store_batch, store_fetch_problems
from itb_evidence.store.changes import changes_since_previous_run
from itb_evidence.store.store import EvidenceStore, WriterLock

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ParsedBatch:
    label: str
    records: list[PubmedRecord] = field(default_factory=list)
    failures: list[RecordFailure] = field(default_factory=list)


@task(name="parse", persist_result=False)
def parse_task(source: bytes | Path, label: str) -> ParsedBatch:
    batch = ParsedBatch(label)
    try:
        for item in parse_stage.iter_parse(source):
            if isinstance(item, PubmedRecord):
                batch.records.append(item)
            else:
                message = f"{label}: PMID {item.pmid}: {item.message}"
                batch.failures.append(RecordFailure(item.pmid or None, "parse", message))
    except parse_stage.PubmedXMLError as exc:
        batch.failures.append(RecordFailure(None, "parse", f"{label}: {exc}"))
    return batch


@task(name="process", persist_result=False)
def process_task(records: list[PubmedRecord]) -> ProcessedBatch:
    """extract -> screen -> rows, one record at a time; a failing record is kept as a failure."""
    return process_records(records)


@task(name="store", persist_result=False)
def store_task(
    db: Path, run_id: int, parsed: ParsedBatch, batch: ProcessedBatch, summary: RefreshSummary
) -> RefreshSummary:
    with EvidenceStore(db) as store:
        stored = store_batch(store, run_id, batch, failures=parsed.failures)
    summary.add_batch(stored)
    say(stored_line(parsed.label, stored))
    return summary


@task(name="export", persist_result=False)
def export_task(db: Path, out_dir: Path) -> list[str]:
    """CSV + XLSX for the meta-analysis hand-off, and the HTML review report (from a read-only
    snapshot of the store: curators are not kept waiting while they are written)."""
    with EvidenceStore(db, read_only=True) as store:
        files = export_stage.export(store, fmt="csv", out=out_dir / "evidence.csv")
        files += export_stage.export(store, fmt="xlsx", out=out_dir / "evidence.xlsx")
        report = write_report(
            store,
            out_dir / "report.html",
            prisma_svg=render_prisma_svg(export_stage.prisma_from_store(store)),
            changes=changes_since_previous_run(store),
        )
        meta = write_meta(store, out_dir)
    return [str(f.path) for f in files] + [str(report)] + [str(p) for p in meta]


def _process(
    source: bytes | Path, label: str, db: Path, run_id: int, summary: RefreshSummary
) -> None:
    parsed = parse_task(source, label)
    store_task(db, run_id, parsed, process_task(parsed.records), summary)


def _finish(db: Path, summary: RefreshSummary, out_dir: Path | None) -> RefreshSummary:
    with EvidenceStore(db) as store:
        store.finish_run(summary.run_id, status="completed", **summary.run_counts())
        summary.changes = changes_since_previous_run(store)
    if out_dir is not None:
        summary.exports = export_task(db, out_dir)
    return summary


def _abandon(db: Path, run_id: int, stage: str, exc: BaseException) -> None:
    """Close a run that raised: ``failed`` (``interrupted`` for Ctrl-C), with a ``failures`` row.
    Never raises over the error being handled (if the store cannot be opened, the next start
    closes the run as ``interrupted``)."""
    status = "failed" if isinstance(exc, Exception) else "interrupted"
    try:
        with EvidenceStore(db) as store:
            store.record_failures(run_id, stage, [], f"{type(exc).__name__}: {exc}")
            store.finish_run(run_id, status=status)
    except Exception as problem:
        log.error("run %s could not be closed as %s: %s", run_id, status, problem)


@flow(
    name="itb-evidence-snapshot",
    on_completion=[notify_run_state],
    on_failure=[notify_run_state],
    persist_result=False,
)
def snapshot_flow(
    db: Path = Path("itb_evidence.duckdb"),
    out_dir: Path | None = Path("out"),
    snapshot_dir: Path | None = None,
    pmc_dir: Path | None = None,
) -> RefreshSummary:
    """The demo: the same stages over the bundled PubMed snapshot instead of live Entrez, and the
    JATS bundled beside it (``pmc_dir``, default the snapshot's ``pmc/``) for full text."""
    files = snapshot_files(snapshot_dir) if snapshot_dir else snapshot_files()
    bundled = pmc_dir or (snapshot_dir / "pmc" if snapshot_dir else SNAPSHOT_PMC_DIR)
    with WriterLock(db, command="demo") as lock:
        with EvidenceStore(db) as store:
            run_id = store.start_run(
                mode="snapshot",
                query=None,
                window_start=None,
                window_end=None,
                extractor_version=EXTRACTOR_VERSION,
            )
        lock.note_run(run_id)
        summary = RefreshSummary(
            run_id=run_id,
            mode="snapshot",
            query=None,
            window=f"bundled snapshot ({len(files)} file(s))",
            db_path=str(db),
        )
        try:
            for path in files:
                _process(path, path.name, db, run_id, summary)
            run_fulltext_stage(db, summary, bundled_dir=bundled)
            return _finish(db, summary, out_dir)
        except BaseException as exc:
            _abandon(db, run_id, "run", exc)
            raise


@flow(
    name="itb-evidence-refresh",
    on_completion=[notify_run_state],
    on_failure=[notify_run_state],
    persist_result=False,
)
def refresh_flow(
    query: str = DEFAULT_QUERY,
    since: date | None = None,
    until: date | None = None,
    db: Path = Path("itb_evidence.duckdb"),
    out_dir: Path | None = Path("out"),
    batch_size: int = 200,
    cache_dir: Path | None = None,
) -> RefreshSummary:
    """Live refresh against NCBI E-utilities (NCBI_EMAIL, optional NCBI_API_KEY)."""
    endpoint = EntrezConfig.from_env().base_url
    with WriterLock(db, command="refresh") as lock:
        with EvidenceStore(db) as store:
            window: Window = plan_window(
                since=since,
                until=until,
                last_success=store.last_successful_run(mode="live", query=query),
            )
            run_id = store.start_run(
                mode="live",
                query=query,
                window_start=window.since.isoformat() if window.since else None,
                window_end=window.until.isoformat() if window.until else None,
                extractor_version=EXTRACTOR_VERSION,
            )
            retry_pmids = store.pending_failed_pmids()
            store_id = store.store_id
        lock.note_run(run_id)
        summary = RefreshSummary(
            run_id=run_id,
            mode="live",
            query=query,
            window=f"{window.since or 'start'} to {window.until or 'now'} "
            f"({window.datetype}; {window.reason})",
            db_path=str(db),
        )
        try:
            search = search_task.with_options(retry_delay_seconds=task_retry_delay_s())
            found = search(query, window, endpoint, store_id)
        except BaseException as exc:  # recorded on the run, then re-raised: the flow failed
            _abandon(db, run_id, "search", exc)
            raise
        try:
            summary.add_search(found)
            pmids = list(dict.fromkeys([*found.pmids, *retry_pmids]))
            cache = cache_dir or db.with_suffix(".rawcache")
            batches = range(0, len(pmids), batch_size)
            say(search_line(found, len(pmids), len(batches)))
            for index, start in enumerate(batches):
                fetched = fetch_task(pmids[start : start + batch_size], index, len(batches), cache)
                summary.add_fetch(fetched)
                if fetched.problem is not None:
                    with EvidenceStore(db) as store:
                        store_fetch_problems(store, run_id, fetched)
                if fetched.xml is None:
                    say(not_fetched_line(fetched))
                else:
                    _process(fetched.xml, fetched.label, db, run_id, summary)
            run_fulltext_stage(db, summary, cache_root=cache)
            return _finish(db, summary, out_dir)
        except BaseException as exc:
            _abandon(db, run_id, "run", exc)
            raise

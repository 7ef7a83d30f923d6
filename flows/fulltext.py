"""The full-text stage of a run, as a Prefect task: wiring only (``itb_evidence.fulltext.stage``
finds the articles, ``itb_evidence.store.fulltext_evidence`` stores them and their values).

The store is opened only to read what is sought and held, and again to write, never while PMC is
asked, so curators are not kept waiting. A stage that fails as a whole is one line of the run
summary: the abstract evidence of the run stands.
"""

from __future__ import annotations

import logging
from pathlib import Path

from prefect import task

from itb_evidence.fulltext.stage import FullTextRun, retrieve_bundled, retrieve_live
from itb_evidence.progress import say
from itb_evidence.runs import RefreshSummary
from itb_evidence.settings import fulltext_enabled
from itb_evidence.store.fulltext_evidence import (
    held_documents,
    included_studies,
    store_fulltext_run,
)
from itb_evidence.store.store import EvidenceStore

log = logging.getLogger(__name__)


@task(name="fulltext", timeout_seconds=1800, persist_result=False)
def fulltext_task(
    db: Path, run_id: int, *, cache_root: Path | None, bundled_dir: Path | None
) -> list[str]:
    """Live (``bundled_dir`` None: PMC through E-utilities) or bundled JATS (the demo); the run
    summary's lines (none when no study is included: nothing was looked for)."""
    with EvidenceStore(db) as store:
        sought = included_studies(store)
        held = held_documents(store) if bundled_dir is None else {}
    run: FullTextRun = (
        retrieve_live(sought, cache_root=cache_root, held=held)
        if bundled_dir is None
        else retrieve_bundled(sought, bundled_dir)
    )
    if not run.studies:
        return []
    with EvidenceStore(db) as store:
        n_values = store_fulltext_run(store, run, run_id=run_id)
    lines = run.summary_lines()
    lines[0] += f"; {n_values} full-text values stored"
    return lines


def run_fulltext_stage(
    db: Path,
    summary: RefreshSummary,
    *,
    cache_root: Path | None = None,
    bundled_dir: Path | None = None,
) -> None:
    """The stage unless ``ITB_FULLTEXT=0``; its lines go to the run summary's notes."""
    if not fulltext_enabled():
        summary.notes.append("full text: skipped (ITB_FULLTEXT=0)")
        return
    try:
        lines = fulltext_task(db, summary.run_id, cache_root=cache_root, bundled_dir=bundled_dir)
    except Exception as exc:  # the abstract evidence of the run stands
        log.error("full-text stage failed: %s", exc)
        lines = [f"full text: stage failed, abstract evidence kept: {type(exc).__name__}: {exc}"]
    for line in lines:
        say(line)
    summary.notes.extend(lines)

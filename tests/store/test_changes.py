"""'What changed since last time' from record_events."""

from __future__ import annotations

from pathlib import Path

from itb_evidence.rows import link_record
from itb_evidence.screen import ScreenDecision
from itb_evidence.store.changes import changes_since_previous_run
from itb_evidence.store.store import EvidenceStore
from tests.support.factories import make_extraction, make_record


def _run(store: EvidenceStore, events: list[tuple[str, str, str, str]]) -> int:
    run_id = store.start_run(
        mode="live", query="q", window_start=None, window_end=None, extractor_version="t"
    )
    store.log_record_events(run_id, events)
    store.finish_run(run_id, status="completed")
    return run_id


def test_new_revised_changed_and_flagged(tmp_path: Path) -> None:
    with EvidenceStore(tmp_path / "e.duckdb") as store:
        for pmid in ("100", "200"):
            store.write_evidence(
                link_record(
                    make_record(pmid), make_extraction(pmid), ScreenDecision(pmid, True, "ok", {})
                )
            )
        _run(store, [("100", "new", "h1", ""), ("200", "new", "h2", "")])
        first = changes_since_previous_run(store)
        assert first == [
            "new study: PMID 100 (Intrathecal baclofen in HSP: a test record.)",
            "new study: PMID 200 (Intrathecal baclofen in HSP: a test record.)",
        ]
        _run(store, [("100", "revised", "h1-changed", "retracted"), ("200", "unchanged", "h2", "")])
        assert changes_since_previous_run(store) == [
            "revised record: PMID 100 (Intrathecal baclofen in HSP: a test record.)",
            "changed extraction: PMID 100 (Intrathecal baclofen in HSP: a test record.)",
            "new flag (retracted): PMID 100 (Intrathecal baclofen in HSP: a test record.)",
        ]
        _run(store, [("100", "unchanged", "h1-changed", "retracted")])
        assert changes_since_previous_run(store) == []

"""One poison record among 300 in a live refresh (against the loopback fake E-utilities server):
it becomes one ``failures`` row naming its PMID and stage, and the other 299 are stored, the run
completes and the exports are written.

Before per-record isolation, a record whose abstract was over spaCy's ``max_length`` made the
process task raise: its batch neighbours and every later batch were never stored, nothing landed
in ``failures``, the run stayed ``running`` and the exports stayed stale, on every refresh.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from extractors.engine import MAX_FIELD_CHARS
from flows.refresh import refresh_flow
from itb_evidence.progress import PROGRESS_LOGGER
from itb_evidence.store.store import EvidenceStore
from tests.support.fake_eutils import FakeEutils, synthetic_record

pytestmark = pytest.mark.flow

TERM = "itb hsp poison record test"
PMIDS = [str(91000000 + i) for i in range(300)]
POISON = PMIDS[150]  # the fake lists newest (highest PMID) first: batch 2 of 3, mid-batch


def _over_long_record(pmid: str, day: date) -> bytes:
    """A real (not mocked) over-long record: a run-on abstract one character past the bound."""
    words = "intrathecal baclofen improved spasticity in hereditary spastic paraplegia "
    abstract = (words * (MAX_FIELD_CHARS // len(words) + 1))[: MAX_FIELD_CHARS + 1]
    record = synthetic_record(pmid, day)
    return record.replace(
        b"</ArticleTitle>",
        b"</ArticleTitle><Abstract><AbstractText>"
        + abstract.encode()
        + b"</AbstractText></Abstract>",
    )


def test_a_poison_record_among_300_leaves_299_stored_and_1_failure(
    prefect_harness: None,
    fake_eutils: FakeEutils,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    today = datetime.now(UTC).date()
    fake_eutils.add_synthetic(TERM, [(p, today) for p in PMIDS])
    record_xml = fake_eutils.record_xml  # the fake serves the poison record in place of one
    monkeypatch.setattr(
        fake_eutils,
        "record_xml",
        lambda pmid: _over_long_record(pmid, today) if pmid == POISON else record_xml(pmid),
    )
    db, out = tmp_path / "poison.duckdb", tmp_path / "out"
    caplog.set_level(logging.INFO, logger=PROGRESS_LOGGER)

    summary = refresh_flow(
        query=TERM, db=db, out_dir=out, batch_size=100, cache_dir=tmp_path / "raw"
    )

    assert (summary.found, summary.fetched, summary.records_read) == (300, 300, 300)
    assert (summary.failed, summary.failed_pmids) == (1, [POISON])
    (failure,) = summary.failures
    assert failure == (
        f"PMID {POISON} (extract): abstract is {MAX_FIELD_CHARS + 1:,} characters, over the "
        f"limit of {MAX_FIELD_CHARS:,} (extractors.engine.MAX_FIELD_CHARS): not extracted"
    )
    with EvidenceStore(db, read_only=True) as store:
        studies = store.table("studies")
        failures = store.table("failures")
        (run,) = store.table("runs").itertuples()
    assert len(studies) == 299 and studies["pmid"].is_unique
    assert POISON not in set(studies["pmid"]) and set(studies["pmid"]) == set(PMIDS) - {POISON}
    assert failures[["pmid", "stage", "resolved"]].values.tolist() == [[POISON, "extract", False]]
    assert failures["message"].iloc[0] in failure
    assert (run.status, run.found, run.fetched, run.failed) == ("completed", 300, 300, 1)
    assert run.finished_at is not None
    exported = sorted(Path(p).name for p in summary.exports)
    assert exported == [
        "evidence.csv",
        "evidence.xlsx",
        "evidence_outcomes.csv",
        "meta_pooled.csv",
        "meta_studies.csv",
        "meta_summary.txt",
        "report.html",
    ]
    assert all(Path(p).stat().st_size > 0 for p in summary.exports)
    report = (out / "report.html").read_text(encoding="utf-8")
    assert POISON in report  # the report names the record it could not take
    # stderr is not a terminal here: the progress lines go to the (quiet by default) logger
    assert [r.getMessage() for r in caplog.records if r.name == PROGRESS_LOGGER] == [
        "search found 300 records; fetching 300 PMIDs in 3 batches",
        "batch 1/3 stored: 100 records, 0 failures",
        "batch 2/3 stored: 100 records, 1 failure",
        "batch 3/3 stored: 100 records, 0 failures",
    ]

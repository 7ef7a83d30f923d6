"""Storing one processed batch of a run: records, evidence rows, failures and record events.

What the refresh and demo flows used to do inline in their store task; here so a flow only wires
and the bookkeeping is tested like any other library code. A batch is stored in one transaction:
a run killed while storing it keeps all of the batch or none of it, and the store is held only
for that short write (curators and exports get in between two batches).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from itb_evidence.process import ProcessedBatch, RecordFailure
from itb_evidence.pubmed.fetch import FetchedBatch
from itb_evidence.store.changes import evidence_hash, record_flags
from itb_evidence.store.store import EvidenceStore, RecordChange, WriteReport


@dataclass(slots=True)
class StoredBatch:
    """What storing a batch did: the summary adds it up (``RefreshSummary.add_batch``)."""

    changes: list[RecordChange] = field(default_factory=list)
    report: WriteReport = field(default_factory=WriteReport)
    failures: list[RecordFailure] = field(default_factory=list)
    flagged_pmids: list[str] = field(default_factory=list)
    included: int = 0
    records_read: int = 0  # records parsed, whether or not they went through
    stored_pmids: list[str] = field(default_factory=list)


def store_batch(
    store: EvidenceStore,
    run_id: int,
    batch: ProcessedBatch,
    *,
    failures: Sequence[RecordFailure] = (),
) -> StoredBatch:
    """Write a batch: records that went through, their rows, and every failure of the batch.

    ``failures`` are the batch's earlier failures (parse); the batch's own (extract, screen, rows)
    are added. A stored record resolves its earlier failures; a failed one keeps them open so the
    next refresh retries it. Earlier failures share one ``failures`` row message (their lines
    joined), as the parse stage reports a batch.
    """
    records = batch.records
    out_records = len(records) + len(batch.failures)
    out = StoredBatch(failures=[*failures, *batch.failures], records_read=out_records)
    with store.transaction():
        out.changes = store.classify_records(records)
        store.upsert_records(records, run_id=run_id)
        out.report = store.write_evidence(batch.rows)
        if failures:
            pmids = [f.pmid for f in failures if f.pmid]
            message = "; ".join(f.message for f in failures)
            store.record_failures(run_id, failures[0].stage, pmids, message)
        store.resolve_failures(r.pmid for r in records)
        for failure in batch.failures:
            store.record_failures(run_id, failure.stage, [failure.pmid], failure.message)
        store.log_record_events(
            run_id,
            [
                (c.pmid, c.status, evidence_hash(batch.rows, c.pmid), record_flags(r))
                for c, r in zip(out.changes, records, strict=True)
            ],
        )
    out.stored_pmids = [r.pmid for r in records]
    out.included = sum(1 for s in batch.rows.studies if s["included"])
    out.flagged_pmids = [r.pmid for r in records if record_flags(r)]
    return out


def store_fetch_problems(store: EvidenceStore, run_id: int, fetched: FetchedBatch) -> list[str]:
    """``failures`` rows (stage ``fetch``) for the PMIDs a fetch batch did not retrieve: all of
    a failed batch, or those PubMed left out of its reply. They stay unresolved, so the next
    refresh asks for them again, until a run stores them. Returns the PMIDs recorded."""
    problem = fetched.problem
    if problem is None:
        return []
    pmids = list(fetched.failed_pmids)
    store.record_failures(run_id, "fetch", pmids, problem)
    return pmids

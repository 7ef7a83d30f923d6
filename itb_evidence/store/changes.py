"""What changed since last time: new studies, revised records, changed extractions, new flags.

Computed from ``record_events`` (one row per record a run touched, with a hash of its evidence
rows), comparing the latest completed run with each record's previous event.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from itb_evidence.pubmed.records import PubmedRecord
from itb_evidence.rows import EvidenceRows
from itb_evidence.store.store import EvidenceStore


def evidence_hash(rows: EvidenceRows, pmid: str) -> str:
    """Hash of a record's machine rows, minus bookkeeping, so re-runs of equal output match."""
    payload: dict[str, Any] = {
        "studies": [r for r in rows.studies if r["pmid"] == pmid],
        "outcomes": [r for r in rows.outcomes if r["pmid"] == pmid],
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def record_flags(record: PubmedRecord) -> str:
    flags = [
        name
        for name, on in (
            ("retracted", record.is_retracted),
            ("erratum", record.has_erratum),
            ("expression of concern", record.has_expression_of_concern),
        )
        if on
    ]
    return ", ".join(flags)


def changes_since_previous_run(store: EvidenceStore) -> list[str]:
    latest = store.con.execute("SELECT max(run_id) FROM runs WHERE status = 'completed'").fetchone()
    if latest is None or latest[0] is None:
        return []
    run_id = int(latest[0])
    rows = store.con.execute(
        """
        SELECT e.pmid, e.status, e.extraction_sha1, e.flags,
               (SELECT p.extraction_sha1 FROM record_events p
                 WHERE p.pmid = e.pmid AND p.run_id < e.run_id ORDER BY p.run_id DESC LIMIT 1),
               (SELECT p.flags FROM record_events p
                 WHERE p.pmid = e.pmid AND p.run_id < e.run_id ORDER BY p.run_id DESC LIMIT 1),
               s.included, s.title
        FROM record_events e LEFT JOIN studies s USING (pmid)
        WHERE e.run_id = ? ORDER BY e.pmid
        """,
        [run_id],
    ).fetchall()
    out: list[str] = []
    for pmid, status, sha, flags, prev_sha, prev_flags, included, title in rows:
        label = f"PMID {pmid} ({title})" if title else f"PMID {pmid}"
        if status == "new" and included:
            out.append(f"new study: {label}")
        elif status == "revised":
            out.append(f"revised record: {label}")
        if prev_sha is not None and prev_sha != sha:
            out.append(f"changed extraction: {label}")
        if flags and flags != (prev_flags or ""):
            out.append(f"new flag ({flags}): {label}")
    return out

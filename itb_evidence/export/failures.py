"""Records not retrieved or not processed: the store's unresolved ``failures`` rows, one per PMID.

A refresh writes a ``failures`` row for every record it could not fetch (efetch failed, or left
the PMID out of its reply), parse, extract, screen or store, and resolves it once a later run
stores the record. What is still unresolved is what PRISMA counts as "not retrieved or not
processed" and what the report lists, so a lost record is never silent. Rows without a PMID (a
search that failed) are run-level problems, shown by the run's status, and are not listed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from itb_evidence.store.store import EvidenceStore

NOT_RETRIEVED_FETCH: Final = "Not retrieved: fetch failed"
NOT_RETRIEVED_MISSING: Final = "Not retrieved: PMID missing from PubMed's efetch reply"
STAGE_REASONS: Final = {
    "parse": "Not processed: record could not be parsed",
    "extract": "Not processed: extraction failed",
    "screen": "Not processed: screening failed",
    "rows": "Not processed: evidence rows could not be built",
    "validate": "Not processed: rows failed validation",
    "store": "Not processed: could not be stored",
    "file": "Not processed: input file broken",
}


def failure_reason(stage: str, message: str) -> str:
    """The PRISMA reason of a failure: by stage, a fetch failure split from a missing PMID."""
    if stage == "missing" or (stage == "fetch" and "missing" in message.lower()):
        return NOT_RETRIEVED_MISSING
    if stage == "fetch":
        return NOT_RETRIEVED_FETCH
    return STAGE_REASONS.get(stage, f"Not processed: {stage} failed")


@dataclass(frozen=True, slots=True)
class FailedRecord:
    """A PMID whose latest attempt failed and that no later run has stored."""

    pmid: str
    stage: str
    message: str
    run_id: int  # the run of the latest failure
    runs: int  # how many runs failed on it since it was last stored
    in_table: bool  # an earlier version is still in the evidence table

    @property
    def reason(self) -> str:
        return failure_reason(self.stage, self.message)


def unresolved_failures(store: EvidenceStore) -> list[FailedRecord]:
    """One :class:`FailedRecord` per PMID with unresolved failures (the latest wins), by PMID."""
    rows = store.con.execute(
        """
        WITH unresolved AS (
          SELECT pmid, stage, message, run_id,
                 row_number() OVER (PARTITION BY pmid ORDER BY run_id DESC, rowid DESC) AS latest,
                 count(DISTINCT run_id) OVER (PARTITION BY pmid) AS runs
          FROM failures
          WHERE NOT resolved AND pmid IS NOT NULL AND trim(pmid) <> ''
        )
        SELECT o.pmid, o.stage, o.message, o.run_id, o.runs,
               EXISTS (SELECT 1 FROM studies s WHERE s.pmid = o.pmid) AS in_table
        FROM unresolved o
        WHERE o.latest = 1
        ORDER BY o.pmid
        """
    ).fetchall()
    return [
        FailedRecord(str(pmid), str(stage), str(message), int(run_id), int(runs), bool(in_table))
        for pmid, stage, message, run_id, runs, in_table in rows
    ]

"""One record through extract -> screen -> rows, with the one failure policy every flow uses.

The refresh, the demo and the corpus flow all call :func:`process_records`; a record whose
extraction, screening or row building raises becomes a :class:`RecordFailure` naming its PMID and
stage, and every other record of the batch goes on. (Before this module the refresh and the
corpus flow had two copies of these steps with two policies: one record could sink a refresh.)

Inputs are bounded: a title or abstract over ``extractors.engine.MAX_FIELD_CHARS`` characters is
refused (never cut, never passed to spaCy) and the record becomes a failure at the ``extract``
stage whose message names the field, its length and the limit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from extractors.engine import FieldTooLong
from extractors.types import StudyExtraction
from itb_evidence.extract import extract_record
from itb_evidence.pubmed.records import PubmedRecord
from itb_evidence.rows import EvidenceRows, link_record
from itb_evidence.screen import ScreenDecision, decide

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RecordFailure:
    """A record that could not go through a stage: what the ``failures`` table stores."""

    pmid: str | None
    stage: str  # parse | extract | screen | rows | validate | fetch | file
    message: str
    raw: bytes | None = None

    def line(self) -> str:
        return f"PMID {self.pmid or '?'} ({self.stage}): {self.message}"


@dataclass(frozen=True, slots=True)
class ProcessedRecord:
    record: PubmedRecord
    extraction: StudyExtraction
    decision: ScreenDecision
    rows: EvidenceRows


@dataclass(slots=True)
class ProcessedBatch:
    """The records that went through, their rows together, and the ones that failed."""

    processed: list[ProcessedRecord] = field(default_factory=list)
    failures: list[RecordFailure] = field(default_factory=list)
    rows: EvidenceRows = field(default_factory=EvidenceRows)

    @property
    def records(self) -> list[PubmedRecord]:
        return [p.record for p in self.processed]


def process_record(record: PubmedRecord) -> ProcessedRecord | RecordFailure:
    """extract -> screen -> rows for one record; an exception becomes a failure, never raised."""
    stage = "extract"
    try:
        extraction = extract_record(record)
        stage = "screen"
        decision = decide(record, extraction)
        stage = "rows"
        rows = link_record(record, extraction, decision)
    except Exception as exc:  # one record's bug never sinks a batch: keep it as a failure
        # a field over the input bound is refused with its reason; any other error is named
        message = str(exc) if isinstance(exc, FieldTooLong) else f"{type(exc).__name__}: {exc}"
        failure = RecordFailure(record.pmid, stage, message)
        logger.warning("record failed: %s", failure.line())
        return failure
    return ProcessedRecord(record, extraction, decision, rows)


def process_records(records: Iterable[PubmedRecord]) -> ProcessedBatch:
    batch = ProcessedBatch()
    for record in records:
        outcome = process_record(record)
        if isinstance(outcome, RecordFailure):
            batch.failures.append(outcome)
        else:
            batch.processed.append(outcome)
            batch.rows.extend(outcome.rows)
    return batch

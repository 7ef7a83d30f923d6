"""Screen stage: decide which parsed records are ITB-in-HSP studies and say why.

The decision uses the extractors' study-level flags (terms in title/abstract, MeSH, publication
types), so a reviewer sees the same evidence the table does. Excluded records are kept with their
reason: PRISMA counts need the exclusions, not just the survivors.
"""

from __future__ import annotations

from dataclasses import dataclass

from extractors.types import StudyExtraction
from itb_evidence.pubmed.records import PubmedRecord

REASON_INCLUDED = "ITB study in an HSP population"
REASON_NOT_ITB = "not an intrathecal baclofen study"
REASON_NOT_HSP = "population is not hereditary spastic paraplegia"
REASON_NEITHER = "neither intrathecal baclofen nor hereditary spastic paraplegia"
REASON_NO_TEXT = "no title or abstract to screen"


@dataclass(frozen=True, slots=True)
class ScreenDecision:
    pmid: str
    included: bool
    reason: str
    evidence: dict[str, list[str]]


def decide(record: PubmedRecord, extraction: StudyExtraction) -> ScreenDecision:
    """Inclusion needs both flags; the reason names what was missing."""
    if not record.title.strip() and not record.abstract.strip():
        return ScreenDecision(record.pmid, False, REASON_NO_TEXT, {})
    itb, hsp = extraction.is_itb_study, extraction.is_hsp_population
    if itb and hsp:
        reason = REASON_INCLUDED
    elif not itb and not hsp:
        reason = REASON_NEITHER
    elif not itb:
        reason = REASON_NOT_ITB
    else:
        reason = REASON_NOT_HSP
    return ScreenDecision(record.pmid, itb and hsp, reason, dict(extraction.evidence))

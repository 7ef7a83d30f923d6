"""Extract stage: run the pure extractors on a parsed record.

The record's indexing (MeSH, publication types, keywords) and its section offsets go in with the
text, so study-level flags can use them and every span can name its section.
"""

from __future__ import annotations

from extractors import extract_study
from extractors.types import StudyExtraction
from itb_evidence.pubmed.records import PubmedRecord


def extract_record(record: PubmedRecord) -> StudyExtraction:
    return extract_study(
        record.pmid,
        record.title,
        record.abstract,
        sections=[(s.label, s.start, s.end) for s in record.sections],
        mesh_terms=[m.descriptor for m in record.mesh],
        publication_types=list(record.publication_types),
        keywords=list(record.keywords),
    )

"""Rule-based extraction (spaCy blank English + lexicons + named regexes): text in, typed
mentions with provenance out. No I/O, no network, no Prefect.
"""

from extractors.engine import EXTRACTOR_VERSION, extract_study, measures_named

__all__ = ["EXTRACTOR_VERSION", "extract_study", "measures_named"]

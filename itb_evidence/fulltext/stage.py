"""The full-text stage of a run: for every included study, its PMC article or the reason there is
none, ready to store.

Live mode asks PMC (``fulltext.fetch``) only for PMCIDs the store does not already hold with a
body (incremental: a held article is read from the store, never fetched again; the raw cache
beside the store answers for anything fetched before). Snapshot mode (the demo) reads the JATS
files bundled beside the PubMed snapshot instead, and says for each included study without one
why not (``not_bundled.tsv``: PMID, reason). Nothing here raises for one article: a study whose
full text cannot be had is a line of the run summary, never a failed run.
"""

from __future__ import annotations

import csv
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from lxml import etree

from itb_evidence.fulltext.document import FullText
from itb_evidence.fulltext.fetch import FullTextResult, fetch_fulltexts
from itb_evidence.fulltext.jats import normalise_pmcid, parse_jats
from itb_evidence.fulltext.rawcache import PmcRawCache
from itb_evidence.pubmed.entrez import EntrezConfig

log = logging.getLogger(__name__)

StudyStatus = Literal[
    "open_access", "cached", "held", "no_body", "missing", "failed", "no_pmcid", "not_bundled"
]
USABLE: tuple[StudyStatus, ...] = ("open_access", "cached", "held")
NOT_BUNDLED_FILE = "not_bundled.tsv"
NO_PMCID_REASON = "the PubMed record names no PMC article (no PMCID)"


@dataclass(frozen=True, slots=True)
class StudyFullText:
    """What became of one included study's full text."""

    pmid: str
    pmcid: str | None
    status: StudyStatus
    reason: str | None = None
    document: FullText | None = None
    xml: bytes | None = field(default=None, repr=False)  # as received; None when held

    @property
    def usable(self) -> bool:
        return self.status in USABLE and self.document is not None and self.document.has_body


@dataclass(slots=True)
class FullTextRun:
    """Every included study looked at, in order; the run summary's full-text lines."""

    studies: list[StudyFullText] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        """One line of counts, then one line per study without usable full text and why."""
        if not self.studies:
            return ["full text: no included studies to look for"]
        counts = Counter(s.status for s in self.studies)
        order = (*USABLE, "no_body", "missing", "failed", "no_pmcid", "not_bundled")
        lines = [
            "full text: "
            + ", ".join(f"{counts[k]} {k.replace('_', ' ')}" for k in order if counts[k])
        ]
        for s in self.studies:
            if not s.usable:
                where = f"PMID {s.pmid}" + (f" ({s.pmcid})" if s.pmcid else "")
                lines.append(f"  {where}: {s.status.replace('_', ' ')}: {s.reason}")
        return lines


def _from_result(pmid: str, result: FullTextResult) -> StudyFullText:
    status: StudyStatus = result.status
    reason = result.reason
    if result.status in ("open_access", "cached") and not result.usable:
        status, reason = "no_body", reason or "the JATS has no <body>"
    return StudyFullText(pmid, result.pmcid, status, reason, result.document, result.xml)


def retrieve_live(
    sought: Sequence[tuple[str, str | None]],
    *,
    cache_root: Path | None,
    held: Mapping[str, FullText] | None = None,
    config: EntrezConfig | None = None,
    refresh: bool = False,
) -> FullTextRun:
    """``sought``: (PMID, PMCID or None) of the included studies. ``held``: documents the store
    holds with a body, by PMCID (not fetched again unless ``refresh``)."""
    held = held or {}
    run = FullTextRun()
    to_fetch: dict[str, str] = {}  # pmcid -> pmid
    planned: list[tuple[str, str | None]] = []
    for pmid, raw in sought:
        pmcid = normalise_pmcid(raw)
        planned.append((pmid, pmcid))
        if pmcid is not None and (refresh or pmcid not in held):
            to_fetch.setdefault(pmcid, pmid)
    results: dict[str, FullTextResult] = {}
    if to_fetch:
        cache = PmcRawCache(cache_root) if cache_root is not None else None
        try:
            report = fetch_fulltexts(list(to_fetch), config=config, cache=cache, refresh=refresh)
            results = {r.pmcid: r for r in report.results}
        except Exception as exc:  # the fetch reports per PMCID; this is the last guard
            log.error("full text fetch failed: %s", exc)
            results = {
                p: FullTextResult(p, "failed", f"{type(exc).__name__}: {exc}") for p in to_fetch
            }
    for pmid, pmcid in planned:
        if pmcid is None:
            run.studies.append(StudyFullText(pmid, None, "no_pmcid", NO_PMCID_REASON))
        elif pmcid in results:
            run.studies.append(_from_result(pmid, results[pmcid]))
        else:
            run.studies.append(StudyFullText(pmid, pmcid, "held", None, held[pmcid]))
    return run


def _read_not_bundled(directory: Path) -> dict[str, str]:
    path = directory / NOT_BUNDLED_FILE
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.reader(fh, delimiter="\t") if r and not r[0].startswith("#")]
    return {r[0].strip(): r[1].strip() for r in rows[1:] if len(r) >= 2}


def bundled_documents(directory: Path) -> list[tuple[FullText, bytes]]:
    """Every bundled JATS file (``*.nxml``, ``*.xml``) parsed; a file that does not parse is
    logged and skipped (one line naming it), never sinking the demo."""
    found: list[tuple[FullText, bytes]] = []
    if not directory.is_dir():
        return found
    for path in sorted(directory.iterdir()):
        if path.suffix not in (".nxml", ".xml"):
            continue
        xml = path.read_bytes()
        try:
            for document in parse_jats(xml, what=path.name):
                found.append((document, xml))
        except (ValueError, etree.LxmlError) as exc:
            log.error("%s: not usable JATS: %s", path, exc)
    return found


def retrieve_bundled(sought: Sequence[tuple[str, str | None]], directory: Path) -> FullTextRun:
    """The bundled JATS of each study (matched by PMCID, else by the PMID the article names)."""
    documents = bundled_documents(directory)
    by_pmcid = {d.pmcid: (d, x) for d, x in documents if d.pmcid}
    by_pmid = {d.pmid: (d, x) for d, x in documents if d.pmid}
    why_not = _read_not_bundled(directory)
    run = FullTextRun()
    for pmid, raw in sought:
        pmcid = normalise_pmcid(raw)
        hit = by_pmcid.get(pmcid) if pmcid else None
        hit = hit or by_pmid.get(pmid)
        if hit is None:
            reason = f"no open-access full text bundled for PMID {pmid}"
            if pmid in why_not:
                reason += f" ({why_not[pmid]})"
            run.studies.append(StudyFullText(pmid, pmcid, "not_bundled", reason))
            continue
        document, xml = hit
        if document.has_body:
            run.studies.append(
                StudyFullText(pmid, document.pmcid, "open_access", None, document, xml)
            )
        else:
            run.studies.append(
                StudyFullText(pmid, document.pmcid, "no_body", document.reason, document, xml)
            )
    return run

"""A small evidence store for the report tests, from hand-built extractions (no extractor rules).

The texts are invented for the tests and carry what breaks naive HTML: ``<``, ``&``, a fake tag,
a nested span (a p-value inside a pre->post result) and two crossing spans.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import lxml.html
from lxml.html import HtmlElement

from extractors.types import (
    DoseMention,
    OutcomeMention,
    Provenance,
    PValue,
    ResultPair,
    SampleSize,
    Statistic,
    StudyExtraction,
    TestStatistic,
)
from itb_evidence.pubmed.records import PubDate, PubmedRecord
from itb_evidence.rows import EvidenceRows, link_record
from itb_evidence.screen import ScreenDecision
from itb_evidence.store.store import EvidenceStore
from tests.support.factories import make_extraction, make_record

TRICKY = (
    "Results: Spasticity fell (MAS 3 -> 1, p < 0.001) & pain <improved>; gait speed rose from "
    "0.4 to 0.6 m/s (t(6) = 9.9, p = 0.40).\nDose 50-100 μg/day in 5 patients."
)
TRICKY_PMID = "400"
RETRACTED_PMID = "300"
PLAIN_PMID = "100"
EXCLUDED_PMID = "200"


def tprov(text: str, rule: str) -> Provenance:
    start = TRICKY.index(text)
    return Provenance("abstract", start, start + len(text), text, "s", "Results", rule)


def tricky_record() -> PubmedRecord:
    return replace(
        make_record(TRICKY_PMID),
        abstract=TRICKY,
        sections=(),
        title="A <b> & c",
        pub_date=PubDate(2018),
    )


def tricky_extraction() -> StudyExtraction:
    p_mas = PValue("<", 0.001, "Modified Ashworth Scale", tprov("p < 0.001", "pvalue.lt"))
    p_gait = PValue("=", 0.40, None, tprov("p = 0.40", "pvalue.eq"))  # not linked: low confidence
    test = TestStatistic("t", 9.9, (6,), 0.0001, False, tprov("t(6) = 9.9", "stat.t"))
    return StudyExtraction(
        id=TRICKY_PMID,
        is_itb_study=True,
        is_hsp_population=True,
        design="case series",
        # crosses the dose span below: "Dose 50-100 μg/day in 5" vs "5 patients"
        sample_size=SampleSize(5, tprov("5 patients", "n.digits")),
        outcome_measures=(
            OutcomeMention("Modified Ashworth Scale", tprov("MAS", "lex.mas")),
            OutcomeMention("Pain", tprov("pain", "lex.pain")),  # named only: low confidence
        ),
        doses=(
            DoseMention(
                None,
                None,
                (50, 100),
                "ug/day",
                "baclofen",
                "intrathecal",
                "daily",
                tprov("Dose 50-100 μg/day in 5", "dose.range"),
            ),
        ),
        p_values=(p_mas, p_gait),
        results=(
            ResultPair(
                "Modified Ashworth Scale",
                Statistic("value", 3),
                Statistic("value", 1),
                p_mas,
                tprov("MAS 3 -> 1, p < 0.001", "result.arrow"),
            ),
            ResultPair(
                None,  # not linked: low confidence
                Statistic("mean", 0.4),
                Statistic("mean", 0.6),
                p_gait,
                tprov("from 0.4 to 0.6 m/s (t(6) = 9.9, p = 0.40)", "result.from_to"),
                test,
            ),
        ),
        extractor_version="test",
    )


def build_store(db: Path) -> EvidenceStore:
    """Three included studies (one retracted, one tricky) and one excluded, with their records."""
    included = ScreenDecision("x", True, "ITB study in an HSP population", {})
    records = [
        make_record(PLAIN_PMID),
        replace(make_record(RETRACTED_PMID, retracted=True), pub_date=PubDate(2022)),
        make_record(EXCLUDED_PMID),
        tricky_record(),
    ]
    rows = EvidenceRows()
    rows.extend(link_record(records[0], make_extraction(PLAIN_PMID), included))
    rows.extend(link_record(records[1], make_extraction(RETRACTED_PMID), included))
    rows.extend(
        link_record(
            records[2],
            make_extraction(EXCLUDED_PMID, hsp=False),
            ScreenDecision(EXCLUDED_PMID, False, "population is not HSP <adults & children>", {}),
        )
    )
    rows.extend(link_record(records[3], tricky_extraction(), included))
    store = EvidenceStore(db)
    report = store.write_evidence(rows)
    if report.rejected:
        raise AssertionError(f"fixture rows rejected: {[str(e) for e in report.rejected]}")
    store.upsert_records(records, run_id=1)
    return store


def parse_html(html: str) -> HtmlElement:
    return lxml.html.document_fromstring(html)


def nodes(el: HtmlElement, path: str) -> list[HtmlElement]:
    """``el.xpath(path)`` typed as elements (the report tests only select elements)."""
    found = el.xpath(path)
    assert isinstance(found, list) and all(isinstance(e, HtmlElement) for e in found), path
    return found

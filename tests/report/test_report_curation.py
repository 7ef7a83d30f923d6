"""The review report shows curated values: corrections win, rejected rows go, stale ones flag."""

from __future__ import annotations

from pathlib import Path

from itb_evidence.curate import Correction, add_correction
from itb_evidence.report.render import render_report
from itb_evidence.rows import link_record
from itb_evidence.screen import ScreenDecision
from itb_evidence.store.store import EvidenceStore
from tests.support.factories import make_extraction, make_record
from tests.support.report_fixtures import nodes, parse_html


def test_report_applies_corrections(tmp_path: Path) -> None:
    with EvidenceStore(tmp_path / "e.duckdb") as store:
        record = make_record()
        store.upsert_records([record], run_id=1)
        store.write_evidence(
            link_record(record, make_extraction(), ScreenDecision("100", True, "ok", {}))
        )
        add_correction(
            store,
            Correction(
                "100", "study", "set", "Methods says 8", "ana", field="sample_size", value="8"
            ),
        )
        add_correction(
            store,
            Correction("100", "outcome", "reject", "not measured", "ben", outcome="Gait speed"),
        )
        revised = make_record()
        object.__setattr__(revised, "abstract", revised.abstract + " Corrected.")
        store.upsert_records([revised], run_id=2)
        html = render_report(store)
    doc = parse_html(html)
    (card,) = nodes(doc, '//article[@data-pmid="100"]')
    terms = [dt.text_content() for dt in nodes(card, ".//dl/dt")]
    facts = dict(zip(terms, [dd.text_content() for dd in nodes(card, ".//dl/dd")], strict=True))
    assert facts["n"] == "8"
    assert facts["Curation"].startswith(
        "set sample_size by ana: Methods says 8; reject by ben: not measured"
    )
    assert "NEEDS REVIEW" in facts["Curation"]
    rows = nodes(card, ".//table[@class='outcomes']/tbody/tr")
    assert [nodes(tr, "./td")[0].text_content() for tr in rows] == ["Modified Ashworth Scale"]
